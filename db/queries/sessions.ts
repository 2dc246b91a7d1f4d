import { and, asc, desc, eq, lt, lte, ne, or } from 'drizzle-orm';
import type { Db } from '../connection';
import { sessions, users, type SessionRow } from '../schema';

export type SessionWithUser = { session: SessionRow; user: { id: number; username: string } };

export async function insertSession(db: Db, row: SessionRow): Promise<void> {
  db.insert(sessions).values(row).run();
}

export async function findSessionWithUser(db: Db, tokenHash: string): Promise<SessionWithUser | undefined> {
  return db
    .select({ session: sessions, user: { id: users.id, username: users.username } })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.tokenHash, tokenHash))
    .get();
}

export async function findUserSessions(db: Db, userId: number): Promise<SessionRow[]> {
  return db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(desc(sessions.lastSeenAt)).all();
}

export async function findAllSessions(db: Db): Promise<(SessionRow & { username: string })[]> {
  return db
    .select({ session: sessions, username: users.username })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .orderBy(asc(users.username), desc(sessions.lastSeenAt))
    .all()
    .map(({ session, username }) => ({ ...session, username }));
}

export async function updateSessionLastSeen(db: Db, tokenHash: string, lastSeenAt: Date): Promise<void> {
  db.update(sessions).set({ lastSeenAt }).where(eq(sessions.tokenHash, tokenHash)).run();
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  db.delete(sessions).where(eq(sessions.tokenHash, tokenHash)).run();
}

/** Deletes the session only if it belongs to the user; returns whether one was deleted. */
export async function deleteUserSession(db: Db, userId: number, tokenHash: string): Promise<boolean> {
  return db
    .delete(sessions)
    .where(and(eq(sessions.tokenHash, tokenHash), eq(sessions.userId, userId)))
    .run().changes > 0;
}

export async function deleteUserSessions(db: Db, userId: number, exceptTokenHash?: string): Promise<number> {
  const mine = eq(sessions.userId, userId);
  return db
    .delete(sessions)
    .where(exceptTokenHash ? and(mine, ne(sessions.tokenHash, exceptTokenHash)) : mine)
    .run().changes;
}

/** Deletes sessions past their absolute expiry or idle since before `idleCutoff`; returns how many. */
export async function deleteExpiredSessions(db: Db, now: Date, idleCutoff: Date): Promise<number> {
  return db
    .delete(sessions)
    .where(or(lte(sessions.expiresAt, now), lt(sessions.lastSeenAt, idleCutoff)))
    .run().changes;
}
