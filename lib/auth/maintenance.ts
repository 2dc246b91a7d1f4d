import type { Db } from '@/db';
import { deleteEventsBefore } from '@/db/queries/events';
import { deleteExpiredCounters } from '@/db/queries/throttle';
import type { SessionPolicy } from './context';
import { purgeExpiredSessions } from './session';

export type PurgeReport = { sessions: number; throttleCounters: number; events: number };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Deletes what can no longer matter: expired sessions, lapsed throttle windows, old events. */
export async function purgeExpiredData(
  db: Db,
  now: Date,
  policies: { session: SessionPolicy; eventRetentionDays: number },
): Promise<PurgeReport> {
  return {
    sessions: await purgeExpiredSessions(db, now, policies.session),
    throttleCounters: await deleteExpiredCounters(db, now),
    events: await deleteEventsBefore(
      db,
      new Date(now.getTime() - policies.eventRetentionDays * DAY_MS),
    ),
  };
}
