import { and, asc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db } from '../types';
import { isUniqueViolation } from '../errors';
import type { UserRow } from '../schema';
import type { TransactionStep } from '../transaction';

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | undefined> {
  const { users } = db.tables;
  const [user] = await db.orm.select().from(users).where(eq(users.username, username)).limit(1);
  return user;
}

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  const { users } = db.tables;
  const [user] = await db.orm.select().from(users).where(eq(users.id, id)).limit(1);
  return user;
}

export async function listUsers(db: Db): Promise<Pick<UserRow, 'id' | 'username' | 'createdAt'>[]> {
  const { users } = db.tables;
  return db.orm
    .select({ id: users.id, username: users.username, createdAt: users.createdAt })
    .from(users)
    .orderBy(asc(users.username));
}

/** Every user with its password hash, oldest first (copying a database). */
export async function findAllUsers(db: Db): Promise<UserRow[]> {
  const { users } = db.tables;
  return db.orm.select().from(users).orderBy(asc(users.id));
}

export async function hasAnyUser(db: Db): Promise<boolean> {
  const { users } = db.tables;
  return (await db.orm.select({ id: users.id }).from(users).limit(1)).length > 0;
}

export type InsertUserResult =
  { ok: true; user: UserRow } | { ok: false; reason: 'username_taken' };

/** Inserts a user; the unique index, not a prior read, decides who gets a contested name. */
export async function insertUser(
  db: Db,
  values: { username: string; passwordHash: string; createdAt: Date },
): Promise<InsertUserResult> {
  try {
    const [user] = await db.orm.insert(db.tables.users).values(values).returning();
    return { ok: true, user: user! };
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, reason: 'username_taken' };
    throw error;
  }
}

/**
 * Replaces a hash with a stronger one of the same password (a cost raised since), only if it is
 * still the hash that was checked: a reset or a change meanwhile keeps its new password.
 */
export async function upgradePasswordHash(
  db: Db,
  userId: number,
  checkedHash: string,
  passwordHash: string,
): Promise<void> {
  const { users } = db.tables;
  await db.orm
    .update(users)
    .set({ passwordHash })
    .where(and(eq(users.id, userId), eq(users.passwordHash, checkedHash)));
}

/**
 * A step that must succeed: the account's credentials are still at `version` (any version when
 * null), and its row is held until the transaction ends. So a session or a pending login is
 * created only under the password it was checked against: a change that commits first moves the
 * version on, and one that comes after waits for this transaction and then ends what it made.
 */
export function credentialsUnchanged(
  db: Db,
  userId: number,
  version: number | null,
): TransactionStep {
  const { users } = db.tables;
  const mine = eq(users.id, userId);
  return {
    require: (orm) =>
      orm
        .update(users)
        .set({ credentialsVersion: sql`${users.credentialsVersion}` })
        .where(version === null ? mine : and(mine, eq(users.credentialsVersion, version)))
        .returning({ id: users.id }),
  };
}

/** Deletes the user; their sessions and events go with them (ON DELETE CASCADE). */
export async function deleteUser(db: Db, userId: number): Promise<boolean> {
  const { users } = db.tables;
  const deleted = await db.orm
    .delete(users)
    .where(eq(users.id, userId))
    .returning({ id: users.id });
  return deleted.length > 0;
}

/** The account whose verified address this is (addresses are stored in lower case). */
export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const { users } = db.tables;
  const [user] = await db.orm.select().from(users).where(eq(users.email, email)).limit(1);
  return user;
}

/** Sets (or clears) the address waiting for verification (transaction step). */
export function setPendingEmail(
  db: Db,
  userId: number,
  pendingEmail: string | null,
): TransactionStep {
  const { users } = db.tables;
  return { write: (orm) => orm.update(users).set({ pendingEmail }).where(eq(users.id, userId)) };
}

/**
 * Makes the address the account's verified one, if the account is still waiting for exactly
 * that address (transaction step that must succeed). The unique index refuses an address
 * another account has meanwhile verified.
 */
export function setVerifiedEmail(db: Db, userId: number, email: string): TransactionStep {
  const { users } = db.tables;
  return {
    require: (orm) =>
      orm
        .update(users)
        .set({ email, pendingEmail: null })
        .where(and(eq(users.id, userId), eq(users.pendingEmail, email)))
        .returning({ id: users.id }),
  };
}

/** Sets the verified address directly, or clears both addresses (transaction step). */
export function setEmail(db: Db, userId: number, email: string | null): TransactionStep {
  const { users } = db.tables;
  return {
    write: (orm) =>
      orm.update(users).set({ email, pendingEmail: null }).where(eq(users.id, userId)),
  };
}

/**
 * Sets a new password and moves the credentials version on (a step that must succeed), only while
 * the account is as the caller found it: still at `version` (a change), or still with the address
 * a reset link went to (a reset). Comes first in its transaction, so a login that holds the row
 * (credentialsUnchanged) finishes before the sessions are ended.
 */
export function setPasswordHash(
  db: Db,
  userId: number,
  passwordHash: string,
  expected: { credentialsVersion: number } | { email: string },
): TransactionStep {
  const { users } = db.tables;
  const still =
    'email' in expected
      ? eq(users.email, expected.email)
      : eq(users.credentialsVersion, expected.credentialsVersion);
  return {
    require: (orm) =>
      orm
        .update(users)
        .set({ passwordHash, credentialsVersion: sql`${users.credentialsVersion} + 1` })
        .where(and(eq(users.id, userId), still))
        .returning({ id: users.id }),
  };
}

/**
 * Requires a second factor of the account from `at` on, or no longer (null): a step that succeeds
 * only when it changes something.
 */
export function setSecondFactorRequiredAt(
  db: Db,
  userId: number,
  at: Date | null,
): TransactionStep {
  const { users } = db.tables;
  const unchanged = at
    ? isNull(users.secondFactorRequiredAt)
    : isNotNull(users.secondFactorRequiredAt);
  return {
    require: (orm) =>
      orm
        .update(users)
        .set({ secondFactorRequiredAt: at })
        .where(and(eq(users.id, userId), unchanged))
        .returning({ id: users.id }),
  };
}
