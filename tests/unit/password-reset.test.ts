import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyEmail } from '@/lib/auth/email';
import { logIn } from '@/lib/auth/login';
import {
  completePasswordReset,
  findPasswordReset,
  requestPasswordReset,
} from '@/lib/auth/password-reset';
import { createSession, validateSessionToken } from '@/lib/auth/session';
import { registerUser } from '@/lib/auth/users';
import {
  createTestDb,
  queuedMail,
  TEST_POLICIES,
  testContext,
  testMailer,
  type TestDb,
  PASSWORD_SIGN_IN,
  registerWithVerifiedEmail,
} from '../fixtures/test-db';

const now = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const password = 'violet lanterns drift slowly';
const newPassword = 'amber kites over quiet fields';
let t: TestDb;
let mailer: ReturnType<typeof testMailer>;

beforeEach(async () => {
  t = await createTestDb();
  mailer = testMailer();
  await registerWithVerifiedEmail(
    t.db,
    mailer,
    { username: 'alice', password, email: 'alice@example.com' },
    now,
  );
  await registerUser(
    t.db,
    { username: 'bob', password, confirmPassword: password },
    testContext(now),
    TEST_POLICIES,
    mailer,
  ); // no address
});
afterEach(() => t.close());

const ask = (identifier: unknown, ip = '198.51.100.1', when = now) =>
  requestPasswordReset(t.db, { identifier }, testContext(when, ip), TEST_POLICIES, mailer);
const resetMail = async () => (await queuedMail(t.db)).filter((m) => m.kind === 'password_reset');
const tokenOf = (mail: { content: { text: string } | null }) =>
  /reset-password\?token=([\w-]{43})/.exec(mail.content!.text)![1]!;
const complete = (token: string, pw = newPassword, when = now) =>
  completePasswordReset(
    t.db,
    { token, newPassword: pw, confirmNewPassword: pw },
    testContext(when),
    TEST_POLICIES,
    mailer,
  );

