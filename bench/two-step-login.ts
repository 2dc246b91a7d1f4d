import { Secret, TOTP } from 'otpauth';
import type { Db } from '@/db';
import { enableTotp } from '@/db/queries/second-factor';
import { findUserById } from '@/db/queries/users';
import { runTransaction } from '@/db/transaction';
import { checkSecondFactor, sealTotpSecret } from '@/lib/auth/second-factor-check';
import type { AuthPolicies } from '@/lib/auth/context';
import { generateTotpSecret } from '@/lib/auth/totp';
import { medianMicroseconds } from './micro';

// The second factor's figures: what one code check costs, and how many full two-step logins
// (password, then code) the server completes per second against the hashing pool's limit.

const STEP_MS = 30_000;
const codeAt = (secret: string, when: number) =>
  new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: when });

/** Turns two-step sign-in on for these users, sealed under `keys`; their secrets, by user id. */
export async function seedSecondFactor(
  db: Db,
  users: { id: number; username: string }[],
  keys: readonly string[],
): Promise<Map<number, string>> {
  const policy = {
    issuer: 'Gatehouse',
    reauthWindowMs: 600_000,
    driftSteps: 0,
    required: 'none' as const,
    keys,
  };
  const secrets = new Map<number, string>();
  for (const { id, username } of users) {
    const secret = generateTotpSecret();
    secrets.set(id, secret);
    await runTransaction(db, [
      enableTotp(db, id, sealTotpSecret(policy, username, secret), new Date(0), 0),
    ]);
  }
  return secrets;
}

/**
 * The median time of one authenticator-code check in this process (open the sealed secret,
 * match the code, move the last used step forward, settle the throttle), each at a later step.
 */
export async function measureCodeCheck(
  db: Db,
  userId: number,
  secret: string,
  policies: AuthPolicies,
  ms: number,
): Promise<number> {
  const user = await findUserById(db, userId);
  let when = Date.now();
  return medianMicroseconds(
    'code check',
    async () => {
      when += STEP_MS;
      const now = new Date(when);
      const checked = await checkSecondFactor(
        db,
        user!,
        { code: codeAt(secret, when) },
        'bench',
        { now, client: { ip: null, userAgent: null } },
        policies,
      );
      if (!checked.ok) throw new Error('a right code was refused');
    },
    ms,
  );
}

/**
 * Full two-step logins over HTTP, each user once (a code works once): the password, then the
 * code with the pending-login cookie, `concurrency` at a time. Logins per second.
 */
export async function measureTwoStepLogins(
  baseUrl: string,
  users: { username: string; password: string; secret: string }[],
  concurrency: number,
): Promise<{ perSecond: number; failed: number }> {
  const queue = [...users];
  let failed = 0;
  const post = (path: string, body: object, cookie?: string) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });
  const worker = async () => {
    for (let user = queue.shift(); user; user = queue.shift()) {
      const first = await post('/api/auth/login', {
        username: user.username,
        password: user.password,
      });
      const pending = first.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      await first.arrayBuffer();
      const second = await post(
        '/api/auth/login/second-factor',
        { code: codeAt(user.secret, Date.now() + STEP_MS) },
        pending,
      );
      await second.arrayBuffer();
      if (first.status !== 202 || second.status !== 200) failed++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { perSecond: (users.length * 1000) / (performance.now() - start), failed };
}
