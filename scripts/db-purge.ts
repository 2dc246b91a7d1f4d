// npm run db:purge: delete sessions that have expired (idle or absolute).
import { getDb } from '@/db';
import { applyMigrations } from '@/db/migrate';
import { purgeExpiredSessions } from '@/lib/auth/session';
import { getConfig } from '@/lib/config';
import { runScript } from './run-script';

runScript(() => {
  const db = getDb();
  applyMigrations(db);
  const removed = purgeExpiredSessions(db, new Date(), getConfig().session);
  return `Removed ${removed} expired session${removed === 1 ? '' : 's'}.`;
});
