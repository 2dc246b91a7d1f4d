import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@/db';
import { logIn } from '@/lib/auth/login';
import { configureHashPool, hashPassword } from '@/lib/auth/password-hashing';
import { purgeExpiredData } from '@/lib/auth/maintenance';
import { recordLoginFailure, startLoginAttempt, type LoginSubject } from '@/lib/auth/throttle';
import { registerUser } from '@/lib/auth/users';
import {
  createTestDb,
  targetOf,
  TEST_POLICIES,
  testContext,
  type TestDb,
} from '../fixtures/test-db';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const password = 'violet lanterns drift slowly';
const policy = TEST_POLICIES.throttle;
const HOLD_MS = 60_000;

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
  await registerUser(
    t.db,
    { username: 'alice', password, confirmPassword: password },
    testContext(t0),
    TEST_POLICIES,
  );
});
afterEach(() => t.close());

const tryLogin = (pw: string, ms: number, ip = '198.51.100.1') =>
  logIn(t.db, { username: 'alice', password: pw }, testContext(at(ms), ip), TEST_POLICIES);

/** A wrong password at `ms` as the throttle sees it; false when the attempt was refused. */
async function fail(subject: LoginSubject, ip: string, ms: number, db = t.db): Promise<boolean> {
  const started = await startLoginAttempt(db, subject, ip, at(ms), policy, HOLD_MS);
  if (started.allowed) await recordLoginFailure(db, started.attempt, at(ms), policy);
  return started.allowed;
}
/** Four wrong guesses, then a fifth that queues behind a hash holding the only thread for a second or more. */
async function fifthGuessBehindABusyThread() {
  configureHashPool({ threads: 1, queueTimeoutMs: 10_000 });
  for (let i = 0; i < 4; i++) await tryLogin('wrong guess number x', 0);
  const holding = hashPassword('keeps the thread busy', 14);
  const started = performance.now();
  return { fifth: tryLogin('wrong guess number x', 0), holding, started };
}
const counter = async (key: string) =>
  (await t.db.orm.select().from(t.db.tables.throttleCounters)).find((r) => r.key === key);

