import { after } from 'next/server';
import { requestPasswordReset } from '@/lib/auth/password-reset';
import { getConfig } from '@/lib/config';
import { getLogger } from '@/lib/logger';
import { getDb, getMailer } from '@/lib/runtime';
import { apiJson, apiRoute, emailDisabled, readJsonObject } from '@/lib/web/api';
import { getRequestContext } from '@/lib/web/request-context';

// The same 202 whatever is found; the work happens after the answer (see the form's action).
export const POST = apiRoute(async (request: Request): Promise<Response> => {
  const mailer = getMailer();
  if (!mailer) return emailDisabled();
  const read = await readJsonObject(request);
  if (!read.ok) return read.response;
  const input = { identifier: read.body.identifier };
  const ctx = await getRequestContext();
  after(() =>
    requestPasswordReset(getDb(), input, ctx, getConfig(), mailer).catch((error: unknown) =>
      getLogger().error(
        { event: 'password_reset_request_failed', err: error },
        'password reset request failed',
      ),
    ),
  );
  return apiJson(
    {
      message:
        'If an account matches and has a verified email address, a reset link is on its way there.',
    },
    202,
  );
});
