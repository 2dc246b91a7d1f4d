import { readFileSync } from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { getLogger } from '../logger';
import type { PasswordPolicy, Refused } from './context';
import { comparePassword, hashPassword, isHashingBusyError } from './password-hashing';

// bcrypt reads only the first 72 bytes of its input; longer passwords are refused rather than
// silently truncated, so two passwords sharing a 72-byte prefix can never match each other.
export const BCRYPT_MAX_BYTES = 72;

type PasswordRule = {
  message: (policy: PasswordPolicy, password: string) => string;
  fails: (password: string, username: string, policy: PasswordPolicy) => boolean;
};

// For every length the settings allow, the most common passwords at least that long, lower-cased
// (scripts/common-passwords.ts; docs/decisions/008-common-password-list.md). Read on the first
// check, keeping only those long enough to pass the length rule: the rest could never get past it,
// and the server holds a fraction of the list.
const COMMON_PASSWORDS_FILE = path.resolve(
  /*turbopackIgnore: true*/ process.cwd(),
  'lib',
  'auth',
  'common-passwords.json',
);
let commonPasswords: { minLength: number; set: Set<string> } | undefined;

function isCommonPassword(password: string, minLength: number): boolean {
  if (commonPasswords?.minLength !== minLength) {
    const list = JSON.parse(readFileSync(COMMON_PASSWORDS_FILE, 'utf8')) as string[];
    const set = new Set(list.filter((entry) => [...entry].length >= minLength));
    commonPasswords = { minLength, set };
  }
  return commonPasswords.set.has(password.toLowerCase());
}

// Length is counted in Unicode code points, as NIST SP 800-63B-4 asks; no composition rules.
const rules: PasswordRule[] = [
  {
    // A lone UTF-16 surrogate is valid in JSON but not in a form: browsers replace it when they
    // submit one, so an account with such a password could only ever log in through the API.
    fails: (password) => !password.isWellFormed(),
    message: () =>
      'Password contains a character that cannot be typed in a form (a lone surrogate). Choose another.',
  },
  {
    fails: (password, _username, policy) => [...password].length < policy.minLength,
    message: (policy) => `Password must be at least ${policy.minLength} characters long.`,
  },
  {
    fails: (password) => Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES,
    message: () =>
      `Password is too long: at most ${BCRYPT_MAX_BYTES} bytes (64 plain letters always fit; emoji and accents take more).`,
  },
  {
    fails: (password, _username, policy) => isCommonPassword(password, policy.minLength),
    message: () => 'That password is on a list of commonly used passwords. Choose another.',
  },
  {
    fails: (password, username) => username.length > 0 && password.toLowerCase().includes(username),
    message: () => 'Password must not contain your username.',
  },
  {
    fails: (password, _username, policy) => contextWordIn(password, policy) !== undefined,
    message: (policy, password) =>
      `Password must not contain "${contextWordIn(password, policy)}", a name tied to this site.`,
  },
];

// ASVS 6.2.11: the documented context words (PASSWORD_CONTEXT_WORDS, APP_NAME, APP_ORIGIN's host).
function contextWordIn(password: string, policy: PasswordPolicy): string | undefined {
  const lower = password.toLowerCase();
  return policy.contextWords.find((word) => lower.includes(word));
}

/** The first rule the password breaks, as a message for the person typing it, or null. */
export function getPasswordProblem(
  password: string,
  username: string,
  policy: PasswordPolicy,
): string | null {
  const broken = rules.find((rule) => rule.fails(password, username, policy));
  return broken ? broken.message(policy, password) : null;
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  // An over-long password can never be right, but it still pays for the comparison so its
  // answer takes as long as any other and reveals nothing about the account.
  const tooLong = Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES;
  const matches = await comparePassword(
    tooLong ? password.slice(0, BCRYPT_MAX_BYTES) : password,
    hash,
  );
  return matches && !tooLong;
}

/** The answer when no hashing thread was free within the queue timeout: try again shortly. */
export const BUSY: Refused = Object.freeze({
  ok: false,
  reason: 'busy',
  retryAfterSeconds: 5,
  message: 'Gatehouse is busy checking other passwords. Try again in a moment.',
});

export const isBusy = <T>(value: T | Refused): value is Refused =>
  typeof value === 'object' && value !== null && (value as Refused).reason === 'busy';

// Refusals come in floods, so they are logged at most once per interval, each line counting the
// refusals since the one before.
const BUSY_LOG_INTERVAL_MS = 10_000;
const busyLog = { refused: 0, loggedAt: -Infinity };

/** The hashing work's result, or BUSY when its task was given up unrun. */
export async function orBusy<T>(work: Promise<T>): Promise<T | Refused> {
  try {
    return await work;
  } catch (error) {
    if (!isHashingBusyError(error)) throw error;
    busyLog.refused++;
    if (performance.now() - busyLog.loggedAt >= BUSY_LOG_INTERVAL_MS) {
      getLogger().warn({ event: 'password_check_busy', refused: busyLog.refused }, error.message);
      busyLog.refused = 0;
      busyLog.loggedAt = performance.now();
    }
    return BUSY;
  }
}

/** True when the stored hash was made with a lower cost than the one now configured. */
export function needsRehash(hash: string, cost: number): boolean {
  return bcrypt.getRounds(hash) < cost;
}

// On globalThis, as the hashing pool is (password-hashing.ts): instrumentation.ts makes the dummy
// hash at start, and the routes' own copy of this module must find it.
const holder = globalThis as typeof globalThis & {
  gatehouseDummyHashes?: Map<number, Promise<string>>;
};
const dummyHashes = (holder.gatehouseDummyHashes ??= new Map<number, Promise<string>>());

/**
 * Spends the same time as verifying a real user's password, so an unknown username
 * cannot be told apart from a wrong password by the response time.
 */
export async function verifyDummyPassword(password: string, cost: number): Promise<false> {
  let dummy = dummyHashes.get(cost);
  if (!dummy) {
    // Made once, with no wait limit: were it given up while busy, unknown names would wait for
    // two tasks where known ones wait for one, and timing would tell them apart.
    const making = hashPassword('gatehouse-dummy-password', cost, Infinity);
    dummyHashes.set(cost, making);
    making.catch(() => {
      if (dummyHashes.get(cost) === making) dummyHashes.delete(cost); // failed: made again next time
    });
    dummy = making;
  }
  await comparePassword(password.slice(0, BCRYPT_MAX_BYTES), await dummy);
  return false;
}
