import { eq, lte, sql } from 'drizzle-orm';
import type { Db } from '../connection';
import { throttleCounters } from '../schema';

export type CounterState = { count: number; resetAt: Date; blockedUntil: Date | null };

export async function findCounter(db: Db, key: string): Promise<CounterState | undefined> {
  return db
    .select({ count: throttleCounters.count, resetAt: throttleCounters.resetAt, blockedUntil: throttleCounters.blockedUntil })
    .from(throttleCounters)
    .where(eq(throttleCounters.key, key))
    .get();
}

/**
 * Adds one to a counter in a single statement, so two processes counting at once lose nothing.
 * A counter past its reset time starts again at 1. `slide` moves the reset time on with every
 * hit (forget after a quiet period); otherwise the window is fixed from the first hit.
 */
export async function incrementCounter(db: Db, key: string, now: Date, windowMs: number, slide: boolean): Promise<CounterState> {
  const resetAt = new Date(now.getTime() + windowMs);
  const expired = sql`${throttleCounters.resetAt} <= ${now.getTime()}`;
  return db
    .insert(throttleCounters)
    .values({ key, count: 1, resetAt, blockedUntil: null })
    .onConflictDoUpdate({
      target: throttleCounters.key,
      set: {
        count: sql`CASE WHEN ${expired} THEN 1 ELSE ${throttleCounters.count} + 1 END`,
        blockedUntil: sql`CASE WHEN ${expired} THEN NULL ELSE ${throttleCounters.blockedUntil} END`,
        resetAt: slide
          ? sql`${resetAt.getTime()}`
          : sql`CASE WHEN ${expired} THEN ${resetAt.getTime()} ELSE ${throttleCounters.resetAt} END`,
      },
    })
    .returning({ count: throttleCounters.count, resetAt: throttleCounters.resetAt, blockedUntil: throttleCounters.blockedUntil })
    .get();
}

/** Blocks a key until `until`, never shortening a block another process set meanwhile. */
export async function extendBlock(db: Db, key: string, until: Date): Promise<void> {
  db.update(throttleCounters)
    .set({ blockedUntil: sql`MAX(COALESCE(${throttleCounters.blockedUntil}, 0), ${until.getTime()})` })
    .where(eq(throttleCounters.key, key))
    .run();
}

export async function deleteCounter(db: Db, key: string): Promise<void> {
  db.delete(throttleCounters).where(eq(throttleCounters.key, key)).run();
}

export async function deleteExpiredCounters(db: Db, now: Date): Promise<number> {
  return db
    .delete(throttleCounters)
    .where(lte(throttleCounters.resetAt, now))
    .run().changes;
}
