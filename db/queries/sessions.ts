import { eq, lt, lte, or } from 'drizzle-orm';
import type { Db } from '../connection';
import { sessions, users, type SessionRow } from '../schema';

export type SessionWithUser = { session: SessionRow; user: { id: number; username: string } };

export function insertSession(db: Db, row: SessionRow): void {
  db.insert(sessions).values(row).run();
}

export function findSessionWithUser(db: Db, tokenHash: string): SessionWithUser | undefined {
  return db
    .select({ session: sessions, user: { id: users.id, username: users.username } })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.tokenHash, tokenHash))
    .get();
}

export function updateSessionLastSeen(db: Db, tokenHash: string, lastSeenAt: Date): void {
  db.update(sessions).set({ lastSeenAt }).where(eq(sessions.tokenHash, tokenHash)).run();
}

export function deleteSession(db: Db, tokenHash: string): void {
  db.delete(sessions).where(eq(sessions.tokenHash, tokenHash)).run();
}

export function deleteUserSessions(db: Db, userId: number): void {
  db.delete(sessions).where(eq(sessions.userId, userId)).run();
}

/** Deletes sessions past their absolute expiry or idle since before `idleCutoff`; returns how many. */
export function deleteExpiredSessions(db: Db, now: Date, idleCutoff: Date): number {
  return db
    .delete(sessions)
    .where(or(lte(sessions.expiresAt, now), lt(sessions.lastSeenAt, idleCutoff)))
    .run().changes;
}
