import type { Db } from '@/db';
import {
  credentialsUnchanged,
  findUserById,
  findUserByUsername,
  upgradePasswordHash,
} from '@/db/queries/users';
import type { Mailer } from '../mail/outbox';
import { deleteSession, deleteSessionStep, findSessionWithUser } from '@/db/queries/sessions';
import { metrics } from '../metrics';
import { loginSchema } from './validation';
import {
  consumeToken,
  findUsableToken,
  insertToken,
  spendTokenAttempt,
} from '@/db/queries/one-time-tokens';
import { runTransaction } from '@/db/transaction';
import type {
  AuthMethod,
  AuthPolicies,
  RequestContext,
  Refused,
  SecondFactorPolicy,
  SessionPolicy,
  SignIn,
  User,
} from './context';
import {
  checkSecondFactor,
  isEnrolled,
  provesSecondFactor,
  type SecondFactorAnswer,
} from './second-factor-check';
import { recordSecurityEvent } from './events';
import { sendNotice } from './notices';
import { mustEnrolSecondFactor, mustSignInWithPasskey } from './required-second-factor';
import {
  BCRYPT_MAX_BYTES,
  isBusy,
  needsRehash,
  orBusy,
  verifyDummyPassword,
  verifyPassword,
} from './password';
import { checkHoldMs, hashPassword } from './password-hashing';
import { createSession, type Session } from './session';
import { recordSignIn } from './sign-in';
import { generateToken, hashToken, isTokenShaped } from './tokens';
import { getUsernameProblem } from './username';
import {
  describeRefusal,
  recordLoginFailure,
  recordLoginSuccess,
  releaseLoginAttempt,
  startLoginAttempt,
  type LoginSubject,
} from './throttle';

/** A right password, with the credentials version it was checked under (see SignIn). */
export type PasswordCheck =
  { ok: true; user: User; credentialsVersion: number } | { ok: false; reason: 'invalid' } | Refused;

export type PasswordPurpose =
  | 'login'
  | 'password_change'
  | 'account_deletion'
  | 'email_change'
  | 'second_factor'
  | 'passkey'
  | 'reauthentication'
  | 'session_revocation';

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
  purpose: PasswordPurpose,
  ctx: RequestContext,
  policies: AuthPolicies,
): Promise<PasswordCheck> {
  const { now, client } = ctx;
  const { username } = subject;
  const user = await findUserByUsername(db, username);
  // An attempt past the free allowance holds the account until it is answered (checkHoldMs).
  const started = await startLoginAttempt(
    db,
    subject,
    client.ip,
    now,
    policies.throttle,
    checkHoldMs(),
  );
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
    if (!isBusy(upgraded)) await upgradePasswordHash(db, user.id, user.passwordHash, upgraded);
  }
  return {
    ok: true,
    user: { id: user.id, username: user.username },
    credentialsVersion: user.credentialsVersion,
  };
}

const INVALID = { ok: false, reason: 'invalid' } as const;

export const PENDING_LOGIN = 'pending_login';
// A pending login: the password was right, the second factor is still to come.
const PENDING_LOGIN_TTL_MS = 5 * 60_000;
const ANSWERS_PER_PENDING_LOGIN = 5;
const NEW_BROWSER = 'new_browser';
// A pending login started in a browser the account trusts names its device (then no notice goes,
// and its codes are counted on that browser's own counter).
const TRUSTED_DEVICE = 'device:';
const trustedDeviceOf = (target: string | null) =>
  target?.startsWith(TRUSTED_DEVICE) ? target.slice(TRUSTED_DEVICE.length) : null;

export type LogInResult =
  | { ok: true; user: User; signIn: SignIn }
  | { ok: false; reason: 'second_factor_required'; pendingToken: string; expiresAt: Date }
  | { ok: false; reason: 'invalid' }
  | PasskeyRequired
  | Refused;

/** The password was right, but the account must sign in with its passkey (see mustSignInWithPasskey). */
export type PasskeyRequired = { ok: false; reason: 'passkey_required'; message: string };
const PASSKEY_REQUIRED: PasskeyRequired = {
  ok: false,
  reason: 'passkey_required',
  message:
    'This account signs in with its passkey and a second factor is required: use the passkey to log in.',
};

