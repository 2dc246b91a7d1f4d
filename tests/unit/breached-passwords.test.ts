import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BREACH_CHECK_UNAVAILABLE,
  BREACHED_PASSWORD,
  checkBreachedPassword,
} from '@/lib/auth/breached-passwords';
import type { AuthPolicies, BreachedPasswordPolicy } from '@/lib/auth/context';
import { logIn } from '@/lib/auth/login';
import {
  completePasswordReset,
  findPasswordReset,
  requestPasswordReset,
} from '@/lib/auth/password-reset';
import { createSession, validateSessionToken } from '@/lib/auth/session';
import { changePassword, registerUser } from '@/lib/auth/users';
import { metrics } from '@/lib/metrics';
import {
  SLOW_ANSWER_MS,
  sha1Hex,
  startBreachedPasswordsStub,
  type BreachedPasswordsStub,
} from '../fixtures/breached-passwords-stub';
import {
  actorOf,
  createTestDb,
  PASSWORD_SIGN_IN,
  queuedMail,
  registerWithVerifiedEmail,
  TEST_POLICIES,
  testContext,
  testMailer,
  type TestDb,
} from '../fixtures/test-db';

const now = new Date('2026-01-01T00:00:00Z');
const password = 'violet lanterns drift slowly';
const breached = 'correct horse battery staple forever';
const TIMEOUT_MS = 1000;

let stub: BreachedPasswordsStub;
// A stub of its own for each test: answers are cached per API URL and prefix.
beforeEach(async () => {
  stub = await startBreachedPasswordsStub();
  stub.breach(breached, 1234);
});
afterEach(() => stub.close());

const policiesWith = (onError: BreachedPasswordPolicy['onError'] = 'accept'): AuthPolicies => ({
  ...TEST_POLICIES,
  user: {
    ...TEST_POLICIES.user,
    breachedPasswords: { apiUrl: stub.url, timeoutMs: TIMEOUT_MS, onError },
  },
});
const check = (pw: string) => checkBreachedPassword(pw, stub.url, TIMEOUT_MS);

/** Every request asked for a five-digit prefix, with padding, and carried nothing more. */
function expectOnlyPrefixesSent(...passwords: string[]) {
  expect(stub.requests.length).toBeGreaterThan(0);
  for (const request of stub.requests) {
    expect(request.method).toBe('GET');
    expect(request.path).toMatch(/^\/range\/[0-9A-F]{5}$/);
    expect(request.headers['add-padding']).toBe('true');
    const sent = JSON.stringify(request);
    for (const pw of passwords) {
      expect(sent).not.toContain(pw);
      expect(sent.toUpperCase()).not.toContain(sha1Hex(pw).slice(0, 6));
    }
  }
}

const failures = async () =>
  (await metrics().breachedPasswordChecks.get()).values.find((v) => v.labels.outcome === 'failed')
    ?.value ?? 0;

describe('checkBreachedPassword', () => {
  it('finds a breached password, sending only the first five hex digits of its SHA-1 and asking for padding', async () => {
    expect(await check(breached)).toEqual({ ok: true, breached: true });
    expect(stub.requests.map((r) => r.path)).toEqual([`/range/${sha1Hex(breached).slice(0, 5)}`]);
    expectOnlyPrefixesSent(breached);
  });

  it('counts neither a padding entry (count 0) nor an unlisted password as breached', async () => {
    stub.pad(password);
    expect(await check(password)).toEqual({ ok: true, breached: false });
    expect(await check('amber kites over quiet fields')).toEqual({ ok: true, breached: false });
    expectOnlyPrefixesSent(password, 'amber kites over quiet fields');
  });

  it('answers a prefix it has seen from its cache', async () => {
    await check(breached);
    expect(await check(breached)).toEqual({ ok: true, breached: true });
    expect(stub.requests).toHaveLength(1);
  });

  it('gives up on a slow answer at the timeout, and asks again next time', async () => {
    stub.behaviour = 'slow';
    const started = performance.now();
    expect(await check(breached)).toEqual({ ok: false, failure: 'timeout' });
    expect(performance.now() - started).toBeLessThan(SLOW_ANSWER_MS / 2);
    stub.behaviour = 'answer';
    expect(await check(breached)).toEqual({ ok: true, breached: true });
    expect(stub.requests).toHaveLength(2);
  });

  it('counts a 503, an oversized answer, a malformed one and no server at all as failures', async () => {
    stub.behaviour = 'unavailable';
    expect(await check(breached)).toEqual({ ok: false, failure: 'status 503' });
    stub.behaviour = 'oversized';
    expect(await check(breached)).toEqual({ ok: false, failure: 'answer too large' });
    stub.behaviour = 'malformed';
    expect(await check(breached)).toEqual({ ok: false, failure: 'malformed answer' });
    const gone = stub.url;
    await stub.close();
    expect(await checkBreachedPassword(breached, gone, TIMEOUT_MS)).toEqual({
      ok: false,
      failure: 'unreachable',
    });
    stub = await startBreachedPasswordsStub(); // for afterEach
  });
});

