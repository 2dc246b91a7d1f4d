import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './connection';
import * as tables from './schema/sqlite';

const MIGRATIONS_FOLDER = path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'drizzle', 'sqlite');

export function openSqlite(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  // WAL lets readers run while one writer commits; busy_timeout makes a second process wait, not fail.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  // Checkpoint the WAL in small steps (1 MB rather than 4 MB): each checkpoint runs inside a
  // commit, so a big one is a pause for whoever commits then.
  sqlite.pragma('wal_autocheckpoint = 250');
  sqlite.pragma('foreign_keys = ON');
  const orm = drizzle(sqlite, { schema: tables });
  return {
    dialect: 'sqlite',
    orm,
    tables,
    migrate: async () => migrateLocked(sqlite),
    close: async () => {
      sqlite.close();
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
      sqlite.exec('CREATE TABLE IF NOT EXISTS __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)');
      const last = sqlite.prepare('SELECT created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1').get() as
        | { created_at: number }
        | undefined;
      const record = sqlite.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)');
      for (const migration of migrations) {
        if (last && Number(last.created_at) >= migration.folderMillis) continue;
        for (const statement of migration.sql) sqlite.exec(statement);
        record.run(migration.hash, migration.folderMillis);
      }
    })
    .immediate();
}
