import { getDb } from '@/db';
import { changePassword } from '@/lib/auth/users';
import { getConfig } from '@/lib/config';
import { apiJson, apiRoute, readJsonObject, refused, unauthorized, validationFailed } from '@/lib/web/api';
import { toCurrentSession } from '@/lib/web/api-dto';
import { getCurrentSession } from '@/lib/web/dal';
import { getRequestContext } from '@/lib/web/request-context';
import { signIn } from '@/lib/web/sign-in';

export const POST = apiRoute(async (request: Request): Promise<Response> => {
  const current = await getCurrentSession();
  if (!current) return unauthorized();
  const read = await readJsonObject(request);
  if (!read.ok) return read.response;
  const { currentPassword, newPassword } = read.body;
  const ctx = await getRequestContext();

  const input = { currentPassword, newPassword, confirmNewPassword: newPassword };
  const result = await changePassword(getDb(), current.user, input, ctx, getConfig());
  if (!result.ok) {
    if (result.reason !== 'invalid') return refused(result);
    const { confirmNewPassword: _confirm, ...details } = result.fieldErrors;
    return validationFailed(details);
  }
  // Every session ended, this one included: the caller gets a fresh cookie.
  const session = await signIn(current.user, ctx);
  return apiJson(toCurrentSession(current.user, session));
});
