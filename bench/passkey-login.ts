import type { Db } from '@/db';
import { insertPasskey } from '@/db/queries/passkeys';
import {
  assert,
  createSoftwarePasskey,
  type SoftwarePasskey,
} from '../tests/fixtures/software-authenticator';

// Passkey sign-ins over HTTP for the benchmark, from passkeys held in this process
// (tests/fixtures/software-authenticator.ts). No bcrypt is involved on the server.

type Authenticator = SoftwarePasskey & { username: string };

/** Gives each user a passkey held by a software authenticator here. */
export async function seedPasskeys(
  db: Db,
  users: { id: number; username: string }[],
): Promise<Authenticator[]> {
  const authenticators: Authenticator[] = [];
  for (const { id, username } of users) {
    const passkey = createSoftwarePasskey(`bench-passkey-${id}`);
    await insertPasskey(db, {
      userId: id,
      credentialId: passkey.credentialId,
      publicKey: passkey.publicKey,
      counter: 0,
      transports: null,
      name: 'Benchmark',
      createdAt: new Date(),
      lastUsedAt: null,
    });
    authenticators.push({ ...passkey, username });
  }
  return authenticators;
}

/**
 * Passkey sign-ins for `seconds`, `concurrency` at a time, round the authenticators: options,
 * then the assertion with the challenge cookie. Sign-ins per second, and how many failed.
 */
export async function measurePasskeyLogins(
  baseUrl: string,
  authenticators: Authenticator[],
  concurrency: number,
  seconds: number,
): Promise<{ perSecond: number; failed: number }> {
  const post = (path: string, body: object, cookie?: string) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });
  let done = 0;
  let failed = 0;
  let next = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const authenticator = authenticators[next++ % authenticators.length]!;
      const options = await post('/api/auth/passkeys/login-options', {});
      const cookie = options.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const { challenge } = (await options.json()) as { challenge: string };
      const signedIn = await post(
        '/api/auth/passkeys/login',
        { response: assert(authenticator, challenge, baseUrl) },
        cookie,
      );
      await signedIn.arrayBuffer();
      if (signedIn.status === 200) done++;
      else failed++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { perSecond: (done * 1000) / (performance.now() - start), failed };
}
