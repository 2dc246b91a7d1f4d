import { Secret, TOTP } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Actor, AuthPolicies } from '@/lib/auth/context';
import { changeEmail, removeEmail, setEmailByOperator, verifyEmail } from '@/lib/auth/email';
import { completeLogIn, completeSecondFactor, logIn } from '@/lib/auth/login';
import {
  completePasswordReset,
  findPasswordReset,
  requestPasswordReset,
} from '@/lib/auth/password-reset';
import { closeHashPool, configureHashPool, hashPassword } from '@/lib/auth/password-hashing';
import {
  confirmTotpEnrolment,
  disableTotp,
  reauthenticate,
  startTotpEnrolment,
} from '@/lib/auth/second-factor';
import { requireFreshAuthentication } from '@/lib/auth/second-factor-check';
import { validateSessionToken } from '@/lib/auth/session';
import { changePassword } from '@/lib/auth/users';
import {
  createTestDb,
  queuedMail,
  TEST_POLICIES,
  testContext,
  testMailer,
  type TestDb,
  registerWithVerifiedEmail,
} from '../fixtures/test-db';

// What someone who held the old credential a minute ago can still do once it has changed:
// nothing. Reset links die with the address they went to and with the password; pending logins
// and logins whose password check is still running die with the password.

const now = new Date('2026-01-01T00:00:00Z');
const password = 'violet lanterns drift slowly';
const newPassword = 'amber kites over quiet fields';
const alice = { id: 1, username: 'alice' };
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
});
afterEach(async () => {
  await setHashingThreads(1);
  await t.close();
});

/** A hashing pool of this many threads, from the next hash on. */
async function setHashingThreads(threads: number): Promise<void> {
  await closeHashPool();
  configureHashPool({ threads, queueTimeoutMs: 60_000 });
}

/** The promise, and whether it has settled yet. */
function watched<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  void promise.finally(() => (settled = true)).catch(() => undefined);
  return { promise, settled: () => settled };
}

