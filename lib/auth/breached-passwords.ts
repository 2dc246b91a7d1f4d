import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Db } from '@/db';
import { metrics } from '../metrics';
import type { AuthPolicies, RequestContext } from './context';
import { recordSecurityEvent } from './events';

// ASVS 6.2.12 through Have I Been Pwned's range API (k-anonymity): only the first five hex digits
// of the password's SHA-1 leave the server. The answer lists every breached hash under that prefix
// with its count, padded with made-up ones of count 0 (Add-Padding) so its size tells an observer
// nothing, and the match is made here. Nothing of the password is logged or stored.

export const BREACHED_PASSWORD = 'This password has appeared in a data breach. Choose another.';
export const BREACH_CHECK_UNAVAILABLE =
  'Gatehouse cannot check this password against known data breaches right now. Try again in a moment.';

const PREFIX_LENGTH = 5;
// A padded answer is a few tens of KiB; one far larger is not an answer to trust or to hold.
const MAX_ANSWER_BYTES = 256 * 1024;
const ANSWER_LINE = /^([0-9A-F]{35}):(\d+)$/i;

// Answers by prefix (public data, unlike the hashes asked about), so a password tried again soon
// after, or a prefix many passwords share, costs no request.
const ranges = new LRUCache<string, ReadonlySet<string>>({ max: 64, ttl: 3600_000 });

export type BreachCheck = { ok: true; breached: boolean } | { ok: false; failure: string };

/** Whether the password is among the breached ones, or why no answer came. */
export async function checkBreachedPassword(
  password: string,
  apiUrl: string,
  timeoutMs: number,
): Promise<BreachCheck> {
  const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
  const prefix = sha1.slice(0, PREFIX_LENGTH);
  const key = `${apiUrl} ${prefix}`;
  let breached = ranges.get(key);
  if (!breached) {
    const answer = await fetchRange(apiUrl, prefix, timeoutMs);
    if (!answer.ok) return answer;
    breached = answer.suffixes;
    ranges.set(key, breached);
  }
  return { ok: true, breached: breached.has(sha1.slice(PREFIX_LENGTH)) };
}

async function fetchRange(
  apiUrl: string,
  prefix: string,
  timeoutMs: number,
): Promise<{ ok: true; suffixes: Set<string> } | { ok: false; failure: string }> {
  try {
    // The signal bounds the whole exchange, reading the body included: the request always ends.
    const response = await fetch(`${apiUrl}/range/${prefix}`, {
      headers: { 'Add-Padding': 'true', 'User-Agent': 'Gatehouse' },
      signal: AbortSignal.timeout(timeoutMs),
      cache: 'no-store',
      redirect: 'error',
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      return { ok: false, failure: `status ${response.status}` };
    }
    const text = await readAtMost(response, MAX_ANSWER_BYTES);
    if (text === null) return { ok: false, failure: 'answer too large' };
    return parseRange(text);
  } catch (error) {
    const timedOut =
      error instanceof DOMException &&
      (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { ok: false, failure: timedOut ? 'timeout' : 'unreachable' };
  }
}

async function readAtMost(response: Response, maxBytes: number): Promise<string | null> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks).toString('utf8');
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
}

/** The suffixes with a count above zero: padding entries (count 0) are no breach. */
function parseRange(
  text: string,
): { ok: true; suffixes: Set<string> } | { ok: false; failure: string } {
  const suffixes = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const entry = ANSWER_LINE.exec(line);
    if (!entry) return { ok: false, failure: 'malformed answer' };
    if (Number(entry[2]) > 0) suffixes.add(entry[1]!.toUpperCase());
  }
  return { ok: true, suffixes };
}

/**
 * The message for a new password's field when it must not be used, or null: breached, or (with
 * BREACHED_PASSWORD_ON_ERROR=refuse) not checked because no answer came. A check that failed is
 * recorded as a security event and counted in the metrics. Call it once the password's own rules
 * pass, before hashing it.
 */
export async function getBreachProblem(
  db: Db,
  password: string,
  ctx: RequestContext,
  policies: Pick<AuthPolicies, 'user'>,
  userId: number | null = null,
): Promise<string | null> {
  const policy = policies.user.breachedPasswords;
  if (!policy.apiUrl) return null;
  const check = await checkBreachedPassword(password, policy.apiUrl, policy.timeoutMs);
  const counter = metrics().breachedPasswordChecks;
  if (check.ok) {
    counter.inc({ outcome: check.breached ? 'breached' : 'not_breached' });
    return check.breached ? BREACHED_PASSWORD : null;
  }
  counter.inc({ outcome: 'failed' });
  const refuse = policy.onError === 'refuse';
  await recordSecurityEvent(
    db,
    {
      type: 'breach_check_failed',
      userId,
      detail: `${check.failure}; password ${refuse ? 'refused' : 'accepted'}`,
    },
    ctx.client,
    ctx.now,
  );
  return refuse ? BREACH_CHECK_UNAVAILABLE : null;
}
