import type { Db } from '@/db';
import { incrementCounter } from '@/db/queries/throttle';
import { runTransaction, type TransactionStep } from '@/db/transaction';
import type { Circumstances, Message, Messages } from '../mail/messages';
import { mailStep, type Mailer } from '../mail/outbox';
import { describeUserAgent } from '../user-agent';
import type { RequestContext } from './context';

// Notices tell the owner of an account what was done with it (a sign-in from a new browser, a
// password or address change, a deletion), at their verified address, naming when, the browser
// and the IP, with a link to end sessions. At most NOTICES_PER_HOUR an account: a flood of
// notices would teach people to ignore them, and could be used to bury one that matters.

const NOTICE_WINDOW_MS = 3600_000;

export type NoticeRecipient = { id: number; username: string; email: string | null };
type Compose = (messages: Messages, username: string, when: Circumstances) => Message;

export const circumstancesOf = (ctx: RequestContext): Circumstances => ({
  at: ctx.now,
  browser: describeUserAgent(ctx.client.userAgent),
  ip: ctx.client.ip,
});

/**
 * The notice as a transaction step, or none: no email on, no verified address, or the account's
 * notices for this hour used up. `always` skips that count, for the notices of a password reset,
 * which its own throttle already bounds.
 */
export async function noticeSteps(
  db: Db,
  mailer: Mailer | null,
  recipient: NoticeRecipient,
  compose: Compose,
  ctx: RequestContext,
  { always = false } = {},
): Promise<TransactionStep[]> {
  if (!mailer || !recipient.email) return [];
  if (!always) {
    const counted = await incrementCounter(db, `notice:${recipient.id}`, ctx.now, NOTICE_WINDOW_MS);
    if (counted.count > mailer.settings.noticesPerHour) return [];
  }
  const message = compose(mailer.messages, recipient.username, circumstancesOf(ctx));
  return [mailStep(db, mailer, recipient.email, message, ctx.now)];
}

/** Queues the notice on its own. */
export async function sendNotice(
  db: Db,
  mailer: Mailer | null,
  recipient: NoticeRecipient,
  compose: Compose,
  ctx: RequestContext,
): Promise<void> {
  const steps = await noticeSteps(db, mailer, recipient, compose, ctx);
  if (steps.length === 0) return;
  await runTransaction(db, steps);
  mailer!.wake();
}
