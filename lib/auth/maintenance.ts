import type { Db } from '@/db';
import { purgeOldEvents } from './events';
import { purgeExpiredSessions, type SessionPolicy } from './session';
import { purgeExpiredCounters } from './throttle';

export type PurgeReport = { sessions: number; throttleCounters: number; events: number };

/** Deletes what can no longer matter: expired sessions, lapsed throttle windows, old events. */
export function purgeExpiredData(
  db: Db,
  now: Date,
  policies: { session: SessionPolicy; eventRetentionDays: number },
): PurgeReport {
  return {
    sessions: purgeExpiredSessions(db, now, policies.session),
    throttleCounters: purgeExpiredCounters(db, now),
    events: purgeOldEvents(db, now, policies.eventRetentionDays),
  };
}
