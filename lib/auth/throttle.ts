import type { Db } from '@/db';
import {
  countAttemptUnlessBlocked,
  deleteCounter,
  findCounter,
  incrementCounter,
  settleHold,
  uncount,
  type CounterState,
} from '@/db/queries/throttle';
import { metrics } from '../metrics';
import { clientThrottleKey } from './client-throttle-key';
import type { ThrottlePolicy } from './context';

export type Refusal = {
  allowed: false;
  scope: 'account' | 'ip' | 'registration';
  retryAfterSeconds: number;
};
export type ThrottleDecision = { allowed: true } | Refusal;

// An account's failure count is forgotten after a day without failures.
const ACCOUNT_MEMORY_MS = 24 * 60 * 60 * 1000;

/**
 * Whose password attempts are counted together: the account, or, for a browser that has logged
 * in to that account before (a device cookie), that browser alone.
 */
export type LoginSubject = { username: string; trustedDeviceId?: string | null };

export const accountKey = (username: string) => `login-account:${username}`;
const subjectKey = (subject: LoginSubject) =>
  subject.trustedDeviceId
    ? `login-device:${subject.trustedDeviceId}`
    : accountKey(subject.username);
const ipKey = (ip: string | null, policy: ThrottlePolicy) =>
  `login-ip:${clientThrottleKey(ip, policy)}`;
const registrationKey = (ip: string | null, policy: ThrottlePolicy) =>
  `register-ip:${clientThrottleKey(ip, policy)}`;
/** Whose passkey sign-in starts are counted together: a trusted browser's own, or its network's. */
export const passkeyStartKey = (
  ip: string | null,
  trustedDeviceId: string | null,
  policy: ThrottlePolicy,
) => (trustedDeviceId ? `passkey-device:${trustedDeviceId}` : `passkey-${ipKey(ip, policy)}`);

const ALLOWED: ThrottleDecision = { allowed: true };

function refuse(scope: Refusal['scope'], until: Date, now: Date): Refusal {
  metrics().throttleRefusals.inc({ scope });
  return {
    allowed: false,
    scope,
    retryAfterSeconds: Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000)),
  };
}

/** A password attempt that was let through, counted already; its answer settles it. */
export type LoginAttempt = {
  subjectKey: string;
  ipKey: string | null;
  count: number;
  heldUntil: Date | null;
};

/**
 * Lets a password attempt through, or refuses it, and counts it before the password is checked:
 * guesses sent all at once are counted as they arrive, so together they get no more tries than
 * one after another would. From the free allowance on, an attempt holds the account until its
 * answer is known (`recordLoginFailure`, `recordLoginSuccess`, `releaseLoginAttempt`), or for
 * `holdMs` should the answer never come.
 *
 * A trusted browser (device cookie) is counted on its own counter only: the per-IP limit is
 * there for strangers, and many people share an address (an office, a mobile carrier), so what
 * strangers did from it must not lock its owners out.
 */
export async function startLoginAttempt(
  db: Db,
  subject: LoginSubject,
  ip: string | null,
  now: Date,
  policy: ThrottlePolicy,
  holdMs: number,
): Promise<{ allowed: true; attempt: LoginAttempt } | Refusal> {
  const byIpKey = subject.trustedDeviceId ? null : ipKey(ip, policy);
  const key = subjectKey(subject);
  // Reads first: a flood of attempts that are refused anyway then writes nothing.
  const ipBefore = byIpKey ? await findCounter(db, byIpKey) : undefined;
  const accountBefore = await findCounter(db, key);
  if (ipBefore && ipBefore.resetAt > now && ipBefore.count >= policy.ipFailures)
    return refuse('ip', ipBefore.resetAt, now);
  if (accountBefore?.blockedUntil && accountBefore.blockedUntil > now)
    return refuse('account', freeAt(accountBefore, now, policy), now);

  // Then count, each in one statement, so attempts arriving together are counted one by one.
  if (byIpKey) {
    const byIp = await incrementCounter(db, byIpKey, now, policy.ipWindowMs);
    if (byIp.count > policy.ipFailures) {
      await uncount(db, byIpKey);
      return refuse('ip', byIp.resetAt, now);
    }
  }
  const counted = await countAttempt(db, key, byIpKey, now, policy, holdMs);
  if (!counted.allowed && byIpKey) await uncount(db, byIpKey);
  return counted;
}

// Counts the attempt against its subject in one statement, unless the subject is blocked.
async function countAttempt(
  db: Db,
  key: string,
  byIpKey: string | null,
  now: Date,
  policy: ThrottlePolicy,
  holdMs: number,
): Promise<{ allowed: true; attempt: LoginAttempt } | Refusal> {
  const heldUntil = new Date(now.getTime() + holdMs);
  const count = await countAttemptUnlessBlocked(
    db,
    key,
    now,
    ACCOUNT_MEMORY_MS,
    policy.accountFreeFailures,
    heldUntil,
  );
  if (count === null)
    return refuse('account', freeAt(await findCounter(db, key), now, policy), now);
  const holds = count >= policy.accountFreeFailures;
  return {
    allowed: true,
    attempt: { subjectKey: key, ipKey: byIpKey, count, heldUntil: holds ? heldUntil : null },
  };
}

