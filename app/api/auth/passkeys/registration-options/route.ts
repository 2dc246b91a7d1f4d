import { startPasskeyRegistration } from '@/lib/auth/passkeys';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/runtime';
import { apiJson, refused, signedInJsonRoute, validationFailed } from '@/lib/web/api';
import { setPasskeyChallengeCookie } from '@/lib/web/cookies';
import { getRequestContext } from '@/lib/web/request-context';

/** Options for navigator.credentials.create(), after the current password. */
export const POST = signedInJsonRoute(
  async (current, body): Promise<Response> => {
    const result = await startPasskeyRegistration(
      getDb(),
      current,
      { currentPassword: body.currentPassword },
      await getRequestContext(),
      getConfig(),
    );
    if (!result.ok)
      return result.reason === 'invalid' ? validationFailed(result.fieldErrors) : refused(result);
    await setPasskeyChallengeCookie('registration', result.challenge);
    return apiJson(result.options);
  },
  { enrolling: true },
);
