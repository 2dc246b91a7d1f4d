import type Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type * as tables from './schema/sqlite';

export type Tables = typeof tables;

export type PostgresTarget = {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  ssl: 'disable' | 'require' | 'verify-full';
};

export type DatabaseTarget =
  { dialect: 'sqlite'; file: string } | ({ dialect: 'postgres' } & PostgresTarget);

/**
 * What the data layer tells whoever opened it: a log line (an outage and the recovery from it, a
 * background checkpointer that failed), and each query that failed because the database could not
 * be reached or did not answer in time. The data layer itself knows no logger and no metrics.
 */
export type DbHooks = {
  log: (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string) => void;
  onUnreachable: (cause: string) => void;
};

/**
 * One handle for either dialect. db/queries builds every query through `orm` and `tables`, and
 * awaits it; the two dialects' Drizzle builders take the same calls for everything those queries
 * use (select, join, insert ... on conflict, update, delete, returning), so each query is written
 * once, typed against the SQLite flavour. db/schema/tables.ts defines the tables once for both,
 * and the unit suite runs every query on both.
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
