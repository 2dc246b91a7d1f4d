import { reauthenticate } from '@/lib/auth/second-factor';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/runtime';
import { apiNoContent, refused, signedInJsonRoute, validationFailed } from '@/lib/web/api';
import { setSessionCookie } from '@/lib/web/cookies';
import { getRequestContext } from '@/lib/web/request-context';

/** Proves every factor again, opening REAUTH_WINDOW for sensitive changes in this session. */
export const POST = signedInJsonRoute(async (current, body): Promise<Response> => {
  const { currentPassword, code, recoveryCode } = body;
  const result = await reauthenticate(
    getDb(),
    current,
    { currentPassword, code, recoveryCode },
    await getRequestContext(),
    getConfig(),
  );
  if (result.ok) {
    if (result.rotated) await setSessionCookie(result.rotated.token, result.rotated.expiresAt);
    return apiNoContent();
  }
  return result.reason === 'invalid' ? validationFailed(result.fieldErrors) : refused(result);
});
