import type { Db } from '@/db';
import { findRecentEvents, insertEvent, insertEventStep } from '@/db/queries/events';
import type { TransactionStep } from '@/db/transaction';
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
  | 'throttled'
  | 'email_change_requested'
  | 'email_verified'
  | 'email_removed'
  | 'password_reset_requested'
  | 'password_reset'
  | 'second_factor_required'
  | 'second_factor_failure'
  | 'second_factor_enabled'
  | 'second_factor_disabled'
  | 'recovery_code_used'
  | 'recovery_codes_replaced'
  | 'reauthenticated'
  | 'passkey_added'
  | 'passkey_removed'
  | 'passkey_failure'
  | 'passkey_counter_regressed'
  | 'breach_check_failed'
  | 'notice_dropped'
  | 'second_factor_requirement_changed';

export type SecurityEvent = {
  type: SecurityEventType;
  userId?: number | null;
  username?: string | null; // as typed, for failed logins
  detail?: string | null;
};

const MAX_TYPED_USERNAME = 64;

type EventRow = Omit<SecurityEventRow, 'id'>;

function toRow(event: SecurityEvent, client: ClientInfo, now: Date): EventRow {
  return {
    type: event.type,
    userId: event.userId ?? null,
    username: event.username?.slice(0, MAX_TYPED_USERNAME) ?? null,
    detail: event.detail ?? null,
    ip: client.ip,
    userAgent: client.userAgent,
    createdAt: now,
  };
}

/** Stores the event and logs it as one JSON line. Holds no password or token by construction. */
export async function recordSecurityEvent(
  db: Db,
  event: SecurityEvent,
  client: ClientInfo,
  now: Date,
): Promise<void> {
  const row = toRow(event, client, now);
  await insertEvent(db, row);
  logEvent(row);
}

/**
 * The event as a step of a transaction (db/transaction.ts), and the log line to write once it
 * has committed.
 */
export function securityEventStep(
  db: Db,
  event: SecurityEvent,
  client: ClientInfo,
  now: Date,
): { step: TransactionStep; log: () => void } {
  const row = toRow(event, client, now);
  return { step: insertEventStep(db, row), log: () => logEvent(row) };
}

function logEvent(row: EventRow): void {
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
