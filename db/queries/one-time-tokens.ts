import { and, eq, gt, isNotNull, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { OneTimeTokenRow } from '../schema';
import type { TransactionStep } from '../transaction';
import type { Db } from '../types';
import { credentialsUnchanged } from './users';

/**
 * Stores a token, retiring every other of the same purpose for that user (transaction steps). The
 * account's row is held first, so two replacements at once take turns and leave one token: under
 * PostgreSQL's READ COMMITTED each would otherwise delete nothing and insert its own.
 */
export function replaceToken(db: Db, row: OneTimeTokenRow): TransactionStep[] {
  const t = db.tables.oneTimeTokens;
  return [
    credentialsUnchanged(db, row.userId, null),
    {
      write: (orm) =>
        orm.delete(t).where(and(eq(t.userId, row.userId), eq(t.purpose, row.purpose))),
    },
    { write: (orm) => orm.insert(t).values(row) },
  ];
}

/**
 * Uses the token up, if it is of this purpose, unused and unexpired: one conditional update, so
 * of two requests with the same token only one gets it (a transaction step that must succeed).
 */
export function consumeToken(
  db: Db,
  tokenHash: string,
  purpose: string,
  now: Date,
): TransactionStep {
  const t = db.tables.oneTimeTokens;
  return {
    require: (orm) =>
      orm
        .update(t)
        .set({ usedAt: now })
        .where(
          and(
            eq(t.tokenHash, tokenHash),
            eq(t.purpose, purpose),
            isNull(t.usedAt),
            gt(t.expiresAt, now),
          ),
        )
        .returning({ userId: t.userId }),
  };
}

/** Retires every other outstanding token of the user, whatever its purpose (transaction step). */
export function deleteOtherTokens(db: Db, userId: number, keepTokenHash: string): TransactionStep {
  const t = db.tables.oneTimeTokens;
  return {
    write: (orm) => orm.delete(t).where(and(eq(t.userId, userId), ne(t.tokenHash, keepTokenHash))),
  };
}

/** Retires the user's tokens of one purpose (transaction step). */
export function deleteUserTokens(db: Db, userId: number, purpose: string): TransactionStep {
  const t = db.tables.oneTimeTokens;
  return { write: (orm) => orm.delete(t).where(and(eq(t.userId, userId), eq(t.purpose, purpose))) };
}

/** The token if it is of this purpose and still usable; reading it uses nothing up. */
export async function findUsableToken(
  db: Db,
  tokenHash: string,
  purpose: string,
  now: Date,
): Promise<OneTimeTokenRow | undefined> {
  const t = db.tables.oneTimeTokens;
  const [row] = await db.orm
    .select()
    .from(t)
    .where(
      and(
        eq(t.tokenHash, tokenHash),
        eq(t.purpose, purpose),
        isNull(t.usedAt),
        gt(t.expiresAt, now),
      ),
    )
    .limit(1);
  return row;
}

/** Deletes tokens that are used or expired; returns how many. */
export async function deleteSpentTokens(db: Db, now: Date): Promise<number> {
  const t = db.tables.oneTimeTokens;
  const deleted = await db.orm
    .delete(t)
    .where(or(lte(t.expiresAt, now), isNotNull(t.usedAt)))
    .returning({ tokenHash: t.tokenHash });
  return deleted.length;
}

/** A new token (transaction step). */
export function insertToken(db: Db, row: OneTimeTokenRow): TransactionStep {
  return { write: (orm) => orm.insert(db.tables.oneTimeTokens).values(row) };
}

/**
 * Counts one answer against the token, if it is of this purpose, still usable and has answers
 * left: one conditional update, so answers sent together are counted one by one, before they are
 * checked. Returns the token, or undefined when it is spent, expired or out of answers.
 */
export async function spendTokenAttempt(
  db: Db,
  tokenHash: string,
  purpose: string,
  now: Date,
  maxAttempts: number,
): Promise<OneTimeTokenRow | undefined> {
  const t = db.tables.oneTimeTokens;
  const [row] = await db.orm
    .update(t)
    .set({ attempts: sql`${t.attempts} + 1` })
    .where(
      and(
        eq(t.tokenHash, tokenHash),
        eq(t.purpose, purpose),
        isNull(t.usedAt),
        gt(t.expiresAt, now),
        lt(t.attempts, maxAttempts),
      ),
    )
    .returning();
  return row;
}
