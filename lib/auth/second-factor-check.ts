import type { Db } from '@/db';
import type { UserRow } from '@/db/schema';
import {
  advanceTotpStep,
  findUnusedRecoveryCodes,
  consumeRecoveryCode,
} from '@/db/queries/second-factor';
import { findUserById } from '@/db/queries/users';
import { createSecretBox } from '../secret-box';
import type { AuthMethod, AuthPolicies, ClientInfo, Refused, SecondFactorPolicy } from './context';
import { recordSecurityEvent } from './events';
import { isBusy, orBusy, verifyPassword } from './password';
import { checkHoldMs } from './password-hashing';
import { LOOKUP_LENGTH, normalizeRecoveryCode } from './recovery-codes';
import {
  describeRefusal,
  recordLoginFailure,
  recordLoginSuccess,
  releaseLoginAttempt,
  startSecondFactorAttempt,
} from './throttle';
import { matchTotpStep } from './totp';

// The one place a second factor is checked, for every way in (signing in, fresh authentication,
// turning it off): an authenticator code, accepted once (the account's last used time step moves
// forward in one conditional update), or a recovery code, used up by one conditional update.
// Throttled on the account's own counter, with delays that start at one time step and grow
// further than for passwords: a guesser who has the password gets a few dozen tries a day.

const FREE_FAILURES = 3;
const FIRST_DELAY_MS = 30_000;
const MAX_DELAY_MS = 3600_000;

/** What a person gave as their second factor: a code from the app, or a recovery code. */
export type SecondFactorAnswer = { code?: unknown; recoveryCode?: unknown };

export type SecondFactorCheck =
  | { ok: true; method: Extract<AuthMethod, 'password+totp' | 'password+recovery-code'> }
  | { ok: false; reason: 'invalid' }
  | Refused;

export const isEnrolled = (user: Pick<UserRow, 'totpEnabledAt'>): boolean =>
  user.totpEnabledAt !== null;

const PROVES_SECOND_FACTOR: Record<AuthMethod, boolean> = {
  password: false,
  'password+totp': true,
  'password+recovery-code': true,
  passkey: true,
};

/** Whether a sign-in by this method proves an enrolled account's second factor. */
export const provesSecondFactor = (method: AuthMethod): boolean => PROVES_SECOND_FACTOR[method];

const secretBox = (policy: SecondFactorPolicy) => createSecretBox(policy.keys, 'totp-secret');
// Bound to the username, which never changes and, unlike the id, survives `db:copy`.
export const secretContext = (username: string) => `user:${username}`;

export const sealTotpSecret = (policy: SecondFactorPolicy, username: string, secret: string) =>
  secretBox(policy).seal(secret, secretContext(username));

/**
 * Checks the answer against the account's second factor. Wrong answers are security events and
 * count towards the account's block, or, for the login of a browser the account trusts
 * (`trustedDeviceId`), towards that browser's; a right one resets that count.
 */
export async function checkSecondFactor(
  db: Db,
  user: UserRow,
  answer: SecondFactorAnswer,
  purpose: string,
  ctx: { now: Date; client: ClientInfo },
  policies: AuthPolicies,
  trustedDeviceId: string | null = null,
): Promise<SecondFactorCheck> {
  const { now, client } = ctx;
  const throttle = {
    ...policies.throttle,
    accountFreeFailures: FREE_FAILURES,
    accountFirstDelayMs: FIRST_DELAY_MS,
    accountMaxDelayMs: Math.max(policies.throttle.accountMaxDelayMs, MAX_DELAY_MS),
  };
  const started = await startSecondFactorAttempt(
    db,
    { userId: user.id, trustedDeviceId },
    now,
    throttle,
    checkHoldMs(),
  );
  if (!started.allowed) {
    await recordSecurityEvent(
      db,
      { type: 'throttled', userId: user.id, detail: `${purpose}:second_factor` },
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
  let matched: AuthMethod | null | Refused;
  try {
    matched = await matchAnswer(db, user, answer, now, policies.secondFactor);
  } catch (error) {
    await releaseLoginAttempt(db, attempt).catch(() => undefined);
    throw error;
  }
  if (isBusy(matched)) {
    await releaseLoginAttempt(db, attempt);
    return matched;
  }
  if (!matched) {
    await recordLoginFailure(db, attempt, now, throttle);
    await recordSecurityEvent(
      db,
      { type: 'second_factor_failure', userId: user.id, detail: purpose },
      client,
      now,
    );
    return { ok: false, reason: 'invalid' };
  }
  await recordLoginSuccess(db, attempt);
  if (matched === 'password+recovery-code')
    await recordSecurityEvent(
      db,
      { type: 'recovery_code_used', userId: user.id, detail: purpose },
      client,
      now,
    );
  return { ok: true, method: matched as 'password+totp' | 'password+recovery-code' };
}

async function matchAnswer(
  db: Db,
  user: UserRow,
  answer: SecondFactorAnswer,
  now: Date,
  policy: SecondFactorPolicy,
): Promise<AuthMethod | null | Refused> {
  if (!user.totpSecret || !isEnrolled(user)) return null;
  if (typeof answer.code === 'string' && answer.code.trim() !== '') {
    const secret = secretBox(policy).open(user.totpSecret, secretContext(user.username));
    if (secret === null) return null; // sealed under a key no longer configured
    const step = matchTotpStep(secret, answer.code, now, policy.driftSteps);
    return step !== null && (await advanceTotpStep(db, user.id, step)) ? 'password+totp' : null;
  }
  const code = normalizeRecoveryCode(answer.recoveryCode);
  if (!code) return null;
  for (const row of await findUnusedRecoveryCodes(db, user.id, code.slice(0, LOOKUP_LENGTH))) {
    const valid = await orBusy(verifyPassword(code, row.codeHash));
    if (isBusy(valid)) return valid;
    if (valid)
      return (await consumeRecoveryCode(db, row.id, now)) ? 'password+recovery-code' : null;
  }
  return null;
}

export type ReauthenticationRequired = {
  ok: false;
  reason: 'reauthentication_required';
  message: string;
};

const REAUTHENTICATION_REQUIRED: ReauthenticationRequired = Object.freeze({
  ok: false,
  reason: 'reauthentication_required',
  message: 'Confirm it is you first: enter your password and a code from your authenticator app.',
});

/**
 * Sensitive changes on an account with a second factor need every factor proved in this session
 * within the last REAUTH_WINDOW (at sign-in, or by reauthenticating): null when that holds. A
 * session signed in with the password alone (one that began just before enrolment finished, say)
 * is never fresh for such an account. The password is asked for by each change itself. The time
 * is the session row's, not the cookie's.
 */
export async function requireFreshAuthentication(
  db: Db,
  userId: number,
  session: { authMethod: AuthMethod; reauthenticatedAt: Date | null },
  now: Date,
  policy: SecondFactorPolicy,
): Promise<ReauthenticationRequired | null> {
  const user = await findUserById(db, userId);
  return !user || isFresh(session, isEnrolled(user), now, policy)
    ? null
    : REAUTHENTICATION_REQUIRED;
}

/** Whether the session may make sensitive changes now (see requireFreshAuthentication). */
export const isFresh = (
  session: { authMethod: AuthMethod; reauthenticatedAt: Date | null },
  enrolled: boolean,
  now: Date,
  policy: SecondFactorPolicy,
): boolean =>
  !enrolled ||
  (provesSecondFactor(session.authMethod) &&
    session.reauthenticatedAt !== null &&
    now.getTime() - session.reauthenticatedAt.getTime() < policy.reauthWindowMs);