/** Until the account's counter is gone: a right password was checked. */
async function untilCleared(key = 'login-account:alice'): Promise<void> {
  for (;;) {
    const rows = await t.db.orm.select().from(t.db.tables.throttleCounters);
    if (!rows.some((row) => row.key === key)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Alice in a session she signed in to just now with this method. */
const aliceIn = (sessionId: string, authMethod: Actor['session']['authMethod'] = 'password') => ({
  user: alice,
  session: { id: sessionId, authMethod, reauthenticatedAt: now },
});

async function resetLink(): Promise<string> {
  await requestPasswordReset(
    t.db,
    { identifier: 'alice' },
    testContext(now),
    TEST_POLICIES,
    mailer,
  );
  const mail = (await queuedMail(t.db)).filter((m) => m.kind === 'password_reset').at(-1)!;
  return /reset-password\?token=([\w-]{43})/.exec(mail.content!.text)![1]!;
}

const reset = (token: string, to = newPassword, policies: AuthPolicies = TEST_POLICIES) =>
  completePasswordReset(
    t.db,
    { token, newPassword: to, confirmNewPassword: to },
    testContext(now),
    policies,
    mailer,
  );

const sessionCount = async () => (await t.db.orm.select().from(t.db.tables.sessions)).length;
const pendingLogins = async () =>
  (await t.db.orm.select().from(t.db.tables.oneTimeTokens)).filter(
    (row) => row.purpose === 'pending_login',
  );

/** A password change from a session of Alice's, as the account page makes it. */
const change = (from = password, to = newPassword) =>
  changePassword(
    t.db,
    aliceIn('the-changing-session'),
    { currentPassword: from, newPassword: to, confirmNewPassword: to },
    testContext(now),
    TEST_POLICIES,
    mailer,
  );

/** A login through to its session, as the login form makes it; the session's token or null. */
async function logInFully(
  given = password,
  policies: AuthPolicies = TEST_POLICIES,
): Promise<string | null> {
  const result = await logIn(
    t.db,
    { username: 'alice', password: given },
    testContext(now),
    policies,
  );
  if (!result.ok) return null;
  const started = await completeLogIn(
    t.db,
    result.user,
    result.signIn,
    testContext(now),
    TEST_POLICIES,
    null,
  );
  return started.ok ? started.token : null;
}

/** Until the attempt has been counted: its password check has started. */
async function untilCounted(key = 'login-account:alice'): Promise<void> {
  for (;;) {
    const rows = await t.db.orm.select().from(t.db.tables.throttleCounters);
    if (rows.some((row) => row.key === key)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Makes Alice's password check take a second or more (her hash at cost 14) on one of two hashing
 * threads, so a reset or a change can finish on the other while her login is still being checked.
 */
async function slowPasswordCheck(): Promise<AuthPolicies> {
  await setHashingThreads(2);
  const { users } = t.db.tables;
  const passwordHash = await hashPassword(password, 14);
  await t.db.orm.update(users).set({ passwordHash }).where(eq(users.id, alice.id));
  return { ...TEST_POLICIES, user: { ...TEST_POLICIES.user, bcryptCost: 14 } };
}

describe('a reset link', () => {
  it('dies when the address it went to is removed', async () => {
    const token = await resetLink();
    const removed = await removeEmail(
      t.db,
      aliceIn('s'),
      { currentPassword: password },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    expect(removed.ok).toBe(true);
    expect(await findPasswordReset(t.db, token, now)).toBeNull();
    expect(await reset(token)).toEqual({ ok: false, reason: 'invalid_link' });
    expect(await logInFully(password)).not.toBeNull();
  });

  it('dies when another address is verified in its place', async () => {
    const token = await resetLink();
    await changeEmail(
      t.db,
      aliceIn('s'),
      { email: 'alice@new.example', currentPassword: password },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    // Until the new address is verified the old one is still the account's, and so is its link.
    expect(await findPasswordReset(t.db, token, now)).toEqual({ username: 'alice' });
    const link = (await queuedMail(t.db)).find((m) => m.recipient === 'alice@new.example')!;
    const verifying = /token=([\w-]{43})/.exec(link.content!.text)![1];
    expect(await verifyEmail(t.db, verifying, testContext(now))).toMatchObject({ ok: true });
    expect(await findPasswordReset(t.db, token, now)).toBeNull();
    expect(await reset(token)).toEqual({ ok: false, reason: 'invalid_link' });
  });

  it('dies when an operator sets or clears the address', async () => {
    const first = await resetLink();
    await setEmailByOperator(t.db, alice, 'alice@other.example', testContext(now));
    expect(await reset(first)).toEqual({ ok: false, reason: 'invalid_link' });
    await setEmailByOperator(t.db, alice, 'alice@example.com', testContext(now));
    const second = await resetLink();
    await setEmailByOperator(t.db, alice, null, testContext(now));
    expect(await reset(second)).toEqual({ ok: false, reason: 'invalid_link' });
  });

  it('dies when the password is changed', async () => {
    const token = await resetLink();
    expect((await change()).ok).toBe(true);
    expect(await findPasswordReset(t.db, token, now)).toBeNull();
    expect(await reset(token, 'someone else chose this one')).toEqual({
      ok: false,
      reason: 'invalid_link',
    });
    expect(await logInFully(newPassword)).not.toBeNull();
  });

  it('is one live link however many requests arrive at once', async () => {
    const asked = await Promise.all(
      Array.from({ length: 6 }, () =>
        requestPasswordReset(
          t.db,
          { identifier: 'alice' },
          testContext(now),
          { ...TEST_POLICIES, throttle: { ...TEST_POLICIES.throttle, resetsPerAccount: 100 } },
          mailer,
        ),
      ),
    );
    expect(asked).toHaveLength(6);
    const live = (await t.db.orm.select().from(t.db.tables.oneTimeTokens)).filter(
      (row) => row.purpose === 'reset_password' && row.usedAt === null,
    );
    expect(live).toHaveLength(1);
  });
});

describe('a password change', () => {
  it('is one act: every session, pending login and reset link of the old password ends with it', async () => {
    const before = await logInFully();
    const token = await resetLink();
    const changed = await change();
    expect(changed.ok).toBe(true);
    expect(
      (await validateSessionToken(t.db, before!, now, TEST_POLICIES.session)).session,
    ).toBeNull();
    expect(await sessionCount()).toBe(0);
    expect(await reset(token)).toEqual({ ok: false, reason: 'invalid_link' });
    // The changing browser is signed in again, with the new password's standing.
    if (!changed.ok) return;
    const fresh = await completeLogIn(
      t.db,
      alice,
      changed.signIn,
      testContext(now),
      TEST_POLICIES,
      null,
    );
    expect(fresh.ok).toBe(true);
  });
});

describe('a login in flight', () => {
  it(
    'whose password check is still running when a reset completes starts no session',
    { timeout: 30_000 },
    async () => {
      const slow = await slowPasswordCheck();
      const token = await resetLink();
      const login = watched(logInFully(password, slow));
      await untilCounted();
      expect(await reset(token)).toEqual({ ok: true, username: 'alice' });
      expect(login.settled()).toBe(false); // it finished while the password was being checked
      expect(await login.promise).toBeNull();
      expect(await sessionCount()).toBe(0);
    },
  );

  it('whose password was checked before a change starts no session after it', async () => {
    // The moment between the check and the session: the change commits in it.
    const checked = await logIn(
      t.db,
      { username: 'alice', password },
      testContext(now),
      TEST_POLICIES,
    );
    if (!checked.ok) throw new Error(JSON.stringify(checked));
    expect((await change()).ok).toBe(true);
    const started = await completeLogIn(
      t.db,
      checked.user,
      checked.signIn,
      testContext(now),
      TEST_POLICIES,
      null,
    );
    expect(started).toEqual({ ok: false, reason: 'credentials_changed' });
    expect(await sessionCount()).toBe(0);
  });

  it(
    'never writes the old password back over a reset when it upgrades the hash',
    { timeout: 30_000 },
    async () => {
      await setHashingThreads(2);
      const token = await resetLink();
      // Alice's hash is at the test cost; a login under cost 14 upgrades it, slowly, after the check.
      const upgrading = { ...TEST_POLICIES, user: { ...TEST_POLICIES.user, bcryptCost: 14 } };
      const login = watched(
        logIn(t.db, { username: 'alice', password }, testContext(now), upgrading),
      );
      // Her success clears the account's counter: the check is done, the upgrade under way.
      await untilCounted();
      await untilCleared();
      expect(await reset(token)).toEqual({ ok: true, username: 'alice' });
      expect(login.settled()).toBe(false);
      await login.promise;
      expect(await logInFully(password)).toBeNull();
      expect(await logInFully(newPassword)).not.toBeNull();
    },
  );
});

describe('with two-step sign-in', () => {
  let secret: string;
  const codeAt = (when: Date) =>
    new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: when.getTime() });

  async function enrol(sessionId = 'the-enrolling-session') {
    const actor = aliceIn(sessionId);
    const started = await startTotpEnrolment(
      t.db,
      actor,
      { currentPassword: password },
      testContext(now),
      TEST_POLICIES,
    );
    if (!started.ok) throw new Error(JSON.stringify(started));
    secret = started.secret.replaceAll(' ', '');
    const confirmed = await confirmTotpEnrolment(
      t.db,
      actor,
      { enrolment: started.enrolment, code: codeAt(now) },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    if (!confirmed.ok) throw new Error(JSON.stringify(confirmed));
    return confirmed;
  }

  const passwordStep = async () => {
    const result = await logIn(
      t.db,
      { username: 'alice', password },
      testContext(now),
      TEST_POLICIES,
    );
    if (result.ok || result.reason !== 'second_factor_required') throw new Error('no code prompt');
    return result.pendingToken;
  };
  const later = (steps: number) => new Date(now.getTime() + steps * 30_000);

  it('a password change ends the pending logins the old password opened', async () => {
    await enrol();
    const pending = await passwordStep();
    const changed = await changePassword(
      t.db,
      aliceIn('the-enrolling-session', 'password+totp'),
      { currentPassword: password, newPassword, confirmNewPassword: newPassword },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    expect(changed.ok).toBe(true);
    expect(await pendingLogins()).toHaveLength(0);
    const finished = await completeSecondFactor(
      t.db,
      pending,
      { code: codeAt(later(2)) },
      testContext(later(2)),
      TEST_POLICIES,
      mailer,
    );
    expect(finished).toMatchObject({ ok: false, reason: 'pending_expired' });
  });

  it(
    'a login whose password check is running when a reset completes opens no pending login',
    { timeout: 30_000 },
    async () => {
      await enrol();
      const slow = await slowPasswordCheck();
      const token = await resetLink();
      const login = watched(logIn(t.db, { username: 'alice', password }, testContext(now), slow));
      await untilCounted();
      expect(await reset(token)).toEqual({ ok: true, username: 'alice' });
      expect(login.settled()).toBe(false);
      expect(await login.promise).toEqual({ ok: false, reason: 'invalid' });
      expect(await pendingLogins()).toHaveLength(0);
    },
  );

  it('pending logins from before the factor was turned off and on again are gone', async () => {
    await enrol();
    const pending = await passwordStep();
    const off = await disableTotp(
      t.db,
      aliceIn('the-enrolling-session', 'password+totp'),
      { currentPassword: password, code: codeAt(later(1)) },
      testContext(later(1)),
      TEST_POLICIES,
      mailer,
    );
    expect(off.ok).toBe(true);
    await enrol('another-session');
    const finished = await completeSecondFactor(
      t.db,
      pending,
      { code: codeAt(later(3)) },
      testContext(later(3)),
      TEST_POLICIES,
      mailer,
    );
    expect(finished).toMatchObject({ ok: false, reason: 'pending_expired' });
  });

  it('a session signed in with the password alone is not fresh once the account has a second factor', async () => {
    await enrol();
    const stale = await requireFreshAuthentication(
      t.db,
      alice.id,
      { authMethod: 'password', reauthenticatedAt: now },
      now,
      TEST_POLICIES.secondFactor,
    );
    expect(stale).toMatchObject({ ok: false, reason: 'reauthentication_required' });
  });

  it('enrolment and re-authentication give the session a new token, and the old one opens nothing', async () => {
    const token = await logInFully();
    const current = await validateSessionToken(t.db, token!, now, TEST_POLICIES.session);
    const actor = { user: alice, session: current.session! };
    const started = await startTotpEnrolment(
      t.db,
      actor,
      { currentPassword: password },
      testContext(now),
      TEST_POLICIES,
    );
    if (!started.ok) throw new Error(JSON.stringify(started));
    secret = started.secret.replaceAll(' ', '');
    const enrolled = await confirmTotpEnrolment(
      t.db,
      actor,
      { enrolment: started.enrolment, code: codeAt(now) },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    if (!enrolled.ok) throw new Error(JSON.stringify(enrolled));
    expect(
      (await validateSessionToken(t.db, token!, now, TEST_POLICIES.session)).session,
    ).toBeNull();
    const elevated = await validateSessionToken(
      t.db,
      enrolled.rotated!.token,
      now,
      TEST_POLICIES.session,
    );
    expect(elevated.session).toMatchObject({ authMethod: 'password+totp', reauthenticatedAt: now });
    expect(elevated.session!.createdAt).toEqual(current.session!.createdAt);

    const again = await reauthenticate(
      t.db,
      { user: alice, session: elevated.session! },
      { currentPassword: password, code: codeAt(later(1)) },
      testContext(later(1)),
      TEST_POLICIES,
    );
    if (!again.ok) throw new Error(JSON.stringify(again));
    expect(
      (await validateSessionToken(t.db, enrolled.rotated!.token, later(1), TEST_POLICIES.session))
        .session,
    ).toBeNull();
    expect(
      (await validateSessionToken(t.db, again.rotated!.token, later(1), TEST_POLICIES.session))
        .session,
    ).toMatchObject({ authMethod: 'password+totp', reauthenticatedAt: later(1) });
    expect(await sessionCount()).toBe(1);
  });
});
