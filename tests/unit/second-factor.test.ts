import { execFileSync } from 'node:child_process';
import { Secret, TOTP } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  completeLogIn,
  completeSecondFactor,
  logIn,
  SecondFactorBypassError,
} from '@/lib/auth/login';
import { rotateEncryptionKeys } from '@/lib/auth/maintenance';
import { completePasswordReset, requestPasswordReset } from '@/lib/auth/password-reset';
import {
  confirmTotpEnrolment,
  disableTotp,
  getSecondFactorStatus,
  reauthenticate,
  regenerateRecoveryCodes,
  resetSecondFactorByOperator,
  startTotpEnrolment,
} from '@/lib/auth/second-factor';
import { validateSessionToken } from '@/lib/auth/session';
import { changePassword, deleteAccount } from '@/lib/auth/users';
import type { Actor, AuthPolicies } from '@/lib/auth/context';
import {
  createTestDb,
  queuedMail,
  TEST_KEYS,
  TEST_POLICIES,
  testContext,
  testMailer,
  type TestDb,
  registerWithVerifiedEmail,
  logInFromNewBrowsers,
} from '../fixtures/test-db';

const now = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const STEP = 30_000;
const password = 'violet lanterns drift slowly';
const alice = { id: 1, username: 'alice' };
let t: TestDb;
let mailer: ReturnType<typeof testMailer>;
let secret: string;
let recoveryCodes: string[];

const codeAt = (when: Date, s = secret) =>
  new TOTP({ secret: Secret.fromBase32(s) }).generate({ timestamp: when.getTime() });
// The enrolling session: once enrolment is done it counts as signed in with both factors.
const sessionActor = (reauthenticatedAt: Date | null = null): Actor => ({
  user: alice,
  session: { id: 'the-enrolling-session', authMethod: 'password+totp', reauthenticatedAt },
});

async function enrol(policies: AuthPolicies = TEST_POLICIES) {
  const actor = sessionActor(now);
  const started = await startTotpEnrolment(
    t.db,
    actor,
    { currentPassword: password },
    testContext(now),
    policies,
  );
  if (!started.ok) throw new Error(`enrolment did not start: ${JSON.stringify(started)}`);
  secret = started.secret.replaceAll(' ', '');
  const confirmed = await confirmTotpEnrolment(
    t.db,
    actor,
    { enrolment: started.enrolment, code: codeAt(now) },
    testContext(now),
    policies,
    mailer,
  );
  if (!confirmed.ok) throw new Error(`enrolment failed: ${JSON.stringify(confirmed)}`);
  recoveryCodes = confirmed.recoveryCodes;
}

/** The password step of a login; the pending login's token. */
async function passwordStep(when = now): Promise<string> {
  const result = await logIn(
    t.db,
    { username: 'alice', password },
    testContext(when),
    TEST_POLICIES,
  );
  if (result.ok || result.reason !== 'second_factor_required')
    throw new Error(`expected a code prompt, got ${JSON.stringify(result)}`);
  return result.pendingToken;
}

const answer = (pending: string, given: { code?: string; recoveryCode?: string }, when = now) =>
  completeSecondFactor(t.db, pending, given, testContext(when), TEST_POLICIES, mailer);

const sessionCount = async () => (await t.db.orm.select().from(t.db.tables.sessions)).length;
const eventTypes = async () =>
  (await t.db.orm.select().from(t.db.tables.securityEvents)).map((e) => e.type);

beforeEach(async () => {
  t = await createTestDb();
  mailer = testMailer();
  await registerWithVerifiedEmail(
    t.db,
    mailer,
    { username: 'alice', password, email: 'alice@example.com' },
    now,
  );
});
afterEach(() => t.close());