describe('requestPasswordReset', () => {
  it('mails a link to the verified address, found by username or by address, and to nobody else', async () => {
    for (const identifier of [
      'Alice',
      'ALICE@example.com',
      'bob',
      'nobody',
      'nobody@example.com',
      '',
      42,
      'x'.repeat(5000),
    ])
      await ask(identifier);
    const sent = await resetMail();
    expect(sent.map((m) => m.recipient)).toEqual(['alice@example.com', 'alice@example.com']);
    expect(sent[1]!.content!.text).toMatch(
      /^https:\/\/gatehouse\.test\/reset-password\?token=[\w-]{43}$/m,
    );
  });

  it('keeps only the hash of the token, and a new link retires the old one', async () => {
    await ask('alice');
    await ask('alice');
    const [first, second] = (await resetMail()).map(tokenOf);
    const stored = JSON.stringify(await t.db.orm.select().from(t.db.tables.oneTimeTokens));
    expect(stored).not.toContain(first);
    expect(stored).not.toContain(second);
    expect(await complete(first!)).toEqual({ ok: false, reason: 'invalid_link' });
    expect(await complete(second!)).toEqual({ ok: true, username: 'alice' });
  });

  it('stops mailing, silently, past the limits per account and per address', async () => {
    for (let i = 0; i < 5; i++) await ask('alice', `203.0.113.${i}`);
    expect(await resetMail()).toHaveLength(TEST_POLICIES.throttle.resetsPerAccount);
    for (let i = 0; i < 20; i++)
      await ask(i % 2 ? 'nobody' : 'alice', '203.0.113.99', at(2 * 3600_000));
    expect(await resetMail()).toHaveLength(TEST_POLICIES.throttle.resetsPerAccount * 2);
    // Per IP: another account on the busy address gets nothing once the address has used its share.
    await registerUser(
      t.db,
      { username: 'carol', password, confirmPassword: password, email: 'carol@example.com' },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    await verifyEmail(
      t.db,
      /token=([\w-]{43})/.exec((await queuedMail(t.db)).at(-1)!.content!.text)![1],
      testContext(now),
    );
    await ask('carol', '203.0.113.99', at(2 * 3600_000));
    expect((await resetMail()).filter((m) => m.recipient === 'carol@example.com')).toHaveLength(0);
  });
});

describe('completePasswordReset', () => {
  let token: string;
  beforeEach(async () => {
    await ask('alice');
    token = tokenOf((await resetMail())[0]!);
  });

  it('works once: the password changes, every session and other link ends, the counters clear, nobody is signed in', async () => {
    const session = await createSession(
      t.db,
      1,
      PASSWORD_SIGN_IN,
      testContext(now).client,
      now,
      TEST_POLICIES.session,
    );
    for (let i = 0; i < 3; i++)
      await logIn(
        t.db,
        { username: 'alice', password: 'wrong guess here' },
        testContext(now),
        TEST_POLICIES,
      );
    expect(await findPasswordReset(t.db, token, now)).toEqual({ username: 'alice' });
    const both = await Promise.all([complete(token), complete(token)]);
    expect(both.filter((r) => r.ok)).toEqual([{ ok: true, username: 'alice' }]);
    expect(both.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'invalid_link' }]);
    expect(await findPasswordReset(t.db, token, now)).toBeNull();
    expect(
      (await validateSessionToken(t.db, session.token, now, TEST_POLICIES.session)).session,
    ).toBeNull();
    expect(await t.db.orm.select().from(t.db.tables.sessions)).toHaveLength(0);
    expect(
      await t.db.orm
        .select()
        .from(t.db.tables.throttleCounters)
        .then((rows) => rows.filter((r) => r.key === 'login-account:alice')),
    ).toEqual([]);
    expect(
      (await logIn(t.db, { username: 'alice', password }, testContext(now), TEST_POLICIES)).ok,
    ).toBe(false);
    expect(
      (
        await logIn(
          t.db,
          { username: 'alice', password: newPassword },
          testContext(now),
          TEST_POLICIES,
        )
      ).ok,
    ).toBe(true);
    const notice = (await queuedMail(t.db)).find((m) => m.kind === 'notice_password_reset');
    expect(notice).toMatchObject({ recipient: 'alice@example.com' });
    const events = await t.db.orm.select().from(t.db.tables.securityEvents);
    expect(events.map((e) => e.type)).toContain('password_reset');
  });

  it('uses nothing up for a weak password, a mismatch, or a link that has expired', async () => {
    expect(await complete(token, 'too short')).toMatchObject({
      ok: false,
      reason: 'invalid',
      fieldErrors: { newPassword: expect.stringMatching(/at least 15/) },
    });
    expect(await complete(token, 'alice in wonderland, again')).toMatchObject({
      fieldErrors: { newPassword: 'Password must not contain your username.' },
    });
    expect(
      await completePasswordReset(
        t.db,
        { token, newPassword, confirmNewPassword: 'different' },
        testContext(now),
        TEST_POLICIES,
        mailer,
      ),
    ).toMatchObject({
      fieldErrors: { confirmNewPassword: 'Passwords do not match.' },
    });
    expect(await complete(token, newPassword, at(20 * 60_000 + 1))).toEqual({
      ok: false,
      reason: 'invalid_link',
    });
    expect(await complete(token)).toEqual({ ok: true, username: 'alice' });
  });

  it('refuses a tampered or malformed token without looking further', async () => {
    for (const bad of [
      `${token.slice(0, -1)}${token.at(-1) === 'A' ? 'B' : 'A'}`,
      '',
      'x'.repeat(5000),
      null,
      42,
    ]) {
      expect(
        await completePasswordReset(
          t.db,
          { token: bad, newPassword, confirmNewPassword: newPassword },
          testContext(now),
          TEST_POLICIES,
          mailer,
        ),
      ).toEqual({
        ok: false,
        reason: 'invalid_link',
      });
    }
  });
});
