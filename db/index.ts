import { getConfig } from '@/lib/config';
import { openDatabase, type Db } from './connection';

// One handle (one SQLite connection or one PostgreSQL pool) per process. Kept on globalThis so
// dev-mode reloads do not leak handles.
const holder = globalThis as typeof globalThis & { gatehouseDb?: Db };

export function getDb(): Db {
  holder.gatehouseDb ??= openDatabase(getConfig().database);
  return holder.gatehouseDb;
}

export type { Db } from './connection';

/** Closes the process's handle if one was opened (the command line, before it exits). */
export async function closeDb(): Promise<void> {
  const db = holder.gatehouseDb;
  holder.gatehouseDb = undefined;
  await db?.close();
}
