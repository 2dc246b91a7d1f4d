import type { Db } from '@/db';
import { incrementCounter } from '@/db/queries/throttle';
import { runTransaction, type TransactionStep } from '@/db/transaction';
import type { Circumstances, Message, Messages } from '../mail/messages';
import { mailStep, type Mailer } from '../mail/outbox';
import { describeUserAgent } from '../user-agent';
import type { RequestContext } from './context';
import { recordSecurityEvent } from './events';

// Notices tell the owner of an account what was done with it (a sign-in from a new browser, a
// password or address change, a deletion), at their verified address, naming when, the browser
// and the IP, with a link to end sessions. Sign-in notices are at most NOTICES_PER_HOUR an
// account: a flood of them would teach people to ignore them. Notices of a change always go, so
// no number of sign-ins can use up the budget that the news of a taken-over account needs.

const NOTICE_WINDOW_MS = 3600_000;

export type NoticeRecipient = { id: number; username: string; email: string | null };
type Compose = (messages: Messages, username: string, when: Circumstances) => Message;

/**
 * What a notice reports: a sign-in (from a new browser, or one that failed at its second factor),
 * within the hour's budget; or a change to the account's credentials, address or existence, or a
 * passkey that turned up copied, which always goes.
 */
export type NoticeKind = 'sign_in' | 'change';

export const circumstancesOf = (ctx: RequestContext): Circumstances => ({
  at: ctx.now,
  browser: describeUserAgent(ctx.client.userAgent),
  ip: ctx.client.ip,
});

/**
 * The notice as a transaction step, or none: no email on, or no verified address; or, for a
 * sign-in notice, the account's budget for this hour used up (the notice not sent is recorded).
 */
export async function noticeSteps(
  db: Db,
  mailer: Mailer | null,
  recipient: NoticeRecipient,
  compose: Compose,
  ctx: RequestContext,
  kind: NoticeKind,
): Promise<TransactionStep[]> {
  if (!mailer || !recipient.email) return [];
  const message = compose(mailer.messages, recipient.username, circumstancesOf(ctx));
  if (kind === 'sign_in') {
    const counted = await incrementCounter(db, `notice:${recipient.id}`, ctx.now, NOTICE_WINDOW_MS);
    if (counted.count > mailer.settings.noticesPerHour) {
      await recordSecurityEvent(
        db,
        { type: 'notice_dropped', userId: recipient.id, detail: message.kind },
        ctx.client,
        ctx.now,
      );
      return [];
    }
  }
  return [mailStep(db, mailer, recipient.email, message, ctx.now)];
}

/** Queues the notice on its own. */
export async function sendNotice(
  db: Db,
  mailer: Mailer | null,
  recipient: NoticeRecipient,
  compose: Compose,
  ctx: RequestContext,
  kind: NoticeKind,
): Promise<void> {
  const steps = await noticeSteps(db, mailer, recipient, compose, ctx, kind);
  if (steps.length === 0) return;
  await runTransaction(db, steps);
  mailer!.wake();
}