/**
 * Checks the credentials of a login form or API call. Every wrong answer looks the same. For an
 * account with a second factor, the right password starts no session: it answers
 * `second_factor_required` with a pending login's token, for this browser alone to complete with
 * `completeSecondFactor`. `trustedDevice` is the account this browser has logged in to before
 * (its device cookie), if any.
 */
export async function logIn(
  db: Db,
  input: Record<string, unknown>,
  ctx: RequestContext,
  policies: AuthPolicies,
  trustedDevice: { username: string; deviceId: string } | null = null,
  mailer: Mailer | null = null,
): Promise<LogInResult> {
  const checked = await checkLogin(db, input, ctx, policies, trustedDevice);
  if (!checked.ok) {
    metrics().logins.inc({ outcome: checked.reason === 'invalid' ? 'failure' : checked.reason });
    return checked;
  }
  const row = await findUserById(db, checked.user.id);
  if (!row) return INVALID; // deleted meanwhile
  const newBrowser = trustedDevice?.username !== row.username;
  if (isEnrolled(row)) {
    const pending = await startPendingLogin(
      db,
      row.id,
      checked.credentialsVersion,
      newBrowser ? null : trustedDevice!.deviceId,
      ctx,
    );
    metrics().logins.inc({ outcome: pending.reason === 'invalid' ? 'failure' : pending.reason });
    return pending;
  }
  if (await mustSignInWithPasskey(db, policies.secondFactor.required, row)) {
    metrics().logins.inc({ outcome: 'passkey_required' });
    return PASSKEY_REQUIRED;
  }
  await recordSignIn(db, mailer, row, 'password', newBrowser, ctx);
  return {
    ok: true,
    user: checked.user,
    signIn: {
      method: 'password',
      reauthenticatedAt: ctx.now,
      credentialsVersion: checked.credentialsVersion,
    },
  };
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
  return verifyPasswordThrottled(
    db,
    { username, trustedDeviceId },
    password,
    'login',
    ctx,
    policies,
  );
}

/**
 * Opens a pending login, only while the account's credentials are those the password was checked
 * under: one changed meanwhile (a reset, a change, the second factor turned off and on) opens
 * nothing, and the attempt is answered as a wrong password would be.
 */
async function startPendingLogin(
  db: Db,
  userId: number,
  credentialsVersion: number,
  trustedDeviceId: string | null,
  ctx: RequestContext,
): Promise<Extract<LogInResult, { reason: 'second_factor_required' }> | typeof INVALID> {
  const pendingToken = generateToken();
  const expiresAt = new Date(ctx.now.getTime() + PENDING_LOGIN_TTL_MS);
  const opened = await runTransaction(db, [
    credentialsUnchanged(db, userId, credentialsVersion),
    insertToken(db, {
      tokenHash: hashToken(pendingToken),
      purpose: PENDING_LOGIN,
      userId,
      target: trustedDeviceId ? `${TRUSTED_DEVICE}${trustedDeviceId}` : NEW_BROWSER,
      createdAt: ctx.now,
      expiresAt,
      usedAt: null,
      attempts: 0,
    }),
  ]);
  if (!opened) return INVALID;
  await recordSecurityEvent(db, { type: 'second_factor_required', userId }, ctx.client, ctx.now);
  return { ok: false, reason: 'second_factor_required', pendingToken, expiresAt };
}

export type SecondFactorResult =
  | { ok: true; user: User; signIn: SignIn }
  | { ok: false; reason: 'pending_expired'; message: string }
  | { ok: false; reason: 'invalid'; message: string }
  | Refused;

export const PENDING_EXPIRED_MESSAGE =
  'This sign-in has expired or has had too many wrong codes. Log in again.';
const PENDING_EXPIRED = {
  ok: false,
  reason: 'pending_expired',
  message: PENDING_EXPIRED_MESSAGE,
} as const;

/**
 * The second step of a login: the pending login this browser holds, and a code from the app or a
 * recovery code. Each answer is counted against the pending login before it is checked (a few
 * each), and against the account (lib/auth/second-factor-check.ts); the first wrong one mails the
 * owner, who alone should know the password. A right one uses the pending login up.
 */
