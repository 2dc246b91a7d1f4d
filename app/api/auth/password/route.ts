import { changePassword } from '@/lib/auth/users';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import {
  apiJson,
  apiRoute,
  readJsonObject,
  refused,
  unauthorized,
  validationFailed,
} from '@/lib/web/api';
import { toCurrentSession } from '@/lib/web/api-dto';
import { getCurrentSession } from '@/lib/web/dal';
import { completeLogIn } from '@/lib/web/login';
import { getRequestContext } from '@/lib/web/request-context';

export const POST = apiRoute(async (request: Request): Promise<Response> => {
  const current = await getCurrentSession();
  if (!current) return unauthorized();
  const read = await readJsonObject(request);
  if (!read.ok) return read.response;
  const { currentPassword, newPassword } = read.body;
  const ctx = await getRequestContext();

  const input = { currentPassword, newPassword, confirmNewPassword: newPassword };
  const result = await changePassword(getDb(), current.user, input, ctx, getConfig(), getMailer());
  if (!result.ok) {
    if (result.reason !== 'invalid') return refused(result);
    const { confirmNewPassword: _confirm, ...details } = result.fieldErrors;
    return validationFailed(details);
  }
  // Every session ended, this one included: the caller gets a fresh cookie.
  const session = await completeLogIn(current.user, ctx);
  return apiJson(toCurrentSession(current.user, session));
});
