import { and, eq, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../connection';

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

/**
 * Adds one to a counter in a single statement, so two processes counting at once lose nothing.
 * A counter past its reset time starts again at 1. `slide` moves the reset time on with every
 * hit (forget after a quiet period); otherwise the window is fixed from the first hit.
 */
export async function incrementCounter(db: Db, key: string, now: Date, windowMs: number, slide: boolean): Promise<CounterState> {
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
        count: sql`CASE WHEN ${expired} THEN 1 ELSE ${t.count} + 1 END`,
        blockedUntil: sql`CASE WHEN ${expired} THEN NULL ELSE ${t.blockedUntil} END`,
        resetAt: slide ? resetAt : sql`CASE WHEN ${expired} THEN ${newResetAt} ELSE ${t.resetAt} END`,
      },
    })
    .returning({ count: t.count, resetAt: t.resetAt, blockedUntil: t.blockedUntil });
  return counter!;
}

/** Blocks a key until `until`, never shortening a block another process set meanwhile. */
export async function extendBlock(db: Db, key: string, until: Date): Promise<void> {
  const { throttleCounters: t } = db.tables;
  await db.orm
    .update(t)
    .set({ blockedUntil: until })
    .where(and(eq(t.key, key), or(isNull(t.blockedUntil), lt(t.blockedUntil, until))));
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
