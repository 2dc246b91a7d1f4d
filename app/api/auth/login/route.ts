import { logIn } from '@/lib/auth/login';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import { apiError, apiJson, apiRoute, readJsonObject, refused } from '@/lib/web/api';
import { toCurrentSession } from '@/lib/web/api-dto';
import { readTrustedDevice, setPendingLoginCookie } from '@/lib/web/cookies';
import { completeLogIn } from '@/lib/web/login';
import { getRequestContext } from '@/lib/web/request-context';

export const POST = apiRoute(async (request: Request): Promise<Response> => {
  const read = await readJsonObject(request);
  if (!read.ok) return read.response;
  const ctx = await getRequestContext();

  const input = { username: read.body.username, password: read.body.password };
  const result = await logIn(
    getDb(),
    input,
    ctx,
    getConfig(),
    await readTrustedDevice(input.username),
    getMailer(),
  );
  if (!result.ok) {
    if (result.reason === 'second_factor_required') {
      // No session yet: the pending-login cookie lets this client alone send the code.
      await setPendingLoginCookie(result.pendingToken, '/', result.expiresAt);
      return apiJson(
        { secondFactorRequired: true, expiresAt: result.expiresAt.toISOString() },
        202,
      );
    }
    if (result.reason === 'passkey_required')
      return apiError(403, 'passkey_required', result.message);
    if (result.reason !== 'invalid') return refused(result);
    // One answer for every wrong input, so it never tells which usernames exist.
    return apiError(401, 'invalid_credentials', 'Invalid username or password.');
  }
  const session = await completeLogIn(result.user, result.signIn, ctx);
  if (!session) return apiError(401, 'invalid_credentials', 'Invalid username or password.');
  return apiJson(toCurrentSession(result.user, session));
});
