import { regenerateRecoveryCodes } from '@/lib/auth/second-factor';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import { apiError, apiJson, refused, signedInJsonRoute, validationFailed } from '@/lib/web/api';
import { getRequestContext } from '@/lib/web/request-context';

/** Ten new recovery codes, shown this once; the old ones stop working. */
export const POST = signedInJsonRoute(async (current, body): Promise<Response> => {
  const result = await regenerateRecoveryCodes(
    getDb(),
    current,
    { currentPassword: body.currentPassword },
    await getRequestContext(),
    getConfig(),
    getMailer(),
  );
  if (result.ok) return apiJson({ recoveryCodes: result.recoveryCodes });
  if (result.reason === 'invalid') return validationFailed(result.fieldErrors);
  if (result.reason === 'not_enabled') return apiError(409, 'not_enabled', result.message);
  return refused(result);
});
