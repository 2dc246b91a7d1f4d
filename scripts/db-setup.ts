// npm run db:setup: apply pending migrations to the database DATABASE_URL names.
import { getDb } from '@/db';
import { applyMigrations } from '@/db/migrate';
import { getConfig } from '@/lib/config';
import { runScript } from './run-script';

runScript(() => {
  const { databasePath } = getConfig();
  applyMigrations(getDb());
  return `Database ready: ${databasePath}`;
});
