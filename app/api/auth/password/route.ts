import { changePassword } from '@/lib/auth/users';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import {
  apiJson,
  credentialsChanged,
  refused,
  signedInJsonRoute,
  validationFailed,
} from '@/lib/web/api';
import { toCurrentSession } from '@/lib/web/api-dto';
import { completeLogIn } from '@/lib/web/login';
import { getRequestContext } from '@/lib/web/request-context';

export const POST = signedInJsonRoute(async (current, body): Promise<Response> => {
  const { currentPassword, newPassword } = body;
  const ctx = await getRequestContext();

  const input = { currentPassword, newPassword, confirmNewPassword: newPassword };
  const result = await changePassword(getDb(), current, input, ctx, getConfig(), getMailer());
  if (!result.ok) {
    if (result.reason === 'credentials_changed') return credentialsChanged();
    if (result.reason !== 'invalid') return refused(result);
    const { confirmNewPassword: _confirm, ...details } = result.fieldErrors;
    return validationFailed(details);
  }
  // Every session ended, this one included: the caller gets a fresh cookie.
  const session = await completeLogIn(current.user, result.signIn, ctx);
  if (!session) return credentialsChanged();
  return apiJson(toCurrentSession(current.user, session));
});
