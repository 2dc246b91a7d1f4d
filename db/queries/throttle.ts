import { and, eq, gt, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import type { TransactionStep } from '../transaction';
import type { Db } from '../types';

export type CounterState = { count: number; resetAt: Date; blockedUntil: Date | null };

export async function findCounter(db: Db, key: string): Promise<CounterState | undefined> {
  const { throttleCounters: t } = db.tables;
  const [counter] = await db.orm
    .select({ count: t.count, resetAt: t.resetAt, blockedUntil: t.blockedUntil })
    .from(t)
    .where(eq(t.key, key))
    .limit(1);
  return counter;
}

/** A counter's value after one more hit: 1 again once its window has passed. */
const countAfterHit = (db: Db, expired: SQL) =>
  sql`CASE WHEN ${expired} THEN 1 ELSE ${db.tables.throttleCounters.count} + 1 END`;

/**
 * Adds one to a counter in a single statement, so two processes counting at once lose nothing.
 * A counter past its reset time starts again at 1; the window is fixed from the first hit.
 */
export async function incrementCounter(
  db: Db,
  key: string,
  now: Date,
  windowMs: number,
): Promise<CounterState> {
  const { throttleCounters: t } = db.tables;
  const resetAt = new Date(now.getTime() + windowMs);
  const expired = lte(t.resetAt, now);
  const newResetAt = sql.param(resetAt, t.resetAt);
  const [counter] = await db.orm
    .insert(t)
    .values({ key, count: 1, resetAt, blockedUntil: null })
    .onConflictDoUpdate({
      target: t.key,
      set: {
        count: countAfterHit(db, expired),
        blockedUntil: sql`CASE WHEN ${expired} THEN NULL ELSE ${t.blockedUntil} END`,
        resetAt: sql`CASE WHEN ${expired} THEN ${newResetAt} ELSE ${t.resetAt} END`,
      },
    })
    .returning({ count: t.count, resetAt: t.resetAt, blockedUntil: t.blockedUntil });
  return counter!;
}

/**
 * Counts one password attempt for an account in a single statement, unless the account is
 * blocked: then nothing changes and the answer is null. The attempt that reaches `freeAttempts`
 * (or goes past it) also blocks the account until `heldUntil`, so attempts sent at the same time
 * as it are refused until its answer replaces that hold (`settleHold`). Returns the new count.
 */
export async function countAttemptUnlessBlocked(
  db: Db,
  key: string,
  now: Date,
  windowMs: number,
  freeAttempts: number,
  heldUntil: Date,
): Promise<number | null> {
  const { throttleCounters: t } = db.tables;
  const resetAt = new Date(now.getTime() + windowMs);
  const expired = lte(t.resetAt, now);
  const count = countAfterHit(db, expired);
  const [counter] = await db.orm
    .insert(t)
    .values({ key, count: 1, resetAt, blockedUntil: freeAttempts <= 1 ? heldUntil : null })
    .onConflictDoUpdate({
      target: t.key,
      set: {
        count,
        resetAt,
        blockedUntil: sql`CASE WHEN ${count} >= ${freeAttempts} THEN ${sql.param(heldUntil, t.blockedUntil)} WHEN ${expired} THEN NULL ELSE ${t.blockedUntil} END`,
      },
      setWhere: or(expired, isNull(t.blockedUntil), lte(t.blockedUntil, now)),
    })
    .returning({ count: t.count });
  return counter?.count ?? null;
}

/** Replaces an attempt's hold with the block its answer earned (null: none), if the hold still stands. */
export async function settleHold(
  db: Db,
  key: string,
  heldUntil: Date,
  blockedUntil: Date | null,
): Promise<void> {
  const { throttleCounters: t } = db.tables;
  await db.orm
    .update(t)
    .set({ blockedUntil })
    .where(and(eq(t.key, key), eq(t.blockedUntil, heldUntil)));
}

/** Takes one back from a counter (an attempt that was refused, or never checked). */
export async function uncount(db: Db, key: string): Promise<void> {
  const { throttleCounters: t } = db.tables;
  await db.orm
    .update(t)
    .set({ count: sql`${t.count} - 1` })
    .where(and(eq(t.key, key), gt(t.count, 0)));
}

export async function deleteCounter(db: Db, key: string): Promise<void> {
  const { throttleCounters: t } = db.tables;
  await db.orm.delete(t).where(eq(t.key, key));
}

export async function deleteExpiredCounters(db: Db, now: Date): Promise<number> {
  const { throttleCounters: t } = db.tables;
  const deleted = await db.orm.delete(t).where(lte(t.resetAt, now)).returning({ key: t.key });
  return deleted.length;
}

/** Deletes a counter (transaction step). */
export function deleteCounterStep(db: Db, key: string): TransactionStep {
  const { throttleCounters: t } = db.tables;
  return { write: (orm) => orm.delete(t).where(eq(t.key, key)) };
}
