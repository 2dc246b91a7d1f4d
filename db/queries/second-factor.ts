import { and, asc, count, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { RecoveryCodeRow } from '../schema';
import type { TransactionStep } from '../transaction';
import type { Db } from '../types';

/**
 * Turns the authenticator app on with this (encrypted) secret, its first code's step counted as
 * used; only if it is not on already, so two confirmations at once enrol once (transaction step
 * that must succeed). The credentials version moves on: pending logins and logins still being
 * checked from before start nothing.
 */
export function enableTotp(
  db: Db,
  userId: number,
  sealedSecret: string,
  enabledAt: Date,
  usedStep: number,
): TransactionStep {
  const { users } = db.tables;
  return {
    require: (orm) =>
      orm
        .update(users)
        .set({
          totpSecret: sealedSecret,
          totpEnabledAt: enabledAt,
          totpLastStep: usedStep,
          credentialsVersion: sql`${users.credentialsVersion} + 1`,
        })
        .where(and(eq(users.id, userId), isNull(users.totpEnabledAt)))
        .returning({ id: users.id }),
  };
}

/**
 * Turns the second factor off: the secret and every recovery code go, and the credentials version
 * moves on (transaction steps).
 */
export function disableSecondFactor(db: Db, userId: number): TransactionStep[] {
  const { users, recoveryCodes } = db.tables;
  return [
    {
      write: (orm) =>
        orm
          .update(users)
          .set({
            totpSecret: null,
            totpEnabledAt: null,
            totpLastStep: null,
            credentialsVersion: sql`${users.credentialsVersion} + 1`,
          })
          .where(eq(users.id, userId)),
    },
    { write: (orm) => orm.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)) },
  ];
}

/**
 * Records that the code of `step` was used, if no code of this or a later step was: one
 * conditional update, so of two requests with the same code only one succeeds.
 */
export async function advanceTotpStep(db: Db, userId: number, step: number): Promise<boolean> {
  const { users } = db.tables;
  const updated = await db.orm
    .update(users)
    .set({ totpLastStep: step })
    .where(
      and(
        eq(users.id, userId),
        isNotNull(users.totpEnabledAt),
        or(isNull(users.totpLastStep), lt(users.totpLastStep, step)),
      ),
    )
    .returning({ id: users.id });
  return updated.length > 0;
}

/** Every account with an authenticator secret, for re-encrypting them under a new key. */
export async function findTotpSecrets(
  db: Db,
): Promise<{ id: number; username: string; totpSecret: string }[]> {
  const { users } = db.tables;
  const rows = await db.orm
    .select({ id: users.id, username: users.username, totpSecret: users.totpSecret })
    .from(users)
    .where(isNotNull(users.totpSecret))
    .orderBy(asc(users.id));
  return rows.filter(
    (row): row is { id: number; username: string; totpSecret: string } => row.totpSecret !== null,
  );
}

/**
 * Re-seals the account's secret, only if it is still the one that was opened: a factor turned off
 * or enrolled anew meanwhile keeps its own. Returns whether it was written.
 */
export async function resealTotpSecret(
  db: Db,
  userId: number,
  opened: string,
  sealed: string,
): Promise<boolean> {
  const { users } = db.tables;
  const updated = await db.orm
    .update(users)
    .set({ totpSecret: sealed })
    .where(and(eq(users.id, userId), eq(users.totpSecret, opened)))
    .returning({ id: users.id });
  return updated.length > 0;
}

/** Replaces every recovery code of the account with these (transaction steps). */
export function replaceRecoveryCodes(
  db: Db,
  userId: number,
  rows: Omit<RecoveryCodeRow, 'id'>[],
): TransactionStep[] {
  const t = db.tables.recoveryCodes;
  return [
    { write: (orm) => orm.delete(t).where(eq(t.userId, userId)) },
    { write: (orm) => orm.insert(t).values(rows) },
  ];
}

/** The account's unused recovery codes whose first group is `lookup`. */
export async function findUnusedRecoveryCodes(
  db: Db,
  userId: number,
  lookup: string,
): Promise<RecoveryCodeRow[]> {
  const t = db.tables.recoveryCodes;
  return db.orm
    .select()
    .from(t)
    .where(and(eq(t.userId, userId), eq(t.lookup, lookup), isNull(t.usedAt)));
}

/** Uses the code up, if it is still unused: of two requests with the same code only one gets it. */
export async function consumeRecoveryCode(db: Db, id: number, now: Date): Promise<boolean> {
  const t = db.tables.recoveryCodes;
  const updated = await db.orm
    .update(t)
    .set({ usedAt: now })
    .where(and(eq(t.id, id), isNull(t.usedAt)))
    .returning({ id: t.id });
  return updated.length > 0;
}

export async function countUnusedRecoveryCodes(db: Db, userId: number): Promise<number> {
  const t = db.tables.recoveryCodes;
  const [row] = await db.orm
    .select({ n: count() })
    .from(t)
    .where(and(eq(t.userId, userId), isNull(t.usedAt)));
  return Number(row?.n ?? 0);
}

/** Every recovery code, oldest first (copying a database). */
export async function findAllRecoveryCodes(db: Db): Promise<RecoveryCodeRow[]> {
  const t = db.tables.recoveryCodes;
  return db.orm.select().from(t).orderBy(asc(t.id));
}

export async function insertRecoveryCode(db: Db, row: Omit<RecoveryCodeRow, 'id'>): Promise<void> {
  await db.orm.insert(db.tables.recoveryCodes).values(row);
}
