import { removePasskey, renamePasskey } from '@/lib/auth/passkeys';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import {
  apiError,
  apiNoContent,
  apiRoute,
  readJsonObject,
  refused,
  validationFailed,
  apiSession,
} from '@/lib/web/api';
import { getRequestContext } from '@/lib/web/request-context';

type Context = RouteContext<'/api/auth/passkeys/[id]'>;

/** Renames one of your passkeys. */
export const PATCH = apiRoute(async (request: Request, { params }: Context) => {
  const current = await apiSession();
  if (current instanceof Response) return current;
  const read = await readJsonObject(request);
  if (!read.ok) return read.response;
  const result = await renamePasskey(getDb(), current, (await params).id, { name: read.body.name });
  if (result.ok) return apiNoContent();
  if (result.reason === 'invalid') return validationFailed(result.fieldErrors);
  return apiError(404, 'not_found', result.message);
});

/** Removes one of your passkeys, with the current password. */
export const DELETE = apiRoute(async (request: Request, { params }: Context) => {
  const current = await apiSession();
  if (current instanceof Response) return current;
  const read = await readJsonObject(request);
  if (!read.ok) return read.response;
  const result = await removePasskey(
    getDb(),
    current,
    (await params).id,
    { currentPassword: read.body.currentPassword },
    await getRequestContext(),
    getConfig(),
    getMailer(),
  );
  if (result.ok) return apiNoContent();
  if (result.reason === 'invalid') return validationFailed(result.fieldErrors);
  if (result.reason === 'refused') return apiError(404, 'not_found', result.message);
  return refused(result);
});
