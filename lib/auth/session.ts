import type { Db } from '@/db';
import type { SessionRow } from '@/db/schema';
import {
  deleteAllUserSessions,
  deleteExpiredSessionsBatch,
  deleteSessionsBatch,
  deleteSession,
  deleteUserSession,
  deleteUserSessions,
  findSessionWithUser,
  findAllSessions,
  findUserSessions,
  insertSession,
  rotateSessionToken,
  updateSessionLastSeen,
} from '@/db/queries/sessions';
import { runTransaction, type TransactionStep } from '@/db/transaction';
import { metrics, type SessionEndReason } from '../metrics';
import type {
  AuthMethod,
  ClientInfo,
  RequestContext,
  SessionPolicy,
  SignIn,
  User,
} from './context';
import { recordSecurityEvent } from './events';
import { generateToken, hashToken, isTokenShaped } from './tokens';

export type Session = {
  id: string; // SHA-256 of the token, hex: what the database knows the session by
  userId: number;
  createdAt: Date;
  lastSeenAt: Date;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  authMethod: AuthMethod;
  reauthenticatedAt: Date | null; // when every factor was last proved in it
};

/** A live session; `secondFactorRequired` is the operator's flag on its account. */
export type SessionValidationResult =
  { session: Session; user: User; secondFactorRequired: boolean } | { session: null; user: null };

const MAX_USER_AGENT_LENGTH = 512;

/**
 * Only completeLogIn (lib/auth/login.ts) calls this: it is where the second factor is enforced.
 * The session is inserted in one transaction after `conditions`, steps that must succeed (the
 * credentials the sign-in was checked against are unchanged); null, and nothing written, when one
 * does not.
 */
export async function createSession(
  db: Db,
  userId: number,
  signIn: SignIn,
  client: ClientInfo,
  now: Date,
  policy: SessionPolicy,
): Promise<{ token: string; session: Session }>;
export async function createSession(
  db: Db,
  userId: number,
  signIn: SignIn,
  client: ClientInfo,
  now: Date,
  policy: SessionPolicy,
  conditions: TransactionStep[],
): Promise<{ token: string; session: Session } | null>;
export async function createSession(
  db: Db,
  userId: number,
  signIn: SignIn,
  client: ClientInfo,
  now: Date,
  policy: SessionPolicy,
  conditions: TransactionStep[] = [],
): Promise<{ token: string; session: Session } | null> {
  const token = generateToken();
  const row = {
    tokenHash: hashToken(token),
    userId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + policy.absoluteTimeoutMs),
    ip: client.ip,
    userAgent: client.userAgent?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
    authMethod: signIn.method,
    reauthenticatedAt: signIn.reauthenticatedAt,
  };
  if (!(await runTransaction(db, [...conditions, insertSession(db, row)]))) return null;
  metrics().sessionsCreated.inc();
  return { token, session: toSession(row, policy) };
}

/** A session's new token, for the browser's cookie, and when the session ends at the latest. */
export type RotatedSession = { token: string; expiresAt: Date };

/**
 * Raises how the session is signed in (every factor just proved: enrolment, re-authentication)
 * under a new token: the old one, which may have been seen at the lower level, opens nothing
 * from now on. Null when the session is gone.
 */
export async function elevateSession(
  db: Db,
  sessionId: string,
  authMethod: AuthMethod,
  now: Date,
): Promise<RotatedSession | null> {
  const token = generateToken();
  const row = await rotateSessionToken(db, sessionId, {
    tokenHash: hashToken(token),
    authMethod,
    reauthenticatedAt: now,
    lastSeenAt: now,
  });
  return row ? { token, expiresAt: row.expiresAt } : null;
}

/**
 * Looks the token up and applies both expiry rules. An expired session is deleted when met.
 * Activity slides only the idle window, and `last_seen_at` is written at most once per
 * touch interval so a busy session does not cost a write on every request.
 */
export async function validateSessionToken(
  db: Db,
  token: string,
  now: Date,
  policy: SessionPolicy,
): Promise<SessionValidationResult> {
  if (!isTokenShaped(token)) return { session: null, user: null };
  const tokenHash = hashToken(token);
  const found = await findSessionWithUser(db, tokenHash);
  if (!found) return { session: null, user: null };

  const session = toSession(found.session, policy);
  if (isExpired(session, now)) {
    await deleteSession(db, tokenHash);
    metrics().sessionsEnded.inc({ reason: 'expired' });
    return { session: null, user: null };
  }
  if (now.getTime() - session.lastSeenAt.getTime() >= touchIntervalMs(policy)) {
    await updateSessionLastSeen(db, tokenHash, now);
    return { ...found, session: toSession({ ...found.session, lastSeenAt: now }, policy) };
  }
  return { ...found, session };
}

/**
 * Ends one of the user's own sessions at once and records it. An id that is not theirs ends
 * nothing and answers false, as one that never existed.
 */
export async function revokeSession(
  db: Db,
  userId: number,
  sessionId: string,
  ctx: RequestContext,
): Promise<boolean> {
  const revoked = await deleteUserSession(db, userId, sessionId);
  if (!revoked) return false;
  metrics().sessionsEnded.inc({ reason: 'revoked' });
  await recordSecurityEvent(
    db,
    { type: 'session_revoked', userId, detail: 'one session' },
    ctx.client,
    ctx.now,
  );
  return true;
}

