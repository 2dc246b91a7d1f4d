import { answeredChallenge, finishPasskeyRegistration, listPasskeys } from '@/lib/auth/passkeys';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import {
  apiError,
  apiJson,
  apiRoute,
  signedInJsonRoute,
  validationFailed,
  apiSession,
} from '@/lib/web/api';
import { toPasskey } from '@/lib/web/api-dto';
import { setSessionCookie, takePasskeyChallenge } from '@/lib/web/cookies';
import { getRequestContext } from '@/lib/web/request-context';

export const GET = apiRoute(async (): Promise<Response> => {
  const current = await apiSession({ enrolling: true });
  if (current instanceof Response) return current;
  return apiJson({ passkeys: (await listPasskeys(getDb(), current.user.id)).map(toPasskey) });
});

/** Adds a passkey: the browser's response to the options from .../registration-options. */
export const POST = signedInJsonRoute(
  async (current, body): Promise<Response> => {
    const result = await finishPasskeyRegistration(
      getDb(),
      current,
      await takePasskeyChallenge('registration', answeredChallenge(body.response)),
      { response: body.response, name: body.name },
      await getRequestContext(),
      getConfig(),
      getMailer(),
    );
    if (result.ok) {
      if (result.rotated) await setSessionCookie(result.rotated.token, result.rotated.expiresAt);
      return apiJson({ passkey: toPasskey(result.passkey) }, 201);
    }
    if (result.reason === 'invalid') return validationFailed(result.fieldErrors);
    return apiError(400, 'passkey_refused', result.message);
  },
  { enrolling: true },
);
