import { desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../connection';
import { securityEvents, type SecurityEventRow } from '../schema';

export async function insertEvent(db: Db, row: Omit<SecurityEventRow, 'id'>): Promise<void> {
  db.insert(securityEvents).values(row).run();
}

export async function findRecentEvents(db: Db, userId: number, limit: number): Promise<SecurityEventRow[]> {
  return db
    .select()
    .from(securityEvents)
    .where(eq(securityEvents.userId, userId))
    .orderBy(desc(securityEvents.createdAt), desc(securityEvents.id))
    .limit(limit)
    .all();
}

export async function deleteEventsBefore(db: Db, cutoff: Date): Promise<number> {
  return db.delete(securityEvents).where(lt(securityEvents.createdAt, cutoff)).run().changes;
}
