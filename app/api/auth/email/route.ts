import { changeEmail, getEmailAddresses, removeEmail } from '@/lib/auth/email';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import {
  apiJson,
  apiNoContent,
  apiRoute,
  emailDisabled,
  readJsonObject,
  refused,
  validationFailed,
  apiSession,
} from '@/lib/web/api';
import { getRequestContext } from '@/lib/web/request-context';

export const GET = apiRoute(async (): Promise<Response> => {
  const current = await apiSession();
  if (current instanceof Response) return current;
  return apiJson(await getEmailAddresses(getDb(), current.user.id));
});

/** Adds or changes the address: a link goes to it (202 whether or not another account has it). */
export const POST = apiRoute(async (request: Request): Promise<Response> => {
  const current = await apiSession();
  if (current instanceof Response) return current;
  const mailer = getMailer();
  if (!mailer) return emailDisabled();
  const read = await readJsonObject(request);
  if (!read.ok) return read.response;
  const input = { email: read.body.email, currentPassword: read.body.currentPassword };
  const result = await changeEmail(
    getDb(),
    current,
    input,
    await getRequestContext(),
    getConfig(),
    mailer,
  );
  if (result.ok)
    return apiJson(
      { message: `A link is on its way to ${result.address}: open it to verify the address.` },
      202,
    );
  return result.reason === 'invalid' ? validationFailed(result.fieldErrors) : refused(result);
});

export const DELETE = apiRoute(async (request: Request): Promise<Response> => {
  const current = await apiSession();
  if (current instanceof Response) return current;
  const mailer = getMailer();
  if (!mailer) return emailDisabled();
  const read = await readJsonObject(request);
  if (!read.ok) return read.response;
  const input = { currentPassword: read.body.currentPassword };
  const result = await removeEmail(
    getDb(),
    current,
    input,
    await getRequestContext(),
    getConfig(),
    mailer,
  );
  if (result.ok) return apiNoContent();
  return result.reason === 'invalid' ? validationFailed(result.fieldErrors) : refused(result);
});