describe('per-account throttling', () => {
  it('allows five failures, then refuses even the right password for 1 s, 2 s, 4 s ...', async () => {
    for (let i = 0; i < 4; i++)
      expect(await tryLogin('wrong guess number x', 0)).toEqual({ ok: false, reason: 'invalid' });
    expect(await tryLogin('wrong guess number x', 0)).toEqual({ ok: false, reason: 'invalid' }); // the fifth
    // Each block runs from when its failure was known, a few milliseconds of hashing after the
    // request's time: the steps below leave half a second for that.
    expect(await tryLogin(password, 500)).toMatchObject({
      ok: false,
      reason: 'throttled',
      retryAfterSeconds: 1,
    });
    expect(await tryLogin('wrong guess number x', 1500)).toEqual({ ok: false, reason: 'invalid' }); // sixth: 2 s
    expect(await tryLogin(password, 3000)).toMatchObject({
      reason: 'throttled',
      retryAfterSeconds: 1,
    });
    expect(await tryLogin('wrong guess number x', 4000)).toEqual({ ok: false, reason: 'invalid' }); // seventh: 4 s
    expect(await tryLogin(password, 4500)).toMatchObject({
      reason: 'throttled',
      retryAfterSeconds: 4,
    });
    expect((await tryLogin(password, 8500)).ok).toBe(true);
  });

  it('starts a block when the failure is known, so a guess that waited for a hashing thread still meets all of it', async () => {
    const { fifth, holding, started } = await fifthGuessBehindABusyThread();
    expect(await fifth).toEqual({ ok: false, reason: 'invalid' });
    const waitedMs = performance.now() - started;
    await holding;
    expect(waitedMs).toBeGreaterThan(200);
    // Measured from the request's time the 1 s block would be over by now; it is not.
    expect(await tryLogin(password, 1000, '192.0.2.1')).toMatchObject({ reason: 'throttled' });
    expect((await tryLogin(password, 1000 + waitedMs + 1, '192.0.2.1')).ok).toBe(true);
  });

  it('resets the count after a success', async () => {
    for (let i = 0; i < 5; i++) await tryLogin('wrong guess number x', 0);
    expect((await tryLogin(password, 1500)).ok).toBe(true);
    for (let i = 0; i < 4; i++) await tryLogin('wrong guess number x', 1500);
    expect((await tryLogin(password, 1500)).ok).toBe(true);
  });

  it('caps the delay, so strangers can never lock an account for good', async () => {
    let ms = 0;
    for (let failures = 0; failures < 40;) {
      const started = await startLoginAttempt(
        t.db,
        { username: 'alice' },
        `203.0.113.${failures}`,
        at(ms),
        policy,
        HOLD_MS,
      );
      if (!started.allowed)
        ms += started.retryAfterSeconds * 1000; // blocked: come back when told
      else {
        await recordLoginFailure(t.db, started.attempt, at(ms), policy);
        failures++;
      }
    }
    expect(
      await startLoginAttempt(t.db, { username: 'alice' }, '192.0.2.1', at(ms), policy, HOLD_MS),
    ).toEqual({ allowed: false, scope: 'account', retryAfterSeconds: 900 });
    expect((await tryLogin(password, ms + 900_000, '192.0.2.1')).ok).toBe(true);
  });

  it('counts unknown usernames the same way, so the throttle reveals nothing', async () => {
    const guess = () =>
      logIn(
        t.db,
        { username: 'nobody', password: 'wrong guess number x' },
        testContext(t0),
        TEST_POLICIES,
      );
    for (let i = 0; i < 5; i++) expect(await guess()).toEqual({ ok: false, reason: 'invalid' });
    expect(await guess()).toMatchObject({ reason: 'throttled' });
  });

  it('counts guesses sent all at once as they arrive: five are checked, the rest refused', async () => {
    const guesses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        tryLogin(`wrong guess number ${i}`, 0, `203.0.113.${i % 3}`),
      ),
    );
    const outcomes = guesses.map((g) => (g.ok ? 'ok' : g.reason));
    expect(outcomes.filter((o) => o === 'invalid')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'throttled')).toHaveLength(25);
    // The refused ones count for nothing: after the one-second block, one more guess, then two seconds.
    expect((await counter('login-account:alice'))?.count).toBe(5);
    expect(await tryLogin('wrong guess number 31', 1500)).toEqual({ ok: false, reason: 'invalid' });
    expect(await tryLogin(password, 3000)).toMatchObject({ reason: 'throttled' });
    expect((await tryLogin(password, 4000)).ok).toBe(true);
  });

  it('holds the account while the guess past the free ones is checked, then blocks it from the answer', async () => {
    const { fifth, holding, started } = await fifthGuessBehindABusyThread();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the fifth has been counted and waits
    expect(await tryLogin(password, 100)).toMatchObject({
      reason: 'throttled',
      retryAfterSeconds: 2,
    });
    await holding;
    expect(await fifth).toEqual({ ok: false, reason: 'invalid' });
    const answeredMs = performance.now() - started;
    expect(await tryLogin(password, answeredMs + 500)).toMatchObject({ reason: 'throttled' });
    expect((await tryLogin(password, answeredMs + 1001)).ok).toBe(true);
  });

  it('takes back an attempt whose check failed with an error, so it neither counts nor holds the account', async () => {
    for (let i = 0; i < 4; i++) await tryLogin('wrong guess number x', 0);
    // A stored hash bcrypt cannot read makes the check itself throw.
    await t.db.orm.update(t.db.tables.users).set({ passwordHash: `$9z$10$${'x'.repeat(53)}` });
    await expect(tryLogin(password, 0)).rejects.toThrow();
    expect(await counter('login-account:alice')).toMatchObject({ count: 4, blockedUntil: null });
    expect((await counter('login-ip:198.51.100.1'))?.count).toBe(4);
  });
});

