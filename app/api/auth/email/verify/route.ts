import { verifyEmail } from '@/lib/auth/email';
import { getDb, getMailer } from '@/lib/runtime';
import { apiError, apiJson, apiRoute, emailDisabled, readJsonObject } from '@/lib/web/api';
import { getRequestContext } from '@/lib/web/request-context';

export const POST = apiRoute(async (request: Request): Promise<Response> => {
  if (!getMailer()) return emailDisabled();
  const read = await readJsonObject(request);
  if (!read.ok) return read.response;
  const result = await verifyEmail(getDb(), read.body.token, await getRequestContext());
  if (result.ok) return apiJson({ email: result.address });
  return result.reason === 'address_taken'
    ? apiError(409, 'address_taken', 'The address now belongs to another account.')
    : apiError(400, 'invalid_link', 'The link has expired or has been used.');
});
