'use server';

import { after } from 'next/server';
import { requestPasswordReset } from '@/lib/auth/password-reset';
import { getConfig } from '@/lib/config';
import { getLogger } from '@/lib/logger';
import { getDb, getMailer } from '@/lib/runtime';
import { getRequestContext } from '@/lib/web/request-context';

export type ForgotPasswordState = { sent?: boolean };

/**
 * Answers at once, the same whatever is found: the look-up, the throttles and the mail happen
 * after the answer has gone, so neither its words nor its timing tell which accounts exist.
 */
export async function requestResetAction(
  _previous: ForgotPasswordState,
  formData: FormData,
): Promise<ForgotPasswordState> {
  const mailer = getMailer();
  if (!mailer) return {};
  const input = { identifier: formData.get('identifier') };
  const ctx = await getRequestContext();
  after(() =>
    requestPasswordReset(getDb(), input, ctx, getConfig(), mailer).catch((error: unknown) =>
      getLogger().error(
        { event: 'password_reset_request_failed', err: error },
        'password reset request failed',
      ),
    ),
  );
  return { sent: true };
}
