import type { Db } from '@/db';
import { deleteEventsBefore } from '@/db/queries/events';
import { deleteOldMail, findMailBodies, updateMailBody } from '@/db/queries/mail-outbox';
import { deleteSpentTokens } from '@/db/queries/one-time-tokens';
import { deleteSpentPasskeyChallenges } from '@/db/queries/passkeys';
import { createSecretBox } from '../secret-box';
import { deleteExpiredCounters } from '@/db/queries/throttle';
import type { SessionPolicy } from './context';
import { resealTotpSecrets } from './second-factor';
import { purgeExpiredSessions } from './session';

export type PurgeReport = {
  sessions: number;
  throttleCounters: number;
  events: number;
  links: number;
  mail: number;
};

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes what can no longer matter: expired sessions, lapsed throttle windows, used or expired
 * links and passkey challenges, and events and records of sent mail past the retention period.
 */
export async function purgeExpiredData(
  db: Db,
  now: Date,
  policies: { session: SessionPolicy; eventRetentionDays: number },
): Promise<PurgeReport> {
  return {
    sessions: await purgeExpiredSessions(db, now, policies.session),
    throttleCounters: await deleteExpiredCounters(db, now),
    events: await deleteEventsBefore(db, retentionCutoff(now, policies.eventRetentionDays)),
    links: (await deleteSpentTokens(db, now)) + (await deleteSpentPasskeyChallenges(db, now)),
    mail: await deleteOldMail(db, retentionCutoff(now, policies.eventRetentionDays)),
  };
}

const retentionCutoff = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);

/**
 * Re-seals every queued message and authenticator secret still sealed with an older key under
 * the newest one, so the older key can then be dropped from the configuration without losing
 * anything. Returns how many were re-sealed.
 */
export async function rotateEncryptionKeys(
  db: Db,
  keys: readonly string[],
): Promise<{ mail: number; totpSecrets: number }> {
  const box = createSecretBox(keys, 'mail-outbox');
  let mail = 0;
  for (const row of await findMailBodies(db)) {
    if (box.isCurrent(row.body)) continue;
    const opened = box.open(row.body, row.recipient);
    if (opened === null) continue; // sealed with a key no longer listed: the sender marks it failed
    await updateMailBody(db, row.id, box.seal(opened, row.recipient));
    mail++;
  }
  return { mail, totpSecrets: await resealTotpSecrets(db, keys) };
}