describe('trusted devices (device cookies)', () => {
  const device = { username: 'alice', deviceId: 'device-of-alice' };
  const tryFrom = (pw: string, ms: number, trusted: typeof device | null, ip = '198.51.100.1') =>
    logIn(
      t.db,
      { username: 'alice', password: pw },
      testContext(at(ms), ip),
      TEST_POLICIES,
      trusted,
    );

  it("let the owner's usual browser in while strangers have the account blocked", async () => {
    for (let i = 0; i < 10; i++) await tryFrom('stranger guess here', i, null, `203.0.113.${i}`);
    expect(await tryFrom(password, 100, null)).toMatchObject({ reason: 'throttled' });
    expect((await tryFrom(password, 100, device)).ok).toBe(true);
    // ...and the owner's success gives the strangers no fresh allowance.
    expect(await tryFrom(password, 200, null)).toMatchObject({ reason: 'throttled' });
  });

  it('are throttled on their own count, so a stolen device cookie is no free pass', async () => {
    for (let i = 0; i < 5; i++)
      expect(await tryFrom('device guess here', 0, device)).toEqual({
        ok: false,
        reason: 'invalid',
      });
    expect(await tryFrom(password, 500, device)).toMatchObject({ reason: 'throttled' });
    expect((await tryFrom(password, 500, null)).ok).toBe(true); // the account itself was never blocked
  });

  it('are not refused by the per-IP limit that strangers filled from their address, nor count against it', async () => {
    // Strangers behind the owner's address (an office, a carrier) spray every other account.
    for (let i = 0; i < 50; i++)
      expect(await fail({ username: `victim${i}` }, '198.51.100.1', i)).toBe(true);
    expect(await tryFrom(password, 100, null)).toMatchObject({ reason: 'throttled' });
    expect(await tryFrom('owner mistypes it', 100, device)).toEqual({
      ok: false,
      reason: 'invalid',
    });
    expect((await tryFrom(password, 200, device)).ok).toBe(true);
    expect((await counter('login-ip:198.51.100.1'))?.count).toBe(50);
  });

  it('count only for the account they were issued for', async () => {
    for (let i = 0; i < 10; i++) await tryFrom('stranger guess here', i, null, `203.0.113.${i}`);
    const otherAccountsDevice = { username: 'bob', deviceId: 'device-of-bob' };
    expect(await tryFrom(password, 100, otherAccountsDevice)).toMatchObject({
      reason: 'throttled',
    });
  });
});

describe('per-IP throttling', () => {
  it('caps failures from one IP across many accounts (password spraying)', async () => {
    for (let i = 0; i < 50; i++)
      expect(await fail({ username: `victim${i}` }, '203.0.113.66', i * 1000)).toBe(true);
    expect(
      await startLoginAttempt(
        t.db,
        { username: 'someone-new' },
        '203.0.113.66',
        at(60_000),
        policy,
        HOLD_MS,
      ),
    ).toEqual({
      allowed: false,
      scope: 'ip',
      retryAfterSeconds: 840,
    });
    expect(
      await startLoginAttempt(
        t.db,
        { username: 'someone-new' },
        '203.0.113.67',
        at(60_000),
        policy,
        HOLD_MS,
      ),
    ).toMatchObject({ allowed: true });
    expect(
      await startLoginAttempt(
        t.db,
        { username: 'someone-new' },
        '203.0.113.66',
        at(900_000),
        policy,
        HOLD_MS,
      ),
    ).toMatchObject({ allowed: true });
  });

  it('caps guesses from one IP sent all at once across many accounts', async () => {
    const guesses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        logIn(
          t.db,
          { username: `victim${i}`, password: 'wrong guess number x' },
          testContext(t0, '203.0.113.66'),
          TEST_POLICIES,
        ),
      ),
    );
    const outcomes = guesses.map((g) => (g.ok ? 'ok' : g.reason));
    expect(outcomes.filter((o) => o === 'invalid')).toHaveLength(50);
    expect(outcomes.filter((o) => o === 'throttled')).toHaveLength(10);
    expect((await counter('login-ip:203.0.113.66'))?.count).toBe(50);
  });
});

describe('counters', () => {
  it('are shared by every connection to the database and lose no update', async () => {
    const second = openDatabase(targetOf(t.url));
    // All at once: on PostgreSQL these are 50 concurrent upserts over two pools.
    const started = await Promise.all(
      Array.from({ length: 25 }, (_, i) => [
        fail({ username: `a${i}` }, '203.0.113.5', 0),
        fail({ username: `b${i}` }, '203.0.113.5', 0, second),
      ]).flat(),
    );
    expect(started.every(Boolean)).toBe(true);
    expect((await counter('login-ip:203.0.113.5'))?.count).toBe(50);
    expect(
      await startLoginAttempt(second, { username: 'x' }, '203.0.113.5', t0, policy, HOLD_MS),
    ).toMatchObject({ allowed: false, scope: 'ip' });
    await second.close();
  });

  it('are purged once their window has passed', async () => {
    await fail({ username: 'alice' }, '203.0.113.5', 0);
    const purgeAt = async (ms: number) =>
      (
        await purgeExpiredData(t.db, at(ms), {
          session: TEST_POLICIES.session,
          eventRetentionDays: 90,
        })
      ).throttleCounters;
    expect(await purgeAt(60_000)).toBe(0);
    expect(await purgeAt(24 * 3600_000)).toBeGreaterThanOrEqual(2);
    expect(await t.db.orm.select().from(t.db.tables.throttleCounters)).toHaveLength(0);
  });
});