describe('every way a password is set', () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb();
  });
  afterEach(() => t.close());

  const register = (pw: string, policies = policiesWith()) =>
    registerUser(
      t.db,
      { username: 'alice', password: pw, confirmPassword: pw },
      testContext(now),
      policies,
    );
  const events = () => t.db.orm.select().from(t.db.tables.securityEvents);

  it('registration refuses a breached password on the password field and stores nothing', async () => {
    expect(await register(breached)).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { password: BREACHED_PASSWORD },
    });
    expect(await t.db.orm.select().from(t.db.tables.users)).toHaveLength(0);
    expect(await register(password)).toMatchObject({ ok: true });
    expectOnlyPrefixesSent(breached, password);
  });

  it('a password change refuses a breached new password, and the old password and sessions stay', async () => {
    await register(password);
    const alice = { id: 1, username: 'alice' };
    const session = await createSession(
      t.db,
      1,
      PASSWORD_SIGN_IN,
      testContext(now).client,
      now,
      TEST_POLICIES.session,
    );
    expect(
      await changePassword(
        t.db,
        actorOf(alice),
        { currentPassword: password, newPassword: breached, confirmNewPassword: breached },
        testContext(now),
        policiesWith(),
      ),
    ).toEqual({ ok: false, reason: 'invalid', fieldErrors: { newPassword: BREACHED_PASSWORD } });
    expect(
      (await validateSessionToken(t.db, session.token, now, TEST_POLICIES.session)).session,
    ).not.toBeNull();
    expect(
      (await logIn(t.db, { username: 'alice', password }, testContext(now), TEST_POLICIES)).ok,
    ).toBe(true);
    expectOnlyPrefixesSent(breached);
  });

  it('a password reset refuses a breached new password and leaves the link usable', async () => {
    const mailer = testMailer();
    await registerWithVerifiedEmail(
      t.db,
      mailer,
      { username: 'alice', password, email: 'alice@example.com' },
      now,
    );
    await requestPasswordReset(
      t.db,
      { identifier: 'alice' },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    const mail = (await queuedMail(t.db)).find((m) => m.kind === 'password_reset')!;
    const token = /token=([\w-]{43})/.exec(mail.content!.text)![1]!;
    const reset = (pw: string) =>
      completePasswordReset(
        t.db,
        { token, newPassword: pw, confirmNewPassword: pw },
        testContext(now),
        policiesWith(),
        mailer,
      );
    expect(await reset(breached)).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { newPassword: BREACHED_PASSWORD },
    });
    expect(await findPasswordReset(t.db, token, now)).toEqual({ username: 'alice' });
    expect(await reset('amber kites over quiet fields')).toEqual({ ok: true, username: 'alice' });
    expectOnlyPrefixesSent(breached, 'amber kites over quiet fields');
  });

  it('when no answer comes in time, accepts the password, records a security event and counts it', async () => {
    stub.behaviour = 'slow';
    const before = await failures();
    expect(await register(breached)).toMatchObject({ ok: true });
    expect(await failures()).toBe(before + 1);
    const failed = (await events()).filter((e) => e.type === 'breach_check_failed');
    expect(failed).toMatchObject([
      { userId: null, detail: 'timeout; password accepted', ip: '198.51.100.1' },
    ]);
    const stored = JSON.stringify(await events());
    expect(stored).not.toContain(breached);
    expect(stored).not.toContain(sha1Hex(breached).slice(0, 5));
  });

  it('with BREACHED_PASSWORD_ON_ERROR=refuse, asks to try again instead, and stores nothing', async () => {
    stub.behaviour = 'unavailable';
    expect(await register(password, policiesWith('refuse'))).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { password: BREACH_CHECK_UNAVAILABLE },
    });
    expect(await t.db.orm.select().from(t.db.tables.users)).toHaveLength(0);
    expect((await events()).map((e) => e.detail)).toEqual(['status 503; password refused']);
  });

  it('asks nothing when BREACHED_PASSWORD_API is empty', async () => {
    expect(await register(breached, TEST_POLICIES)).toMatchObject({ ok: true });
    expect(stub.requests).toHaveLength(0);
  });
});
