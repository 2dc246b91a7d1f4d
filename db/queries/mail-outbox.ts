import { and, asc, desc, eq, getTableColumns, isNotNull, isNull, lt, lte, or } from 'drizzle-orm';
import type { MailRow } from '../schema';
import type { TransactionStep } from '../transaction';
import type { Db } from '../types';

export type NewMail = Pick<MailRow, 'recipient' | 'kind' | 'body' | 'createdAt'>;

/** Queues a message to be sent as soon as a sender gets to it (transaction step). */
export function queueMail(db: Db, mail: NewMail): TransactionStep {
  const t = db.tables.mailOutbox;
  return {
    write: (orm) => orm.insert(t).values({ ...mail, sendAfter: mail.createdAt, attempts: 0 }),
  };
}

const waiting = (db: Db, now: Date) => {
  const t = db.tables.mailOutbox;
  return and(
    isNull(t.sentAt),
    isNull(t.failedAt),
    lte(t.sendAfter, now),
    or(isNull(t.claimedUntil), lt(t.claimedUntil, now)),
  );
};

// A few candidates, so a sender that loses the race for the first still finds one.
const CANDIDATES = 5;

/**
 * Claims the message due next for one sender until `until`, or none: each claim is one
 * conditional update, so two senders (two servers) never both get a message.
 */
export async function claimNextMail(
  db: Db,
  now: Date,
  until: Date,
  claimToken: string,
): Promise<MailRow | undefined> {
  const t = db.tables.mailOutbox;
  const due = await db.orm
    .select({ id: t.id })
    .from(t)
    .where(waiting(db, now))
    .orderBy(asc(t.sendAfter), asc(t.id))
    .limit(CANDIDATES);
  for (const { id } of due) {
    const [row] = await db.orm
      .update(t)
      .set({ claimedUntil: until, claimToken })
      .where(and(eq(t.id, id), waiting(db, now)))
      .returning();
    if (row) return row;
  }
  return undefined;
}

/**
 * Extends a sender's claim on a message it is still sending; false when the claim is no longer
 * its own (or the message is settled).
 */
export async function renewMailClaim(
  db: Db,
  id: number,
  claimToken: string,
  until: Date,
): Promise<boolean> {
  const t = db.tables.mailOutbox;
  const rows = await db.orm
    .update(t)
    .set({ claimedUntil: until })
    .where(
      and(eq(t.id, id), eq(t.claimToken, claimToken), isNull(t.sentAt), isNotNull(t.claimedUntil)),
    )
    .returning({ id: t.id });
  return rows.length > 0;
}

/** Sent: the body goes (it may hold a usable link); what was sent, to whom and when stays. */
export async function markMailSent(
  db: Db,
  id: number,
  claimToken: string,
  now: Date,
): Promise<void> {
  const t = db.tables.mailOutbox;
  await db.orm
    .update(t)
    .set({ sentAt: now, body: null, claimedUntil: null, lastError: null })
    .where(and(eq(t.id, id), eq(t.claimToken, claimToken)));
}

/** Not sent this time: try again after `sendAfter`, or never (`failed`). */
export async function markMailUnsent(
  db: Db,
  id: number,
  claimToken: string,
  outcome: { attempts: number; sendAfter: Date; error: string; failedAt: Date | null },
): Promise<void> {
  const t = db.tables.mailOutbox;
  await db.orm
    .update(t)
    .set({
      attempts: outcome.attempts,
      sendAfter: outcome.sendAfter,
      lastError: outcome.error,
      failedAt: outcome.failedAt,
      claimedUntil: null,
    })
    .where(and(eq(t.id, id), eq(t.claimToken, claimToken)));
}

export type MailListing = Omit<MailRow, 'body' | 'claimToken'>;

/** The newest messages, of one state or all (the command line). */
export async function listMail(
  db: Db,
  state: 'pending' | 'failed' | 'sent' | 'all',
  limit: number,
): Promise<MailListing[]> {
  const t = db.tables.mailOutbox;
  const where = {
    pending: and(isNull(t.sentAt), isNull(t.failedAt)),
    failed: isNotNull(t.failedAt),
    sent: isNotNull(t.sentAt),
    all: undefined,
  }[state];
  const { body: _body, claimToken: _claim, ...columns } = getTableColumns(t);
  return db.orm
    .select(columns)
    .from(t)
    .where(where)
    .orderBy(desc(t.createdAt), desc(t.id))
    .limit(limit);
}

/** Puts an unsent message back in the queue, due now; false when there is none (or it was sent). */
export async function requeueMail(db: Db, id: number, now: Date): Promise<boolean> {
  const t = db.tables.mailOutbox;
  const rows = await db.orm
    .update(t)
    .set({ failedAt: null, attempts: 0, sendAfter: now, claimedUntil: null })
    .where(and(eq(t.id, id), isNull(t.sentAt), isNotNull(t.body)))
    .returning({ id: t.id });
  return rows.length > 0;
}

/** Every unsent message body, with what it is bound to (key rotation). */
export async function findMailBodies(
  db: Db,
): Promise<{ id: number; recipient: string; body: string }[]> {
  const t = db.tables.mailOutbox;
  const rows = await db.orm
    .select({ id: t.id, recipient: t.recipient, body: t.body })
    .from(t)
    .where(isNotNull(t.body));
  return rows.map((row) => ({ ...row, body: row.body! }));
}

export async function updateMailBody(db: Db, id: number, body: string): Promise<void> {
  const t = db.tables.mailOutbox;
  await db.orm
    .update(t)
    .set({ body })
    .where(and(eq(t.id, id), isNotNull(t.body)));
}

/** Deletes sent and failed messages older than the cutoff; returns how many. */
export async function deleteOldMail(db: Db, cutoff: Date): Promise<number> {
  const t = db.tables.mailOutbox;
  const deleted = await db.orm
    .delete(t)
    .where(and(lt(t.createdAt, cutoff), or(isNotNull(t.sentAt), isNotNull(t.failedAt))))
    .returning({ id: t.id });
  return deleted.length;
}
