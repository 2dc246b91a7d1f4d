import { revokeSessionByUser } from '@/lib/auth/session-revocation';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/runtime';
import {
  apiError,
  apiNoContent,
  apiRoute,
  readOptionalJsonObject,
  refused,
  validationFailed,
  apiSession,
} from '@/lib/web/api';
import { clearSessionCookie } from '@/lib/web/cookies';
import { getRequestContext } from '@/lib/web/request-context';

/** Ends one of your sessions; another one, once this sign-in is not recent, with the password. */
export const DELETE = apiRoute(
  async (
    request: Request,
    { params }: RouteContext<'/api/auth/sessions/[id]'>,
  ): Promise<Response> => {
    const current = await apiSession();
    if (current instanceof Response) return current;
    const read = await readOptionalJsonObject(request);
    if (!read.ok) return read.response;
    const result = await revokeSessionByUser(
      getDb(),
      current,
      (await params).id,
      { currentPassword: read.body.currentPassword },
      await getRequestContext(),
      getConfig(),
    );
    if (result.ok) {
      if (result.current) await clearSessionCookie();
      return apiNoContent();
    }
    // Someone else's session id gets the same 404 as one that never existed.
    if (result.reason === 'not_found') return apiError(404, 'not_found', result.message);
    if (result.reason === 'invalid') return validationFailed(result.fieldErrors);
    return refused(result);
  },
);