export async function completeSecondFactor(
  db: Db,
  pendingToken: unknown,
  answer: SecondFactorAnswer,
  ctx: RequestContext,
  policies: AuthPolicies,
  mailer: Mailer | null = null,
): Promise<SecondFactorResult> {
  if (!isTokenShaped(pendingToken)) return PENDING_EXPIRED;
  const tokenHash = hashToken(pendingToken);
  const pending = await spendTokenAttempt(
    db,
    tokenHash,
    PENDING_LOGIN,
    ctx.now,
    ANSWERS_PER_PENDING_LOGIN,
  );
  const row = pending && (await findUserById(db, pending.userId));
  if (!row || !isEnrolled(row)) return PENDING_EXPIRED;

  const checked = await checkSecondFactor(
    db,
    row,
    answer,
    'login',
    ctx,
    policies,
    trustedDeviceOf(pending.target),
  );
  if (!checked.ok) {
    if (checked.reason !== 'invalid') return checked;
    metrics().logins.inc({ outcome: 'second_factor_failure' });
    if (pending.attempts === 1)
      await sendNotice(
        db,
        mailer,
        row,
        (m, username, when) => m.secondFactorFailed(username, when),
        ctx,
        'sign_in',
      );
    const left = ANSWERS_PER_PENDING_LOGIN - pending.attempts;
    if (left <= 0) return PENDING_EXPIRED;
    return {
      ok: false,
      reason: 'invalid',
      message: `That code is not right. ${left} ${left === 1 ? 'try' : 'tries'} left.`,
    };
  }
  if (!(await runTransaction(db, [consumeToken(db, tokenHash, PENDING_LOGIN, ctx.now)])))
    return PENDING_EXPIRED; // another request with this pending login won
  await recordSignIn(db, mailer, row, checked.method, pending.target === NEW_BROWSER, ctx);
  const user = { id: row.id, username: row.username };
  // The version read once this pending login was counted: a change since then has ended it.
  const signIn = {
    method: checked.method,
    reauthenticatedAt: ctx.now,
    credentialsVersion: row.credentialsVersion,
  };
  return { ok: true, user, signIn };
}

/** Whether the pending login is still there to complete (the code page; nothing is counted). */
export async function findPendingLogin(db: Db, pendingToken: unknown, now: Date): Promise<boolean> {
  if (!isTokenShaped(pendingToken)) return false;
  const row = await findUsableToken(db, hashToken(pendingToken), PENDING_LOGIN, now);
  return row !== undefined && row.attempts < ANSWERS_PER_PENDING_LOGIN;
}

/** A session was about to start without the second factor of an account that has one. */
export class SecondFactorBypassError extends Error {
  constructor(method: AuthMethod) {
    super(`A session by ${method} alone was refused: the account has a second factor`);
    this.name = 'SecondFactorBypassError';
  }
}

/** `mustEnrol`: the account must have a second factor and this sign-in proved none (see DAL). */
export type CompletedLogIn =
  | { ok: true; session: Session; token: string; mustEnrol: boolean }
  | { ok: false; reason: 'credentials_changed' };

/**
 * The one place a session starts, for every way in: a fresh random token, recording how the
 * sign-in was made. For an account with a second factor, a sign-in that did not prove it throws:
 * no caller can start such a session by mistake. The session starts only if the account's
 * credentials are still those the sign-in was checked under (`credentials_changed` otherwise: a
 * reset or a change finished while the password was being checked). The session the browser
 * carried before, if any, is revoked, so a token planted by someone else never becomes the
 * victim's (no fixation).
 */
export async function completeLogIn(
  db: Db,
  user: User,
  signIn: SignIn,
  ctx: RequestContext,
  policies: { session: SessionPolicy; secondFactor: Pick<SecondFactorPolicy, 'required'> },
  previousToken: string | null,
): Promise<CompletedLogIn> {
  const row = await findUserById(db, user.id);
  if (row && isEnrolled(row) && !provesSecondFactor(signIn.method))
    throw new SecondFactorBypassError(signIn.method);
  const conditions = [credentialsUnchanged(db, user.id, signIn.credentialsVersion)];
  if (previousToken) conditions.push(deleteSessionStep(db, hashToken(previousToken)));
  const started = await createSession(
    db,
    user.id,
    signIn,
    ctx.client,
    ctx.now,
    policies.session,
    conditions,
  );
  if (!started) return { ok: false, reason: 'credentials_changed' };
  const secondFactorRequired = row?.secondFactorRequiredAt != null;
  const mustEnrol = mustEnrolSecondFactor(
    policies.secondFactor.required,
    { secondFactorRequired },
    started.session,
  );
  return { ok: true, ...started, mustEnrol };
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
