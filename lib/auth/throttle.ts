import type { Db } from '@/db';
import { deleteCounter, deleteExpiredCounters, extendBlock, findCounter, incrementCounter } from '@/db/queries/throttle';

export type ThrottlePolicy = {
  accountFreeFailures: number; // consecutive failures allowed before delays start
  accountMaxDelayMs: number; // the delay doubles up to this cap: never a permanent lockout
  ipFailures: number; // failed logins per client IP, across all accounts, per window
  ipWindowMs: number;
  registrationsPerIp: number;
  registrationWindowMs: number;
};

export type ThrottleDecision =
  | { allowed: true }
  | { allowed: false; scope: 'account' | 'ip' | 'registration'; retryAfterSeconds: number };

// An account's failure count is forgotten after a day without failures.
const ACCOUNT_MEMORY_MS = 24 * 60 * 60 * 1000;

/**
 * Whose password attempts are counted together: the account, or, for a browser that has logged
 * in to that account before (a device cookie), that browser alone.
 */
export type LoginSubject = { username: string; trustedDeviceId?: string | null };

const accountKey = (username: string) => `login-account:${username}`;
const subjectKey = (subject: LoginSubject) =>
  subject.trustedDeviceId ? `login-device:${subject.trustedDeviceId}` : accountKey(subject.username);
const ipKey = (ip: string | null) => `login-ip:${ip ?? 'unknown'}`;
const registrationKey = (ip: string | null) => `register-ip:${ip ?? 'unknown'}`;

const ALLOWED: ThrottleDecision = { allowed: true };

function refuse(scope: 'account' | 'ip' | 'registration', until: Date, now: Date): ThrottleDecision {
  return { allowed: false, scope, retryAfterSeconds: Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000)) };
}

/** Whether a password may be tried now for this account from this IP. Counts nothing. */
export async function checkLoginAllowed(
  db: Db,
  subject: LoginSubject,
  ip: string | null,
  now: Date,
  policy: ThrottlePolicy,
): Promise<ThrottleDecision> {
  const byIp = await findCounter(db, ipKey(ip));
  if (byIp && byIp.resetAt > now && byIp.count >= policy.ipFailures) return refuse('ip', byIp.resetAt, now);
  const byAccount = await findCounter(db, subjectKey(subject));
  if (byAccount?.blockedUntil && byAccount.blockedUntil > now) return refuse('account', byAccount.blockedUntil, now);
  return ALLOWED;
}

/**
 * Counts a wrong password against the account (known or not, so the throttle reveals nothing)
 * and the IP. From the free allowance on, each failure blocks the account for twice as long as
 * the one before: 1 s, 2 s, 4 s ... up to the cap.
 */
export async function recordLoginFailure(
  db: Db,
  subject: LoginSubject,
  ip: string | null,
  now: Date,
  policy: ThrottlePolicy,
): Promise<void> {
  await incrementCounter(db, ipKey(ip), now, policy.ipWindowMs, false);
  const key = subjectKey(subject);
  const account = await incrementCounter(db, key, now, ACCOUNT_MEMORY_MS, true);
  const excess = account.count - policy.accountFreeFailures;
  if (excess >= 0) {
    const delayMs = Math.min(policy.accountMaxDelayMs, 1000 * 2 ** Math.min(excess, 30));
    await extendBlock(db, key, new Date(now.getTime() + delayMs));
  }
}

/**
 * A right password resets its subject's consecutive failures (the IP's count stands). A trusted
 * browser's success leaves the account's count alone, so strangers get no fresh allowance.
 */
export async function recordLoginSuccess(db: Db, subject: LoginSubject): Promise<void> {
  await deleteCounter(db, subjectKey(subject));
}

export async function checkRegistrationAllowed(
  db: Db,
  ip: string | null,
  now: Date,
  policy: ThrottlePolicy,
): Promise<ThrottleDecision> {
  const counter = await findCounter(db, registrationKey(ip));
  if (counter && counter.resetAt > now && counter.count >= policy.registrationsPerIp) {
    return refuse('registration', counter.resetAt, now);
  }
  return ALLOWED;
}

export async function recordRegistration(db: Db, ip: string | null, now: Date, policy: ThrottlePolicy): Promise<void> {
  await incrementCounter(db, registrationKey(ip), now, policy.registrationWindowMs, false);
}

export async function purgeExpiredCounters(db: Db, now: Date): Promise<number> {
  return deleteExpiredCounters(db, now);
}

/** A sentence for the person who was refused. */
export function describeRefusal(decision: Extract<ThrottleDecision, { allowed: false }>): string {
  const wait = formatWait(decision.retryAfterSeconds);
  if (decision.scope === 'registration') return `Too many accounts were created from your network. Try again in ${wait}.`;
  return `Too many failed attempts. Try again in ${wait}.`;
}

function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
