import { completePasswordReset } from '@/lib/auth/password-reset';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import {
  apiError,
  apiNoContent,
  apiRoute,
  emailDisabled,
  readJsonObject,
  refused,
  validationFailed,
} from '@/lib/web/api';
import { getRequestContext } from '@/lib/web/request-context';

export const POST = apiRoute(async (request: Request): Promise<Response> => {
  const mailer = getMailer();
  if (!mailer) return emailDisabled();
  const read = await readJsonObject(request);
  if (!read.ok) return read.response;
  const { token, newPassword } = read.body;
  const input = { token, newPassword, confirmNewPassword: newPassword };
  const result = await completePasswordReset(
    getDb(),
    input,
    await getRequestContext(),
    getConfig(),
    mailer,
  );
  if (result.ok) return apiNoContent(); // not signed in: log in with the new password
  if (result.reason === 'invalid_link')
    return apiError(400, 'invalid_link', 'The link has expired or has been used.');
  if (result.reason !== 'invalid') return refused(result);
  const { confirmNewPassword: _confirm, ...details } = result.fieldErrors;
  return validationFailed(details);
});
