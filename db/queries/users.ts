import { asc, eq } from 'drizzle-orm';
import type { Db } from '../types';
import { causeChain } from '../errors';
import type { UserRow } from '../schema';

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

export async function updatePasswordHash(
  db: Db,
  userId: number,
  passwordHash: string,
): Promise<void> {
  const { users } = db.tables;
  await db.orm.update(users).set({ passwordHash }).where(eq(users.id, userId));
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

// SQLite and PostgreSQL name a unique violation differently; drizzle may wrap the driver's error.
const UNIQUE_VIOLATION_CODES = new Set([
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
  '23505',
]);

function isUniqueViolation(error: unknown): boolean {
  return [...causeChain(error)].some((e) => UNIQUE_VIOLATION_CODES.has(e.code as string));
}
