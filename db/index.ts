import { openPostgres } from './postgres';
import { openSqlite } from './sqlite';
import type { DatabaseTarget, Db, DbHooks } from './types';

export type { DatabaseTarget, Db, DbHooks, PostgresTarget, Tables } from './types';

/** Hooks that say nothing: for tests, the benchmark and one-off copies. */
export const QUIET_HOOKS: DbHooks = { log: () => {}, onUnreachable: () => {} };

export function openDatabase(target: DatabaseTarget, hooks: DbHooks = QUIET_HOOKS): Db {
  return target.dialect === 'postgres'
    ? openPostgres(target, hooks)
    : openSqlite(target.file, hooks);
}

/** Where a DATABASE_URL points, for messages: never the password. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.dialect === 'sqlite') return target.file;
  const url = new URL(target.url);
  return `postgres://${url.host}${url.pathname}`;
}
