import Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tables from './schema/sqlite';
import type { Db, DbHooks } from './types';

const MIGRATIONS_FOLDER = path.resolve(
  /*turbopackIgnore: true*/ process.cwd(),
  'drizzle',
  'sqlite',
);
const CHECKPOINTER_FILE = path.resolve(
  /*turbopackIgnore: true*/ process.cwd(),
  'db',
  'sqlite-checkpointer.mjs',
);
const CHECKPOINT_INTERVAL_MS = 1000;

export function openSqlite(file: string, hooks: DbHooks): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  // WAL lets readers run while one writer commits; busy_timeout makes a second process wait, not fail.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const checkpointer = file === ':memory:' ? null : startCheckpointer(sqlite, file, hooks);
  const orm = drizzle(withStatementCache(sqlite), { schema: tables });
  return {
    dialect: 'sqlite',
    orm,
    tables,
    sqlite,
    migrate: async () => migrateLocked(sqlite),
    ping: async () => void sqlite.prepare('SELECT 1').get(),
    catchUp: async () => checkpointer?.checkpointNow(),
    close: async () => {
      await checkpointer?.stop();
      sqlite.close();
    },
  };
}

// Drizzle asks better-sqlite3 to prepare every query it runs; inside a busy server, preparing cost
// about as much as running. Queries are few and their SQL text repeats, so Drizzle's handle keeps
// each prepared statement by its text. Statements prepared by hand (db/queries/sessions.ts) stay
// out of it: they set modes of their own.
const CACHED_STATEMENTS = 500;

function withStatementCache(sqlite: Database.Database): Database.Database {
  const statements = new LRUCache<string, Database.Statement>({ max: CACHED_STATEMENTS });
  const prepare = (source: string) => {
    let statement = statements.get(source);
    if (!statement) {
      statement = sqlite.prepare(source);
      statements.set(source, statement);
    } else if (statement.reader) {
      statement.raw(false); // Drizzle turns raw mode on for the queries that want arrays
    }
    return statement;
  };
  return new Proxy(sqlite, {
    get: (target, property) => {
      if (property === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Moves WAL checkpoints off this thread. SQLite would otherwise run one inside whichever commit
 * finds the log past 1,000 pages, fsync included, while every request waits. A worker thread
 * with its own connection checkpoints instead, every second and straight away again while writes
 * keep coming; the automatic checkpoint stays as a backstop (at 40 MB of log) should the worker
 * ever fall behind.
 */
function startCheckpointer(sqlite: Database.Database, file: string, hooks: DbHooks) {
  sqlite.pragma('wal_autocheckpoint = 10000');
  const worker = new Worker(CHECKPOINTER_FILE, {
    workerData: { file, intervalMs: CHECKPOINT_INTERVAL_MS },
  });
  worker.unref();
  let running = true;
  let stopping = false;
  let waiting: (() => void)[] = [];
  const wakeWaiting = () => {
    const done = waiting;
    waiting = [];
    if (!stopping) worker.unref(); // once stopping, the process waits for the worker's exit
    for (const resolve of done) resolve();
  };
  worker.on('message', wakeWaiting); // a checkpoint asked for has finished
  const exited = new Promise((resolve) =>
    worker.once('exit', () => {
      running = false;
      wakeWaiting();
      resolve(undefined);
    }),
  );
  // Should the worker fail, commits go back to checkpointing for themselves: pauses, not a log
  // that grows without end.
  worker.once('error', (error) => {
    if (sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
    hooks.log(
      'error',
      { event: 'sqlite_checkpointer_failed', err: error },
      'background checkpoints stopped; commits checkpoint again',
    );
  });
  return {
    /** Asks for a checkpoint now; resolves when it is done (callers at once share one). */
    checkpointNow: () =>
      new Promise<void>((resolve) => {
        if (!running) return resolve();
        waiting.push(resolve);
        if (waiting.length > 1) return;
        worker.ref(); // the process waits for the answer
        worker.postMessage('checkpoint');
      }),
    stop: async () => {
      stopping = true;
      worker.ref(); // the process waits for it to close its connection
      worker.postMessage('stop');
      await exited; // its connection closed, so this one, closing last, can tidy the log away
    },
  };
}

/**
 * Applies pending migrations as drizzle-kit's migrator does (same bookkeeping table), but in one
 * IMMEDIATE transaction: it takes the write lock before reading what is applied, so a second
 * process starting at once waits (busy_timeout), then finds nothing left to do.
 */
function migrateLocked(sqlite: Database.Database): void {
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  sqlite
    .transaction(() => {
      sqlite.exec(
        'CREATE TABLE IF NOT EXISTS __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)',
      );
      const last = sqlite
        .prepare('SELECT created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1')
        .get() as { created_at: number } | undefined;
      const record = sqlite.prepare(
        'INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)',
      );
      for (const migration of migrations) {
        if (last && Number(last.created_at) >= migration.folderMillis) continue;
        for (const statement of migration.sql) sqlite.exec(statement);
        record.run(migration.hash, migration.folderMillis);
      }
    })
    .immediate();
}
