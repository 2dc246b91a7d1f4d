import type { Db } from '@/db';
import { purgeOldEvents } from './events';
import { purgeExpiredSessions, type SessionPolicy } from './session';
import { purgeExpiredCounters } from './throttle';

export type PurgeReport = { sessions: number; throttleCounters: number; events: number };

/** Deletes what can no longer matter: expired sessions, lapsed throttle windows, old events. */
export async function purgeExpiredData(
  db: Db,
  now: Date,
  policies: { session: SessionPolicy; eventRetentionDays: number },
): Promise<PurgeReport> {
  return {
    sessions: await purgeExpiredSessions(db, now, policies.session),
    throttleCounters: await purgeExpiredCounters(db, now),
    events: await purgeOldEvents(db, now, policies.eventRetentionDays),
  };
}
