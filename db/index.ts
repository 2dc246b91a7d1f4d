import { getConfig } from '@/lib/config';
import { getLogger } from '@/lib/logger';
import { openDatabase, type Db } from './connection';
import { isDatabaseUnavailable, noteDatabaseFailure } from './health';

// One handle (one SQLite connection or one PostgreSQL pool) per process. Kept on globalThis so
// dev-mode reloads do not leak handles.
const holder = globalThis as typeof globalThis & { gatehouseDb?: Db; gatehouseMigrated?: boolean };

export function getDb(): Db {
  holder.gatehouseDb ??= openDatabase(getConfig().database);
  return holder.gatehouseDb;
}

/**
 * Applies pending migrations when a server starts. If the database cannot be reached, the server
 * starts anyway (answering 503 meanwhile) and keeps trying every `retryMs` until it can.
 */
export async function migrateAtStart(db: Db, retryMs = 2000): Promise<void> {
  try {
    await db.migrate();
    holder.gatehouseMigrated = true;
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    noteDatabaseFailure(error);
    const retry = () =>
      db.migrate().then(
        () => {
          holder.gatehouseMigrated = true;
          getLogger().info({ event: 'database_migrated' }, 'migrations applied once the database answered');
        },
        (again: unknown) => {
          if (!isDatabaseUnavailable(again)) return getLogger().error({ event: 'migration_failed', err: again }, 'migration failed');
          setTimeout(() => void retry(), retryMs).unref();
        },
      );
    setTimeout(() => void retry(), retryMs).unref();
  }
}

/** Whether this process has brought the database's schema up to date (readiness checks). */
export const isMigrated = (): boolean => holder.gatehouseMigrated === true;

export type { Db } from './connection';

/** Closes the process's handle if one was opened (the command line, before it exits). */
export async function closeDb(): Promise<void> {
  const db = holder.gatehouseDb;
  holder.gatehouseDb = undefined;
  await db?.close();
}
