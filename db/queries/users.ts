import { asc, eq } from 'drizzle-orm';
import type { Db } from '../connection';
import { users, type UserRow } from '../schema';

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.username, username)).get();
}

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.id, id)).get();
}

export async function listUsers(db: Db): Promise<Pick<UserRow, 'id' | 'username' | 'createdAt'>[]> {
  return db
    .select({ id: users.id, username: users.username, createdAt: users.createdAt })
    .from(users)
    .orderBy(asc(users.username))
    .all();
}

export type InsertUserResult = { ok: true; user: UserRow } | { ok: false; reason: 'username_taken' };

/** Inserts a user; the unique index, not a prior read, decides who gets a contested name. */
export async function insertUser(
  db: Db,
  values: { username: string; passwordHash: string; createdAt: Date },
): Promise<InsertUserResult> {
  try {
    const user = db.insert(users).values(values).returning().get();
    return { ok: true, user };
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, reason: 'username_taken' };
    throw error;
  }
}

export async function updatePasswordHash(db: Db, userId: number, passwordHash: string): Promise<void> {
  db.update(users).set({ passwordHash }).where(eq(users.id, userId)).run();
}

/** Deletes the user; their sessions and events go with them (ON DELETE CASCADE). */
export async function deleteUser(db: Db, userId: number): Promise<boolean> {
  return db.delete(users).where(eq(users.id, userId)).run().changes > 0;
}

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    (error as { code: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}
