import type { Db } from '@/db';
import type { Mailer } from '../mail/outbox';
import { metrics } from '../metrics';
import type { AuthMethod, RequestContext } from './context';
import { recordSecurityEvent } from './events';
import { sendNotice, type NoticeRecipient } from './notices';

/**
 * What every sign-in that succeeded leaves behind, whatever proved it: a notice to the owner when
 * the browser has not signed in to the account before, the security event naming the method, and
 * the logins metric. Written once so a new way in cannot forget one of them.
 */
export async function recordSignIn(
  db: Db,
  mailer: Mailer | null,
  account: NoticeRecipient,
  method: AuthMethod,
  newBrowser: boolean,
  ctx: RequestContext,
): Promise<void> {
  if (newBrowser)
    await sendNotice(
      db,
      mailer,
      account,
      (m, username, when) => m.newBrowser(username, when),
      ctx,
      'sign_in',
    );
  await recordSecurityEvent(
    db,
    { type: 'login_success', userId: account.id, detail: method },
    ctx.client,
    ctx.now,
  );
  metrics().logins.inc({ outcome: 'success' });
}
