import type { Db } from '@/db';
import { findUserById, findUserByUsername, updatePasswordHash } from '@/db/queries/users';
import type { Mailer } from '../mail/outbox';
import { deleteSession, findSessionWithUser } from '@/db/queries/sessions';
import { metrics } from '../metrics';
import { loginSchema } from './validation';
import type { AuthPolicies, RequestContext, Refused, SessionPolicy, User } from './context';
import { recordSecurityEvent } from './events';
import { sendNotice } from './notices';
import {
  BCRYPT_MAX_BYTES,
  isBusy,
  needsRehash,
  orBusy,
  verifyDummyPassword,
  verifyPassword,
} from './password';
import { hashPassword, hashQueueTimeoutMs } from './password-hashing';
import { createSession, type Session } from './session';
import { hashToken } from './tokens';
import { getUsernameProblem } from './username';
import {
  describeRefusal,
  recordLoginFailure,
  recordLoginSuccess,
  releaseLoginAttempt,
  startLoginAttempt,
  type LoginSubject,
} from './throttle';

export type PasswordCheck = { ok: true; user: User } | { ok: false; reason: 'invalid' } | Refused;

type Purpose = 'login' | 'password_change' | 'account_deletion' | 'email_change';

// The hash itself, at any cost the configuration allows, on a loaded machine.
const CHECK_ALLOWANCE_MS = 60_000;

/**
 * The one place a password is checked: throttle first (a blocked account is refused even with
 * the right password; the attempt is counted before the check, so guesses sent together are
 * throttled like guesses sent one by one), then bcrypt, with a dummy hash for unknown names so
 * timing reveals nothing. Keeps the failure or resets the count, and upgrades an outdated hash.
 * When no hashing thread is free in time it answers BUSY and takes the attempt back.
 */
export async function verifyPasswordThrottled(
  db: Db,
  subject: LoginSubject,
  password: string,
  purpose: Purpose,
  ctx: RequestContext,
  policies: AuthPolicies,
): Promise<PasswordCheck> {
  const { now, client } = ctx;
  const { username } = subject;
  const user = await findUserByUsername(db, username);
  // An attempt past the free allowance holds the account while it waits for a hashing thread
  // and is checked; the hold ends with its answer, or lapses should the answer be lost.
  const holdMs = hashQueueTimeoutMs() + CHECK_ALLOWANCE_MS;
  const started = await startLoginAttempt(db, subject, client.ip, now, policies.throttle, holdMs);
  if (!started.allowed) {
    await recordSecurityEvent(
      db,
      { type: 'throttled', userId: user?.id, username, detail: `${purpose}:${started.scope}` },
      client,
      now,
    );
    return {
      ok: false,
      reason: 'throttled',
      retryAfterSeconds: started.retryAfterSeconds,
      message: describeRefusal(started),
    };
  }

  const { attempt } = started;
  const checkStarted = performance.now();
  let valid: boolean | Refused;
  try {
    valid = await orBusy(
      user
        ? verifyPassword(password, user.passwordHash)
        : verifyDummyPassword(password, policies.user.bcryptCost),
    );
  } catch (error) {
    // Never checked, so it counts for nothing; if the database is what failed, the hold lapses.
    await releaseLoginAttempt(db, attempt).catch(() => undefined);
    throw error;
  }
  if (isBusy(valid)) {
    await releaseLoginAttempt(db, attempt);
    return valid;
  }
  if (!user || !valid) {
    // A block runs from when the failure is known, not from when the request came in: guesses
    // sent together queue for the hashing threads, and the wait would otherwise use up a short
    // block before its answer even went out.
    const failedAt = new Date(now.getTime() + (performance.now() - checkStarted));
    await recordLoginFailure(db, attempt, failedAt, policies.throttle);
    await recordSecurityEvent(
      db,
      { type: 'login_failure', userId: user?.id, username, detail: purpose },
      client,
      now,
    );
    return { ok: false, reason: 'invalid' };
  }

  await recordLoginSuccess(db, attempt);
  if (needsRehash(user.passwordHash, policies.user.bcryptCost)) {
    // Too busy to upgrade the hash now: the login still counts, and the next one upgrades it.
    const upgraded = await orBusy(hashPassword(password, policies.user.bcryptCost));
    if (!isBusy(upgraded)) await updatePasswordHash(db, user.id, upgraded);
  }
  return { ok: true, user: { id: user.id, username: user.username } };
}

const INVALID = { ok: false, reason: 'invalid' } as const;

/**
 * Checks the credentials of a login form or API call. Every wrong answer looks the same.
 * `trustedDevice` is the account this browser has logged in to before (its device cookie), if any.
 */
export async function logIn(
  db: Db,
  input: Record<string, unknown>,
  ctx: RequestContext,
  policies: AuthPolicies,
  trustedDevice: { username: string; deviceId: string } | null = null,
  mailer: Mailer | null = null,
): Promise<PasswordCheck> {
  const result = await checkLogin(db, input, ctx, policies, trustedDevice);
  // A browser that has not logged in to the account before (no device cookie): tell the owner.
  if (result.ok && trustedDevice?.username !== result.user.username) {
    const row = await findUserById(db, result.user.id);
    if (row)
      await sendNotice(db, mailer, row, (m, username, when) => m.newBrowser(username, when), ctx);
  }
  metrics().logins.inc({
    outcome: result.ok ? 'success' : result.reason === 'invalid' ? 'failure' : result.reason,
  });
  return result;
}

async function checkLogin(
  db: Db,
  input: Record<string, unknown>,
  ctx: RequestContext,
  policies: AuthPolicies,
  trustedDevice: { username: string; deviceId: string } | null,
): Promise<PasswordCheck> {
  const parsed = loginSchema.safeParse(input);
  if (!parsed.success) return INVALID;
  const { username, password } = parsed.data;
  // Input no account could match (a name the rules never allow, a password longer than any stored
  // one) is refused before the throttle and without a hash: the answer is the same whatever the
  // name, so it reveals nothing, and a flood of it cannot keep the hashing threads from real logins.
  if (getUsernameProblem(username) || Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES)
    return INVALID;
  const trustedDeviceId = trustedDevice?.username === username ? trustedDevice.deviceId : null;
  const result = await verifyPasswordThrottled(
    db,
    { username, trustedDeviceId },
    password,
    'login',
    ctx,
    policies,
  );
  if (result.ok)
    await recordSecurityEvent(
      db,
      { type: 'login_success', userId: result.user.id },
      ctx.client,
      ctx.now,
    );
  return result;
}

/**
 * The one place a session starts, for every way in: a fresh random token. The session the
 * browser carried before, if any, is revoked, so a token planted by someone else never becomes
 * the victim's (no fixation).
 */
export async function completeLogIn(
  db: Db,
  user: User,
  ctx: RequestContext,
  policy: SessionPolicy,
  previousToken: string | null,
): Promise<{ session: Session; token: string }> {
  if (previousToken) await deleteSession(db, hashToken(previousToken));
  return createSession(db, user.id, ctx.client, ctx.now, policy);
}

/** Ends the session this token opens, if any, and records the logout. */
export async function logOut(db: Db, token: string, ctx: RequestContext): Promise<void> {
  const sessionId = hashToken(token);
  const found = await findSessionWithUser(db, sessionId);
  if (!found) return;
  await deleteSession(db, sessionId);
  metrics().sessionsEnded.inc({ reason: 'logout' });
  await recordSecurityEvent(db, { type: 'logout', userId: found.user.id }, ctx.client, ctx.now);
}
