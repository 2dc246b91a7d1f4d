import { registerUser, USERNAME_TAKEN } from '@/lib/auth/users';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import {
  apiError,
  apiJson,
  credentialsChanged,
  apiRoute,
  readJsonObject,
  refused,
  validationFailed,
} from '@/lib/web/api';
import { toCurrentSession } from '@/lib/web/api-dto';
import { completeLogIn } from '@/lib/web/login';
import { getRequestContext } from '@/lib/web/request-context';

export const POST = apiRoute(async (request: Request): Promise<Response> => {
  const read = await readJsonObject(request);
  if (!read.ok) return read.response;
  const { username, password, email } = read.body;
  const ctx = await getRequestContext();

  // The same rules as the form; an API client has no "confirm password" field to mistype.
  const result = await registerUser(
    getDb(),
    { username, password, confirmPassword: password, email },
    ctx,
    getConfig(),
    getMailer(),
  );
  if (!result.ok) {
    if (result.reason !== 'invalid') return refused(result);
    if (result.fieldErrors.username === USERNAME_TAKEN)
      return apiError(409, 'username_taken', USERNAME_TAKEN);
    const { confirmPassword: _confirm, ...details } = result.fieldErrors;
    return validationFailed(details);
  }
  const session = await completeLogIn(result.user, result.signIn, ctx);
  if (!session) return credentialsChanged();
  return apiJson(toCurrentSession(result.user, session), 201);
});
