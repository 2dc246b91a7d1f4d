import { listUserSessions } from '@/lib/auth/session';
import { revokeOtherSessionsByUser } from '@/lib/auth/session-revocation';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/runtime';
import {
  apiJson,
  apiRoute,
  readOptionalJsonObject,
  refused,
  validationFailed,
  apiSession,
} from '@/lib/web/api';
import { toSessionList } from '@/lib/web/api-dto';
import { getRequestContext } from '@/lib/web/request-context';

export const GET = apiRoute(async (): Promise<Response> => {
  const current = await apiSession();
  if (current instanceof Response) return current;
  const sessions = await listUserSessions(
    getDb(),
    current.user.id,
    new Date(),
    getConfig().session,
  );
  return apiJson(toSessionList(sessions, current.session.id));
});

/** Ends every session but this one; once this sign-in is not recent, with the password. */
export const DELETE = apiRoute(async (request: Request): Promise<Response> => {
  const current = await apiSession();
  if (current instanceof Response) return current;
  const read = await readOptionalJsonObject(request);
  if (!read.ok) return read.response;
  const result = await revokeOtherSessionsByUser(
    getDb(),
    current,
    { currentPassword: read.body.currentPassword },
    await getRequestContext(),
    getConfig(),
  );
  if (result.ok) return apiJson({ ended: result.ended });
  if (result.reason === 'invalid') return validationFailed(result.fieldErrors);
  return refused(result);
});
