import { asc, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../types';
import type { SecurityEventRow } from '../schema';
import type { TransactionStep } from '../transaction';

export async function insertEvent(db: Db, row: Omit<SecurityEventRow, 'id'>): Promise<void> {
  await db.orm.insert(db.tables.securityEvents).values(row);
}

export function insertEventStep(db: Db, row: Omit<SecurityEventRow, 'id'>): TransactionStep {
  return { write: (orm) => orm.insert(db.tables.securityEvents).values(row) };
}

export async function findRecentEvents(
  db: Db,
  userId: number,
  limit: number,
): Promise<SecurityEventRow[]> {
  const { securityEvents } = db.tables;
  return db.orm
    .select()
    .from(securityEvents)
    .where(eq(securityEvents.userId, userId))
    .orderBy(desc(securityEvents.createdAt), desc(securityEvents.id))
    .limit(limit);
}

export async function deleteEventsBefore(db: Db, cutoff: Date): Promise<number> {
  const { securityEvents } = db.tables;
  const deleted = await db.orm
    .delete(securityEvents)
    .where(lt(securityEvents.createdAt, cutoff))
    .returning({ id: securityEvents.id });
  return deleted.length;
}

/** Every event, oldest first (copying a database). */
export async function findAllEvents(db: Db): Promise<SecurityEventRow[]> {
  const { securityEvents } = db.tables;
  return db.orm.select().from(securityEvents).orderBy(asc(securityEvents.id));
}
