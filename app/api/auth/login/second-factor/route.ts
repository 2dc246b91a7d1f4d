import { completeSecondFactor, PENDING_EXPIRED_MESSAGE } from '@/lib/auth/login';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import { apiError, apiJson, apiRoute, readJsonObject, refused } from '@/lib/web/api';
import { toCurrentSession } from '@/lib/web/api-dto';
import { clearPendingLoginCookie, readPendingLogin } from '@/lib/web/cookies';
import { completeLogIn } from '@/lib/web/login';
import { getRequestContext } from '@/lib/web/request-context';

/** The second step of a login: the pending-login cookie from POST /api/auth/login, and a code. */
export const POST = apiRoute(async (request: Request): Promise<Response> => {
  const read = await readJsonObject(request);
  if (!read.ok) return read.response;
  const pending = await readPendingLogin();
  const ctx = await getRequestContext();
  const answer = { code: read.body.code, recoveryCode: read.body.recoveryCode };
  const result = await completeSecondFactor(
    getDb(),
    pending?.token,
    answer,
    ctx,
    getConfig(),
    getMailer(),
  );
  if (!result.ok && result.reason === 'invalid')
    return apiError(401, 'invalid_code', result.message);
  if (!result.ok && result.reason !== 'pending_expired') return refused(result);
  // Expired, or the password changed since it was given: the login starts again.
  const session = result.ok ? await completeLogIn(result.user, result.signIn, ctx) : null;
  if (!result.ok || !session) {
    await clearPendingLoginCookie();
    return apiError(401, 'pending_login_expired', PENDING_EXPIRED_MESSAGE);
  }
  return apiJson(toCurrentSession(result.user, session));
});
