import { startTotpEnrolment } from '@/lib/auth/second-factor';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/runtime';
import { apiError, apiJson, refused, signedInJsonRoute, validationFailed } from '@/lib/web/api';
import { getRequestContext } from '@/lib/web/request-context';

/** A new secret for an authenticator app; nothing changes until POST /api/auth/second-factor. */
export const POST = signedInJsonRoute(
  async (current, body): Promise<Response> => {
    const result = await startTotpEnrolment(
      getDb(),
      current,
      { currentPassword: body.currentPassword },
      await getRequestContext(),
      getConfig(),
    );
    if (result.ok)
      return apiJson({ enrolment: result.enrolment, uri: result.uri, secret: result.secret });
    if (result.reason === 'invalid') return validationFailed(result.fieldErrors);
    if (result.reason === 'already_enabled')
      return apiError(409, 'already_enabled', result.message);
    return refused(result);
  },
  { enrolling: true },
);
