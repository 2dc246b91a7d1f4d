import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import path from 'node:path';
import type { Db } from './connection';

const MIGRATIONS_FOLDER = path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'drizzle');

/** Applies the committed migrations in drizzle/ that this database has not seen yet. */
export function applyMigrations(db: Db): void {
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
}
