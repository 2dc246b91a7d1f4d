import type { Db } from '@/db';
import { findRecentEvents, insertEvent } from '@/db/queries/events';
import type { SecurityEventRow } from '@/db/schema';
import { getLogger } from '../logger';
import type { ClientInfo } from './context';

export type SecurityEventType =
  | 'registered'
  | 'login_success'
  | 'login_failure'
  | 'logout'
  | 'session_revoked'
  | 'password_changed'
  | 'account_deleted'
  | 'throttled';

export type SecurityEvent = {
  type: SecurityEventType;
  userId?: number | null;
  username?: string | null; // as typed, for failed logins
  detail?: string | null;
};

const MAX_TYPED_USERNAME = 64;

/** Stores the event and logs it as one JSON line. Holds no password or token by construction. */
export async function recordSecurityEvent(
  db: Db,
  event: SecurityEvent,
  client: ClientInfo,
  now: Date,
): Promise<void> {
  const row = {
    type: event.type,
    userId: event.userId ?? null,
    username: event.username?.slice(0, MAX_TYPED_USERNAME) ?? null,
    detail: event.detail ?? null,
    ip: client.ip,
    userAgent: client.userAgent,
    createdAt: now,
  };
  await insertEvent(db, row);
  getLogger().info(
    {
      event: row.type,
      userId: row.userId,
      username: row.username,
      detail: row.detail,
      ip: row.ip,
      userAgent: row.userAgent,
    },
    'security event',
  );
}

export async function listRecentEvents(
  db: Db,
  userId: number,
  limit = 20,
): Promise<SecurityEventRow[]> {
  return findRecentEvents(db, userId, limit);
}
