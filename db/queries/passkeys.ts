import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, or } from 'drizzle-orm';
import { isUniqueViolation } from '../errors';
import type { PasskeyChallengeRow, PasskeyRow } from '../schema';
import type { Db } from '../types';

export async function insertPasskeyChallenge(db: Db, row: PasskeyChallengeRow): Promise<void> {
  await db.orm.insert(db.tables.passkeyChallenges).values(row);
}

/**
 * Uses the challenge up, if it is of this purpose (and user, for a registration), unused and
 * unexpired: one conditional update, so a response can be checked against it once at most.
 * Returns the throttle counter its start was counted on, or null when it was not usable.
 */
export async function consumePasskeyChallenge(
  db: Db,
  challengeHash: string,
  purpose: string,
  userId: number | null,
  now: Date,
): Promise<{ throttleKey: string | null } | null> {
  const t = db.tables.passkeyChallenges;
  const used = await db.orm
    .update(t)
    .set({ usedAt: now })
    .where(
      and(
        eq(t.challengeHash, challengeHash),
        eq(t.purpose, purpose),
        userId === null ? isNull(t.userId) : eq(t.userId, userId),
        isNull(t.usedAt),
        gt(t.expiresAt, now),
      ),
    )
    .returning({ throttleKey: t.throttleKey });
  return used[0] ?? null;
}

/** Deletes challenges that are used or expired (at most `limit` of them); returns how many. */
export async function deleteSpentPasskeyChallenges(
  db: Db,
  now: Date,
  limit?: number,
): Promise<number> {
  const t = db.tables.passkeyChallenges;
  const spent = or(lte(t.expiresAt, now), isNotNull(t.usedAt));
  const deleted = await db.orm
    .delete(t)
    .where(
      limit === undefined
        ? spent
        : inArray(
            t.challengeHash,
            db.orm.select({ challengeHash: t.challengeHash }).from(t).where(spent).limit(limit),
          ),
    )
    .returning({ challengeHash: t.challengeHash });
  return deleted.length;
}

/** Stores a new passkey; false if its credential id is already registered (to anyone). */
export async function insertPasskey(db: Db, row: Omit<PasskeyRow, 'id'>): Promise<boolean> {
  try {
    await db.orm.insert(db.tables.passkeys).values(row);
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

export async function findPasskeyByCredentialId(
  db: Db,
  credentialId: string,
): Promise<PasskeyRow | undefined> {
  const t = db.tables.passkeys;
  const [row] = await db.orm.select().from(t).where(eq(t.credentialId, credentialId)).limit(1);
  return row;
}

export async function findUserPasskeys(db: Db, userId: number): Promise<PasskeyRow[]> {
  const t = db.tables.passkeys;
  return db.orm.select().from(t).where(eq(t.userId, userId)).orderBy(asc(t.createdAt), asc(t.id));
}

/**
 * Records a sign-in with the passkey: the new counter and the time, only if the counter is still
 * the one the response was checked against, so of two responses checked at once one succeeds.
 */
export async function recordPasskeyUse(
  db: Db,
  id: number,
  expectedCounter: number,
  counter: number,
  now: Date,
): Promise<boolean> {
  const t = db.tables.passkeys;
  const updated = await db.orm
    .update(t)
    .set({ counter, lastUsedAt: now })
    .where(and(eq(t.id, id), eq(t.counter, expectedCounter)))
    .returning({ id: t.id });
  return updated.length > 0;
}

/** Renames one of the user's passkeys; false when it is not theirs. */
export async function renamePasskey(
  db: Db,
  userId: number,
  id: number,
  name: string,
): Promise<boolean> {
  const t = db.tables.passkeys;
  const updated = await db.orm
    .update(t)
    .set({ name })
    .where(and(eq(t.id, id), eq(t.userId, userId)))
    .returning({ id: t.id });
  return updated.length > 0;
}

/** Removes one of the user's passkeys; the removed row, or undefined when it is not theirs. */
export async function deletePasskey(
  db: Db,
  userId: number,
  id: number,
): Promise<PasskeyRow | undefined> {
  const t = db.tables.passkeys;
  const [row] = await db.orm
    .delete(t)
    .where(and(eq(t.id, id), eq(t.userId, userId)))
    .returning();
  return row;
}
