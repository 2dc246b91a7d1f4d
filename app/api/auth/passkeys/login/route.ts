import { answeredChallenge, finishPasskeyLogin } from '@/lib/auth/passkeys';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import { apiError, apiJson, apiRoute, readJsonObject } from '@/lib/web/api';
import { toCurrentSession } from '@/lib/web/api-dto';
import { readKnownBrowser, takePasskeyChallenge } from '@/lib/web/cookies';
import { completeLogIn } from '@/lib/web/login';
import { getRequestContext } from '@/lib/web/request-context';

/** Signs in with the browser's response to the options from .../login-options. */
export const POST = apiRoute(async (request: Request): Promise<Response> => {
  const read = await readJsonObject(request);
  if (!read.ok) return read.response;
  const ctx = await getRequestContext();
  const result = await finishPasskeyLogin(
    getDb(),
    await takePasskeyChallenge('login', answeredChallenge(read.body.response)),
    { response: read.body.response },
    ctx,
    getConfig(),
    getMailer(),
    await readKnownBrowser(),
  );
  if (!result.ok) return apiError(401, 'passkey_refused', result.message);
  const session = await completeLogIn(result.user, result.signIn, ctx);
  if (!session) return apiError(401, 'passkey_refused', 'That passkey did not sign you in.');
  return apiJson(toCurrentSession(result.user, session));
});
