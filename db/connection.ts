import type Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type * as tables from './schema/sqlite';
import { openPostgres, type PostgresTarget } from './postgres';
import { openSqlite } from './sqlite';

export type Tables = typeof tables;

export type DatabaseTarget = { dialect: 'sqlite'; file: string } | ({ dialect: 'postgres' } & PostgresTarget);

/**
 * One handle for either dialect. db/queries builds every query through `orm` and `tables`, and
 * awaits it; the two dialects' Drizzle builders take the same calls for everything those queries
 * use (select, join, insert ... on conflict, update, delete, returning), so each query is written
 * once, typed against the SQLite flavour. db/schema/index.ts proves the rows are the same and the
 * unit suite runs every query on both.
 */
export type Db = {
  dialect: DatabaseTarget['dialect'];
  orm: BetterSQLite3Database<Tables>;
  tables: Tables;
  /** better-sqlite3's own handle on SQLite, null on PostgreSQL: the session lookup and last-seen write run on it directly. */
  sqlite: Database.Database | null;
  /** Applies the committed migrations this database has not seen yet. */
  migrate(): Promise<void>;
  /** Resolves once the database has answered a trivial query (readiness checks). */
  ping(): Promise<void>;
  /**
   * Resolves once the database has absorbed the writes made so far: on SQLite, once its
   * write-ahead log is checkpointed (off this thread); at once on PostgreSQL. Bulk writers call
   * it between batches so the log stays short.
   */
  catchUp(): Promise<void>;
  close(): Promise<void>;
};

export function openDatabase(target: DatabaseTarget): Db {
  return target.dialect === 'postgres' ? openPostgres(target) : openSqlite(target.file);
}

/** Where a DATABASE_URL points, for messages: never the password. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.dialect === 'sqlite') return target.file;
  const url = new URL(target.url);
  return `postgres://${url.host}${url.pathname}`;
}
