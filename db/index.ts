import { getConfig } from '@/lib/config';
import { openDatabase, type Db } from './connection';

// One connection per process. Kept on globalThis so dev-mode reloads do not leak handles.
const holder = globalThis as typeof globalThis & { gatehouseDb?: Db };

export function getDb(): Db {
  holder.gatehouseDb ??= openDatabase(getConfig().databasePath);
  return holder.gatehouseDb;
}

export type { Db } from './connection';