/** Ends every session of the user except `keepSessionId` (all of them when it is omitted) and records it. */
export async function revokeOtherSessions(
  db: Db,
  userId: number,
  keepSessionId: string | undefined,
  ctx: RequestContext,
): Promise<number> {
  const count = await deleteUserSessions(db, userId, keepSessionId);
  metrics().sessionsEnded.inc({ reason: 'revoked' }, count);
  if (count > 0) {
    const detail = `${count} session${count === 1 ? '' : 's'}${keepSessionId ? ', all others' : ', all'}`;
    await recordSecurityEvent(db, { type: 'session_revoked', userId, detail }, ctx.client, ctx.now);
  }
  return count;
}

/**
 * Ends every session of every user (an operator's act, e.g. after a suspected leak) and records
 * it, in batches as the purge deletes (see deleteInBatches).
 */
export async function revokeEverySession(db: Db, ctx: RequestContext): Promise<number> {
  const count = await deleteInBatches(db, (limit) => deleteSessionsBatch(db, limit));
  metrics().sessionsEnded.inc({ reason: 'revoked' }, count);
  const detail = `${count} session${count === 1 ? '' : 's'}, every user`;
  await recordSecurityEvent(db, { type: 'session_revoked', detail }, ctx.client, ctx.now);
  return count;
}

/**
 * Every session of the user, ended in another act's transaction (a password change or reset),
 * which records its own event; `record` counts them once that transaction has committed.
 */
export function endAllSessions(
  db: Db,
  userId: number,
): { step: TransactionStep; record: (reason: SessionEndReason) => void } {
  let ended = 0;
  return {
    step: deleteAllUserSessions(db, userId, (count) => (ended = count)),
    record: (reason) => metrics().sessionsEnded.inc({ reason }, ended),
  };
}

/** Ends every session of the user as part of another act (a password change, a deletion), which records its own event. */
export async function revokeAllSessions(
  db: Db,
  userId: number,
  reason: SessionEndReason,
): Promise<void> {
  metrics().sessionsEnded.inc({ reason }, await deleteUserSessions(db, userId));
}

export async function listUserSessions(
  db: Db,
  userId: number,
  now: Date,
  policy: SessionPolicy,
): Promise<Session[]> {
  return (await findUserSessions(db, userId))
    .map((row) => toSession(row, policy))
    .filter((session) => !isExpired(session, now));
}

/** Every live session, each with its user's name (the admin command line). */
export async function listAllSessions(
  db: Db,
  now: Date,
  policy: SessionPolicy,
): Promise<(Session & { username: string })[]> {
  return (await findAllSessions(db))
    .map((row) => ({ ...toSession(row, policy), username: row.username }))
    .filter((session) => !isExpired(session, now));
}

// The one expiry rule: past the absolute lifetime, or idle for the whole idle timeout.
function isExpired(session: Session, now: Date): boolean {
  return now >= session.absoluteExpiresAt || now >= session.idleExpiresAt;
}

const DELETE_BATCH = 250;

/**
 * Runs `deleteBatch` until a batch comes back short; returns how many rows went. After each batch
 * it rests at least as long as the batch took, so a long deletion holds the database's write lock
 * at most half the time and servers writing meanwhile wait one short batch at most; and it lets
 * the database catch up, so SQLite's log stays one batch long instead of growing until a commit
 * has to checkpoint it.
 */
async function deleteInBatches(
  db: Db,
  deleteBatch: (limit: number) => Promise<number>,
): Promise<number> {
  let total = 0;
  for (;;) {
    const start = performance.now();
    const deleted = await deleteBatch(DELETE_BATCH);
    total += deleted;
    if (deleted < DELETE_BATCH) return total;
    const rest = new Promise((resolve) => setTimeout(resolve, performance.now() - start));
    await Promise.all([rest, db.catchUp()]);
  }
}

/** Deletes every session that can no longer be used, a batch at a time; returns how many went. */
export async function purgeExpiredSessions(
  db: Db,
  now: Date,
  policy: SessionPolicy,
): Promise<number> {
  let total = 0;
  const rules = [
    ['lifetime', now],
    ['idle', new Date(now.getTime() - policy.idleTimeoutMs)],
  ] as const;
  for (const [rule, cutoff] of rules) {
    total += await deleteInBatches(db, (limit) =>
      deleteExpiredSessionsBatch(db, rule, cutoff, limit),
    );
  }
  metrics().sessionsEnded.inc({ reason: 'expired' }, total);
  return total;
}

// Once a minute, or a tenth of the idle timeout when that is shorter. A session may therefore
// idle out up to one interval early, never late.
export function touchIntervalMs(policy: SessionPolicy): number {
  return Math.min(60_000, Math.floor(policy.idleTimeoutMs / 10));
}

function toSession(row: SessionRow, policy: SessionPolicy): Session {
  return {
    id: row.tokenHash,
    userId: row.userId,
    createdAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    idleExpiresAt: new Date(row.lastSeenAt.getTime() + policy.idleTimeoutMs),
    absoluteExpiresAt: row.expiresAt,
    ip: row.ip,
    userAgent: row.userAgent,
    authMethod: row.authMethod as AuthMethod,
    reauthenticatedAt: row.reauthenticatedAt,
  };
}