/** Whose second-factor codes are counted together: the account's, from browsers it has not seen. */
export const secondFactorKey = (userId: number) => `second-factor:${userId}`;

/**
 * Whose codes are counted together: the account's, or, for a pending login started in a browser
 * that had logged in to the account before (a device cookie), that browser's alone.
 */
export type SecondFactorSubject = { userId: number; trustedDeviceId?: string | null };

const secondFactorSubjectKey = (subject: SecondFactorSubject) =>
  subject.trustedDeviceId
    ? `second-factor-device:${subject.trustedDeviceId}`
    : secondFactorKey(subject.userId);

/**
 * Lets a second-factor code through, or refuses it, counting it first, on its subject's own
 * counter: only someone who knew the password gets this far, so there is no per-IP limit, and
 * failures block it with the same growing delays as wrong passwords. As for passwords, a trusted
 * browser has a counter of its own, so a stranger who has the password cannot keep the owner out
 * by spending the account's codes. Its answer settles it as a password attempt's does
 * (`recordLoginFailure` and the others).
 */
export async function startSecondFactorAttempt(
  db: Db,
  subject: SecondFactorSubject,
  now: Date,
  policy: ThrottlePolicy,
  holdMs: number,
): Promise<{ allowed: true; attempt: LoginAttempt } | Refusal> {
  const key = secondFactorSubjectKey(subject);
  const before = await findCounter(db, key);
  if (before?.blockedUntil && before.blockedUntil > now)
    return refuse('account', freeAt(before, now, policy), now);
  return countAttempt(db, key, null, now, policy, holdMs);
}

/**
 * A wrong password: the attempt stays counted against the account (known or not, so the throttle
 * reveals nothing) and the IP. From the free allowance on, each failure blocks the account for
 * twice as long as the one before, 1 s, 2 s, 4 s ... (from the policy's first delay) up to the
 * cap, counted from `failedAt`, when the failure was known.
 */
export async function recordLoginFailure(
  db: Db,
  attempt: LoginAttempt,
  failedAt: Date,
  policy: ThrottlePolicy,
): Promise<void> {
  if (!attempt.heldUntil) return;
  await settleHold(
    db,
    attempt.subjectKey,
    attempt.heldUntil,
    new Date(failedAt.getTime() + blockMs(attempt.count, policy)),
  );
}

const blockMs = (count: number, policy: ThrottlePolicy) =>
  Math.min(
    policy.accountMaxDelayMs,
    (policy.accountFirstDelayMs ?? 1000) *
      2 ** Math.min(Math.max(0, count - policy.accountFreeFailures), 30),
  );

/**
 * When a blocked account may try again. A hold (an attempt still being checked) is reported as
 * the block it would earn, plus a second for the check, rather than its full length.
 */
function freeAt(counter: CounterState | undefined, now: Date, policy: ThrottlePolicy): Date {
  const soon = new Date(now.getTime() + 1000);
  if (!counter?.blockedUntil || counter.blockedUntil <= now) return soon; // settled meanwhile
  return new Date(
    Math.min(counter.blockedUntil.getTime(), now.getTime() + blockMs(counter.count, policy) + 1000),
  );
}

/**
 * A right password resets its subject's consecutive failures and gives the IP its attempt back
 * (the IP's failures stand). A trusted browser's success leaves the account's count alone, so
 * strangers get no fresh allowance.
 */
export async function recordLoginSuccess(db: Db, attempt: LoginAttempt): Promise<void> {
  await deleteCounter(db, attempt.subjectKey);
  if (attempt.ipKey) await uncount(db, attempt.ipKey);
}

/** An attempt whose password was never checked (no hashing thread was free, or the check threw) counts for nothing. */
export async function releaseLoginAttempt(db: Db, attempt: LoginAttempt): Promise<void> {
  if (attempt.heldUntil) await settleHold(db, attempt.subjectKey, attempt.heldUntil, null);
  await uncount(db, attempt.subjectKey);
  if (attempt.ipKey) await uncount(db, attempt.ipKey);
}

export async function checkRegistrationAllowed(
  db: Db,
  ip: string | null,
  now: Date,
  policy: ThrottlePolicy,
): Promise<ThrottleDecision> {
  const counter = await findCounter(db, registrationKey(ip, policy));
  if (counter && counter.resetAt > now && counter.count >= policy.registrationsPerIp) {
    return refuse('registration', counter.resetAt, now);
  }
  return ALLOWED;
}

export async function recordRegistration(
  db: Db,
  ip: string | null,
  now: Date,
  policy: ThrottlePolicy,
): Promise<void> {
  await incrementCounter(db, registrationKey(ip, policy), now, policy.registrationWindowMs);
}

/** A sentence for the person who was refused. */
export function describeRefusal(decision: Refusal): string {
  const wait = formatWait(decision.retryAfterSeconds);
  if (decision.scope === 'registration')
    return `Too many accounts were created from your network. Try again in ${wait}.`;
  return `Too many failed attempts. Try again in ${wait}.`;
}

export function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
