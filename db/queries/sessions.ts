import { and, asc, desc, eq, inArray, lt, lte, ne, sql } from 'drizzle-orm';
import type { Db } from '../connection';
import type { SessionRow } from '../schema';

export type SessionWithUser = { session: SessionRow; user: { id: number; username: string } };

export async function insertSession(db: Db, row: SessionRow): Promise<void> {
  await db.orm.insert(db.tables.sessions).values(row);
}

// The query behind every authenticated request, built once per database handle (and, on SQLite,
// compiled once): building it afresh costs several times more than running it.
const preparedFind = new WeakMap<Db, ReturnType<typeof prepareFindSessionWithUser>>();

function prepareFindSessionWithUser(db: Db) {
  const { sessions, users } = db.tables;
  return db.orm
    .select({ session: sessions, user: { id: users.id, username: users.username } })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.tokenHash, sql.placeholder('tokenHash')))
    .limit(1)
    .prepare();
}

export async function findSessionWithUser(db: Db, tokenHash: string): Promise<SessionWithUser | undefined> {
  let query = preparedFind.get(db);
  if (!query) {
    query = prepareFindSessionWithUser(db);
    preparedFind.set(db, query);
  }
  const [found] = await query.execute({ tokenHash });
  return found;
}

export async function findUserSessions(db: Db, userId: number): Promise<SessionRow[]> {
  const { sessions } = db.tables;
  return db.orm.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(desc(sessions.lastSeenAt));
}

export async function findAllSessions(db: Db): Promise<(SessionRow & { username: string })[]> {
  const { sessions, users } = db.tables;
  const rows = await db.orm
    .select({ session: sessions, username: users.username })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .orderBy(asc(users.username), desc(sessions.lastSeenAt));
  return rows.map(({ session, username }) => ({ ...session, username }));
}

/** Moves last-seen forward only: a slower server writing an older time cannot pull it back. */
export async function updateSessionLastSeen(db: Db, tokenHash: string, lastSeenAt: Date): Promise<void> {
  const { sessions } = db.tables;
  await db.orm
    .update(sessions)
    .set({ lastSeenAt })
    .where(and(eq(sessions.tokenHash, tokenHash), lt(sessions.lastSeenAt, lastSeenAt)));
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  const { sessions } = db.tables;
  await db.orm.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

/** Deletes the session only if it belongs to the user; returns whether one was deleted. */
export async function deleteUserSession(db: Db, userId: number, tokenHash: string): Promise<boolean> {
  const { sessions } = db.tables;
  const deleted = await db.orm
    .delete(sessions)
    .where(and(eq(sessions.tokenHash, tokenHash), eq(sessions.userId, userId)))
    .returning({ tokenHash: sessions.tokenHash });
  return deleted.length > 0;
}

export async function deleteUserSessions(db: Db, userId: number, exceptTokenHash?: string): Promise<number> {
  const { sessions } = db.tables;
  const mine = eq(sessions.userId, userId);
  const deleted = await db.orm
    .delete(sessions)
    .where(exceptTokenHash ? and(mine, ne(sessions.tokenHash, exceptTokenHash)) : mine)
    .returning({ tokenHash: sessions.tokenHash });
  return deleted.length;
}

/**
 * Deletes up to `limit` sessions past their absolute expiry (`lifetime`) or idle since before the
 * cutoff (`idle`); returns how many. One condition per statement, so each is a range scan of its
 * own index, and small batches keep each statement short: a large purge never holds the database
 * (or, on SQLite, the event loop) for long.
 */
export async function deleteExpiredSessionsBatch(db: Db, rule: 'lifetime' | 'idle', cutoff: Date, limit: number): Promise<number> {
  const { sessions } = db.tables;
  const expired = db.orm
    .select({ tokenHash: sessions.tokenHash })
    .from(sessions)
    .where(rule === 'lifetime' ? lte(sessions.expiresAt, cutoff) : lt(sessions.lastSeenAt, cutoff))
    .limit(limit);
  const deleted = await db.orm
    .delete(sessions)
    .where(inArray(sessions.tokenHash, expired))
    .returning({ tokenHash: sessions.tokenHash });
  return deleted.length;
}

/** Inserts many sessions in one statement (seeding the benchmark). */
export async function insertSessions(db: Db, rows: SessionRow[]): Promise<void> {
  if (rows.length > 0) await db.orm.insert(db.tables.sessions).values(rows);
}

