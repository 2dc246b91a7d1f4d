import { desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../connection';
import { securityEvents, type SecurityEventRow } from '../schema';

export function insertEvent(db: Db, row: Omit<SecurityEventRow, 'id'>): void {
  db.insert(securityEvents).values(row).run();
}

export function findRecentEvents(db: Db, userId: number, limit: number): SecurityEventRow[] {
  return db
    .select()
    .from(securityEvents)
    .where(eq(securityEvents.userId, userId))
    .orderBy(desc(securityEvents.createdAt), desc(securityEvents.id))
    .limit(limit)
    .all();
}

export function deleteEventsBefore(db: Db, cutoff: Date): number {
  return db.delete(securityEvents).where(lt(securityEvents.createdAt, cutoff)).run().changes;
}
