import type { Db } from '@/db';
import { insertPasskey } from '@/db/queries/passkeys';
import {
  assert,
  createSoftwarePasskey,
  type SoftwarePasskey,
} from '../tests/fixtures/software-authenticator';

// Passkey sign-ins over HTTP for the benchmark, from passkeys held in this process
// (tests/fixtures/software-authenticator.ts). No bcrypt is involved on the server.

// Each authenticator's browser keeps the device cookie its last sign-in set.
type Authenticator = SoftwarePasskey & { username: string; deviceCookie?: string };

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
 * then the assertion with the challenge cookie. Each authenticator's browser sends the device
 * cookie of its last sign-in, as a returning browser does, so only its first sign-in comes from a
 * new browser (with its notice). Sign-ins per second, and how many failed.
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
  const cookiesOf = (response: Response) =>
    response.headers.getSetCookie().map((c) => c.split(';')[0]!);
  let done = 0;
  let failed = 0;
  let next = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const authenticator = authenticators[next++ % authenticators.length]!;
      const device = authenticator.deviceCookie;
      const options = await post('/api/auth/passkeys/login-options', {}, device);
      const cookie = [...cookiesOf(options), ...(device ? [device] : [])].join('; ');
      const { challenge } = (await options.json()) as { challenge: string };
      const signedIn = await post(
        '/api/auth/passkeys/login',
        { response: assert(authenticator, challenge, baseUrl) },
        cookie,
      );
      await signedIn.arrayBuffer();
      const set = cookiesOf(signedIn).find((c) => /^(__Host-)?device=./.test(c));
      if (set) authenticator.deviceCookie = set;
      if (signedIn.status === 200) done++;
      else failed++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { perSecond: (done * 1000) / (performance.now() - start), failed };
}
