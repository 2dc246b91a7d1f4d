import { confirmTotpEnrolment, disableTotp, getSecondFactorStatus } from '@/lib/auth/second-factor';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import {
  apiError,
  apiJson,
  apiNoContent,
  apiRoute,
  refused,
  signedInJsonRoute,
  validationFailed,
  apiSession,
} from '@/lib/web/api';
import { setSessionCookie } from '@/lib/web/cookies';
import { getRequestContext } from '@/lib/web/request-context';

export const GET = apiRoute(async (): Promise<Response> => {
  const current = await apiSession({ enrolling: true });
  if (current instanceof Response) return current;
  const status = await getSecondFactorStatus(getDb(), current.user.id);
  return apiJson({
    enabled: status.enabledAt !== null,
    enabledAt: status.enabledAt?.toISOString() ?? null,
    recoveryCodesLeft: status.recoveryCodesLeft,
  });
});

/** Turns the app on with the enrolment from POST .../enrolment and one code from the app. */
export const POST = signedInJsonRoute(
  async (current, body): Promise<Response> => {
    const input = { enrolment: body.enrolment, code: body.code };
    const result = await confirmTotpEnrolment(
      getDb(),
      current,
      input,
      await getRequestContext(),
      getConfig(),
      getMailer(),
    );
    if (result.ok) {
      if (result.rotated) await setSessionCookie(result.rotated.token, result.rotated.expiresAt);
      return apiJson({ recoveryCodes: result.recoveryCodes }, 201);
    }
    if (result.reason === 'invalid') return validationFailed(result.fieldErrors);
    if (result.reason === 'enrolment_expired')
      return apiError(400, 'enrolment_expired', result.message);
    if (result.reason === 'already_enabled')
      return apiError(409, 'already_enabled', result.message);
    return refused(result);
  },
  { enrolling: true },
);

/** Turns the second factor off: the password and a code or a recovery code. */
export const DELETE = signedInJsonRoute(async (current, body): Promise<Response> => {
  const { currentPassword, code, recoveryCode } = body;
  const result = await disableTotp(
    getDb(),
    current,
    { currentPassword, code, recoveryCode },
    await getRequestContext(),
    getConfig(),
    getMailer(),
  );
  if (result.ok) return apiNoContent();
  if (result.reason === 'invalid') return validationFailed(result.fieldErrors);
  if (result.reason === 'not_enabled') return apiError(409, 'not_enabled', result.message);
  return refused(result);
});