describe('enrolment', () => {
  it('needs the password, turns on only after one right code, and keeps the secret and codes unreadable', async () => {
    const wrong = await startTotpEnrolment(
      t.db,
      sessionActor(),
      { currentPassword: 'not the password at all' },
      testContext(now),
      TEST_POLICIES,
    );
    expect(wrong).toMatchObject({ ok: false, reason: 'invalid' });

    const started = await startTotpEnrolment(
      t.db,
      sessionActor(),
      { currentPassword: password },
      testContext(now),
      TEST_POLICIES,
    );
    if (!started.ok) throw new Error('not started');
    const base32 = started.secret.replaceAll(' ', '');
    expect(base32).toMatch(/^[A-Z2-7]{32}$/); // 20 bytes
    expect(started.uri).toMatch(/^otpauth:\/\/totp\/Gatehouse:alice\?/);
    expect(started.uri).toContain('issuer=Gatehouse');
    expect(started.uri).toContain('algorithm=SHA1&digits=6&period=30');
    expect(started.svg).toMatch(/^<svg[^>]*>.*<\/svg>\s*$/s);
    expect(started.svg).not.toMatch(/<script|on\w+=/i);
    expect((await getSecondFactorStatus(t.db, 1)).enabledAt).toBeNull(); // nothing stored yet

    const wrongCode = await confirmTotpEnrolment(
      t.db,
      sessionActor(),
      {
        enrolment: started.enrolment,
        code: '000000' === codeAt(now, base32) ? '111111' : '000000',
      },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    expect(wrongCode).toMatchObject({ ok: false, reason: 'invalid' });
    // The enrolment belongs to the session that started it.
    const otherSession = await confirmTotpEnrolment(
      t.db,
      { user: alice, session: { ...sessionActor().session, id: 'another-session' } },
      { enrolment: started.enrolment, code: codeAt(now, base32) },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    expect(otherSession).toMatchObject({ ok: false, reason: 'enrolment_expired' });
    const late = await confirmTotpEnrolment(
      t.db,
      sessionActor(),
      { enrolment: started.enrolment, code: codeAt(at(11 * 60_000), base32) },
      testContext(at(11 * 60_000)),
      TEST_POLICIES,
      mailer,
    );
    expect(late).toMatchObject({ ok: false, reason: 'enrolment_expired' });

    const confirmed = await confirmTotpEnrolment(
      t.db,
      sessionActor(),
      { enrolment: started.enrolment, code: codeAt(now, base32) },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    if (!confirmed.ok) throw new Error('not confirmed');
    expect(confirmed.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.recoveryCodes).size).toBe(10);
    for (const code of confirmed.recoveryCodes)
      expect(code).toMatch(/^([0-9a-hjkmnp-tv-z]{4}-){3}[0-9a-hjkmnp-tv-z]{4}$/);

    const stored = JSON.stringify({
      users: await t.db.orm.select().from(t.db.tables.users),
      codes: await t.db.orm.select().from(t.db.tables.recoveryCodes),
    });
    expect(stored).not.toContain(base32);
    for (const code of confirmed.recoveryCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replaceAll('-', ''));
    }
    expect(await getSecondFactorStatus(t.db, 1)).toEqual({ enabledAt: now, recoveryCodesLeft: 10 });
    expect(await eventTypes()).toContain('second_factor_enabled');
    expect((await queuedMail(t.db)).map((m) => m.kind)).toContain('notice_second_factor_enabled');
  });

  it("mails its notice even after sign-ins from new browsers used up the hour's sign-in notices", async () => {
    await logInFromNewBrowsers(t.db, mailer, { username: 'alice', password }, now, 6);
    await enrol();
    const kinds = (await queuedMail(t.db)).map((m) => m.kind);
    expect(kinds.filter((k) => k === 'notice_new_browser')).toHaveLength(5);
    expect(kinds).toContain('notice_second_factor_enabled');
  });

  it('counts the confirming code as used: it cannot then sign in', async () => {
    await enrol();
    const pending = await passwordStep();
    expect(await answer(pending, { code: codeAt(now) })).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
  });
});

describe('signing in', () => {
  beforeEach(() => enrol());

  it('starts no session on the right password, then one recorded as password+totp on a right code', async () => {
    const sessionsBefore = await sessionCount();
    const pending = await passwordStep();
    expect(await sessionCount()).toBe(sessionsBefore);
    const result = await answer(pending, { code: codeAt(at(STEP)) }, at(STEP));
    expect(result).toMatchObject({ ok: true, user: alice, signIn: { method: 'password+totp' } });
    if (!result.ok) return;
    const started = await completeLogIn(
      t.db,
      result.user,
      result.signIn,
      testContext(at(STEP)),
      TEST_POLICIES_SESSION,
      null,
    );
    if (!started.ok) throw new Error('no session');
    const validated = await validateSessionToken(
      t.db,
      started.token,
      at(STEP),
      TEST_POLICIES_SESSION.session,
    );
    expect(validated.session).toMatchObject({
      authMethod: 'password+totp',
      reauthenticatedAt: at(STEP),
    });
    // The pending login is used up.
    expect(await answer(pending, { code: codeAt(at(2 * STEP)) }, at(2 * STEP))).toMatchObject({
      ok: false,
      reason: 'pending_expired',
    });
  });

  it('accepts a code once: replayed later, or sent twice at once, it works for one request only', async () => {
    const code = codeAt(at(STEP));
    const first = await answer(await passwordStep(), { code }, at(STEP));
    expect(first.ok).toBe(true);
    const replay = await answer(await passwordStep(at(STEP + 5000)), { code }, at(STEP + 5000));
    expect(replay).toMatchObject({ ok: false, reason: 'invalid' });

    const later = at(3 * STEP);
    const [a, b] = [await passwordStep(later), await passwordStep(later)];
    const both = await Promise.all([
      answer(a, { code: codeAt(later) }, later),
      answer(b, { code: codeAt(later) }, later),
    ]);
    expect(both.filter((r) => r.ok)).toHaveLength(1);
  });

  it("accepts only the server's own step's code by default, and with TOTP_DRIFT_STEPS=1 one step either way, not two", async () => {
    const when = at(10 * STEP);
    const early = codeAt(at(9 * STEP));
    const late = codeAt(at(11 * STEP));
    expect(await answer(await passwordStep(when), { code: early }, when)).toMatchObject({
      ok: false,
    });
    expect(await answer(await passwordStep(when), { code: late }, when)).toMatchObject({
      ok: false,
    });

    const drift = {
      ...TEST_POLICIES,
      secondFactor: { ...TEST_POLICIES.secondFactor, driftSteps: 1 },
    };
    const answerWithDrift = async (code: string, moment: Date) =>
      completeSecondFactor(
        t.db,
        await passwordStep(moment),
        { code },
        testContext(moment),
        drift,
        mailer,
      );
    expect((await answerWithDrift(early, when)).ok).toBe(true);
    const next = at(12 * STEP);
    expect((await answerWithDrift(codeAt(at(13 * STEP)), next)).ok).toBe(true);
    const far = at(20 * STEP);
    expect(await answerWithDrift(codeAt(at(18 * STEP)), far)).toMatchObject({ ok: false });
    expect(await answerWithDrift(codeAt(at(22 * STEP)), far)).toMatchObject({ ok: false });
  });

  it('gives a pending login five answers, blocks the account after a few wrong codes, records each and mails the owner once', async () => {
    const wrong = (code: string) => (code === '000000' ? '111111' : '000000');
    const pending = await passwordStep();
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push(await answer(pending, { code: wrong(codeAt(now)) }, at(i)));
    expect(answers.map((r) => r.ok === false && r.reason)).toEqual(Array(3).fill('invalid'));
    expect(answers[2]).toMatchObject({ message: expect.stringContaining('2 tries left') });
    // Past the free failures the account is blocked for a while, right code or not.
    const blocked = await answer(pending, { code: codeAt(at(500)) }, at(500));
    expect(blocked).toMatchObject({ ok: false, reason: 'throttled' });
    // Once the block lapses, a fifth wrong answer spends the pending login.
    const fifth = await answer(pending, { code: wrong(codeAt(at(120_000))) }, at(120_000));
    expect(fifth).toMatchObject({ ok: false, reason: 'pending_expired' });
    expect(await answer(pending, { code: codeAt(at(120_000)) }, at(120_000))).toMatchObject({
      reason: 'pending_expired',
    });
    const types = await eventTypes();
    expect(types.filter((t) => t === 'second_factor_failure')).toHaveLength(4);
    expect(
      (await queuedMail(t.db)).filter((m) => m.kind === 'notice_second_factor_failed'),
    ).toHaveLength(1);
    expect(await sessionCount()).toBe(0);
  });

  describe('a stranger who has the password', () => {
    const wrong = (code: string) => (code === '000000' ? '111111' : '000000');
    const ownersBrowser = { username: 'alice', deviceId: 'the-owners-laptop' };
    /** Wrong codes from a browser the account has not seen, until the account's codes are blocked. */
    async function blockTheAccountsCodes() {
      const pending = await passwordStep();
      for (let i = 0; i < 3; i++) await answer(pending, { code: wrong(codeAt(now)) }, at(i));
      expect(await answer(pending, { code: codeAt(at(500)) }, at(500))).toMatchObject({
        reason: 'throttled',
      });
    }
    const trustedPasswordStep = async (when: Date) => {
      const result = await logIn(
        t.db,
        { username: 'alice', password },
        testContext(when),
        TEST_POLICIES,
        ownersBrowser,
      );
      if (result.ok || result.reason !== 'second_factor_required')
        throw new Error(`expected a code prompt, got ${JSON.stringify(result)}`);
      return result.pendingToken;
    };

    it("cannot keep the owner's trusted browser out: its codes are counted on its own", async () => {
      await blockTheAccountsCodes();
      // Still blocked for strangers...
      expect(
        await answer(await passwordStep(at(1000)), { code: codeAt(at(1000)) }, at(1000)),
      ).toMatchObject({ reason: 'throttled' });
      // ...but the browser the owner signed in from before gets in with a right code.
      const owners = await trustedPasswordStep(at(1000));
      // (In the next step: this one's code was used at enrolment.)
      expect(await answer(owners, { code: codeAt(at(STEP)) }, at(STEP))).toMatchObject({
        ok: true,
        signIn: { method: 'password+totp' },
      });
      // That browser's own wrong codes block that browser alone.
      const again = await trustedPasswordStep(at(STEP * 2));
      for (let i = 0; i < 3; i++)
        await answer(again, { code: wrong(codeAt(at(STEP * 2))) }, at(STEP * 2 + i));
      expect(
        await answer(again, { code: codeAt(at(STEP * 2 + 500)) }, at(STEP * 2 + 500)),
      ).toMatchObject({ reason: 'throttled' });
    });

    it("is undone by the owner's password reset, which clears the account's code counter", async () => {
      await blockTheAccountsCodes();
      await requestPasswordReset(
        t.db,
        { identifier: 'alice' },
        testContext(at(1000)),
        TEST_POLICIES,
        mailer,
      );
      const mail = (await queuedMail(t.db)).find((m) => m.kind === 'password_reset')!;
      const token = /token=([\w-]{43})/.exec(mail.content!.text)![1]!;
      const newPassword = 'amber kites over quiet fields';
      expect(
        await completePasswordReset(
          t.db,
          { token, newPassword, confirmNewPassword: newPassword },
          testContext(at(1000)),
          TEST_POLICIES,
          mailer,
        ),
      ).toMatchObject({ ok: true });
      // From any browser, at once: the stranger's wrong codes no longer count.
      const result = await logIn(
        t.db,
        { username: 'alice', password: newPassword },
        testContext(at(2000)),
        TEST_POLICIES,
      );
      if (result.ok || result.reason !== 'second_factor_required') throw new Error('no prompt');
      expect(await answer(result.pendingToken, { code: codeAt(at(STEP)) }, at(STEP))).toMatchObject(
        {
          ok: true,
        },
      );
    });
  });

  it('refuses a pending login after five minutes, and a token that is not one', async () => {
    const pending = await passwordStep();
    const late = at(5 * 60_000 + 1000);
    expect(await answer(pending, { code: codeAt(late) }, late)).toMatchObject({
      reason: 'pending_expired',
    });
    expect(await answer('not-a-token', { code: codeAt(now) })).toMatchObject({
      reason: 'pending_expired',
    });
    expect(await answer('x'.repeat(43), { code: codeAt(now) })).toMatchObject({
      reason: 'pending_expired',
    });
  });

  it('accepts each recovery code once, in any case and spacing', async () => {
    const code = recoveryCodes[3]!;
    const first = await answer(await passwordStep(), {
      recoveryCode: ` ${code.toUpperCase().replaceAll('-', ' ')} `,
    });
    expect(first).toMatchObject({ ok: true, signIn: { method: 'password+recovery-code' } });
    expect(await answer(await passwordStep(), { recoveryCode: code })).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
    expect((await getSecondFactorStatus(t.db, 1)).recoveryCodesLeft).toBe(9);
    expect(await eventTypes()).toContain('recovery_code_used');
  });

  it('still asks for the code after a password reset', async () => {
    await requestPasswordReset(
      t.db,
      { identifier: 'alice' },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    const mail = (await queuedMail(t.db)).find((m) => m.kind === 'password_reset')!;
    const token = /token=([\w-]{43})/.exec(mail.content!.text)![1]!;
    const newPassword = 'amber kites over quiet fields';
    expect(
      await completePasswordReset(
        t.db,
        { token, newPassword, confirmNewPassword: newPassword },
        testContext(now),
        TEST_POLICIES,
        mailer,
      ),
    ).toMatchObject({ ok: true });
    const result = await logIn(
      t.db,
      { username: 'alice', password: newPassword },
      testContext(now),
      TEST_POLICIES,
    );
    expect(result).toMatchObject({ ok: false, reason: 'second_factor_required' });
  });
});

const TEST_POLICIES_SESSION = {
  session: { idleTimeoutMs: 30 * 60_000, absoluteTimeoutMs: 12 * 3600_000 },
  secondFactor: { required: 'none' as const },
};

describe('one enforcement point', () => {
  beforeEach(() => enrol());

  it('refuses to start a session by the password alone for an account with a second factor', async () => {
    await expect(
      completeLogIn(
        t.db,
        alice,
        { method: 'password', reauthenticatedAt: now, credentialsVersion: null },
        testContext(now),
        TEST_POLICIES_SESSION,
        null,
      ),
    ).rejects.toThrow(SecondFactorBypassError);
    expect(await sessionCount()).toBe(0);
  });

  it('lists every place in the code that starts a session: each goes through completeLogIn', () => {
    const grep = (pattern: string) =>
      execFileSync(
        'git',
        ['grep', '--untracked', '-l', '-E', pattern, '--', 'app', 'lib', 'server', 'scripts', 'db'],
        {
          encoding: 'utf8',
        },
      )
        .trim()
        .split('\n')
        .sort();
    // Sessions are inserted in one place, and created by one function, called from one place.
    // (db/copy.ts moves existing sessions to a new database; it starts none.)
    expect(grep('insertSessions?\\(')).toEqual([
      'db/copy.ts',
      'db/queries/sessions.ts',
      'lib/auth/session.ts',
    ]);
    expect(grep('createSession\\(')).toEqual(['lib/auth/login.ts', 'lib/auth/session.ts']);
    // completeLogIn is the core's (which refuses a skipped second factor) and the web's wrapper;
    // every adapter that signs someone in calls the wrapper with what the core answered.
    expect(grep('completeLogIn\\(')).toEqual([
      'app/(auth)/login/actions.ts',
      'app/(auth)/login/second-factor/actions.ts',
      'app/(auth)/register/actions.ts',
      'app/account/actions.ts',
      'app/api/auth/login/route.ts',
      'app/api/auth/login/second-factor/route.ts',
      'app/api/auth/passkeys/login/route.ts',
      'app/api/auth/password/route.ts',
      'app/api/auth/register/route.ts',
      'lib/auth/login.ts',
      'lib/web/login.ts',
    ]);
  });

  it('a password change in a session carries its sign-in, so the fresh session still proves both factors', async () => {
    const pending = await passwordStep();
    const done = await answer(pending, { code: codeAt(at(STEP)) }, at(STEP));
    if (!done.ok) throw new Error('not signed in');
    const actor: Actor = {
      user: alice,
      session: {
        id: 'x',
        authMethod: done.signIn.method,
        reauthenticatedAt: done.signIn.reauthenticatedAt,
      },
    };
    const newPassword = 'amber kites over quiet fields';
    const changed = await changePassword(
      t.db,
      actor,
      { currentPassword: password, newPassword, confirmNewPassword: newPassword },
      testContext(at(STEP)),
      TEST_POLICIES,
    );
    if (!changed.ok) throw new Error(JSON.stringify(changed));
    await expect(
      completeLogIn(
        t.db,
        alice,
        changed.signIn,
        testContext(at(STEP)),
        TEST_POLICIES_SESSION,
        null,
      ),
    ).resolves.toMatchObject({ session: { authMethod: 'password+totp' } });
  });
});

describe('fresh authentication', () => {
  beforeEach(() => enrol());
  const newPassword = 'amber kites over quiet fields';
  const change = (actor: Actor, when: Date) =>
    changePassword(
      t.db,
      actor,
      { currentPassword: password, newPassword, confirmNewPassword: newPassword },
      testContext(when),
      TEST_POLICIES,
    );

  it('lets sensitive changes through only within REAUTH_WINDOW of proving every factor', async () => {
    const stale = sessionActor(now);
    const late = at(TEST_POLICIES.secondFactor.reauthWindowMs + 1000);
    expect(await change(stale, late)).toMatchObject({
      ok: false,
      reason: 'reauthentication_required',
    });
    expect(
      await deleteAccount(t.db, alice, testContext(late), {
        password,
        session: stale.session,
        policies: TEST_POLICIES,
      }),
    ).toMatchObject({ ok: false, reason: 'reauthentication_required' });
    expect(
      await regenerateRecoveryCodes(
        t.db,
        stale,
        { currentPassword: password },
        testContext(late),
        TEST_POLICIES,
        mailer,
      ),
    ).toMatchObject({ ok: false, reason: 'reauthentication_required' });

    // Reauthenticating needs the password and a code, and is recorded on the session row.
    expect(
      await reauthenticate(
        t.db,
        stale,
        { currentPassword: password, code: '12' },
        testContext(late),
        TEST_POLICIES,
      ),
    ).toMatchObject({ ok: false, reason: 'invalid' });
    expect(
      await reauthenticate(
        t.db,
        stale,
        { currentPassword: password, code: codeAt(late) },
        testContext(late),
        TEST_POLICIES,
      ),
    ).toEqual({ ok: true, rotated: null }); // a made-up session: no token to rotate
    expect(await change(sessionActor(late), late)).toMatchObject({ ok: true });
  });

  it('turns the second factor off with a recovery code, and mails a notice', async () => {
    const actor = sessionActor(now);
    expect(
      await disableTotp(
        t.db,
        actor,
        { currentPassword: password, recoveryCode: 'aaaa-bbbb-cccc-dddd' },
        testContext(now),
        TEST_POLICIES,
        mailer,
      ),
    ).toMatchObject({ ok: false, reason: 'invalid' });
    expect(
      await disableTotp(
        t.db,
        actor,
        { currentPassword: password, recoveryCode: recoveryCodes[0] },
        testContext(now),
        TEST_POLICIES,
        mailer,
      ),
    ).toEqual({ ok: true });
    expect(await getSecondFactorStatus(t.db, 1)).toEqual({ enabledAt: null, recoveryCodesLeft: 0 });
    expect((await queuedMail(t.db)).map((m) => m.kind)).toContain('notice_second_factor_disabled');
    const result = await logIn(
      t.db,
      { username: 'alice', password },
      testContext(now),
      TEST_POLICIES,
    );
    expect(result).toMatchObject({ ok: true, signIn: { method: 'password' } });
  });

  it('regenerating replaces every recovery code', async () => {
    const result = await regenerateRecoveryCodes(
      t.db,
      sessionActor(now),
      { currentPassword: password },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    if (!result.ok) throw new Error(JSON.stringify(result));
    expect(await answer(await passwordStep(), { recoveryCode: recoveryCodes[0] })).toMatchObject({
      ok: false,
    });
    expect(
      await answer(await passwordStep(), { recoveryCode: result.recoveryCodes[0] }),
    ).toMatchObject({ ok: true });
  });
});

describe('operations', () => {
  beforeEach(() => enrol());

  it('an operator reset turns it off, records it and mails the owner', async () => {
    expect(await resetSecondFactorByOperator(t.db, alice, testContext(now), mailer)).toBe(true);
    expect(await resetSecondFactorByOperator(t.db, alice, testContext(now), mailer)).toBe(false);
    const events = await t.db.orm.select().from(t.db.tables.securityEvents);
    expect(events.find((e) => e.type === 'second_factor_disabled')?.detail).toBe('operator');
    expect((await queuedMail(t.db)).map((m) => m.kind)).toContain('notice_second_factor_disabled');
  });

  it('key rotation re-seals the secret, so the old key can go and codes still work', async () => {
    const newer = 'a-newer-encryption-key-for-this-test-0000';
    const rotated = {
      ...TEST_POLICIES,
      secondFactor: { ...TEST_POLICIES.secondFactor, keys: [newer, ...TEST_KEYS] },
    };
    expect(await rotateEncryptionKeys(t.db, rotated.secondFactor.keys)).toMatchObject({
      totpSecrets: 1,
    });
    expect(await rotateEncryptionKeys(t.db, rotated.secondFactor.keys)).toMatchObject({
      totpSecrets: 0,
    });
    const newerOnly = {
      ...TEST_POLICIES,
      secondFactor: { ...TEST_POLICIES.secondFactor, keys: [newer] },
    };
    const result = await logIn(t.db, { username: 'alice', password }, testContext(now), newerOnly);
    if (result.ok || result.reason !== 'second_factor_required') throw new Error('no prompt');
    const done = await completeSecondFactor(
      t.db,
      result.pendingToken,
      { code: codeAt(at(STEP)) },
      testContext(at(STEP)),
      newerOnly,
      null,
    );
    expect(done.ok).toBe(true);
  });
});
