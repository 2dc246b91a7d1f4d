import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { findUserByUsername } from '@/db/queries/users';
import { logIn } from '@/lib/auth/login';
import { BUSY, verifyDummyPassword } from '@/lib/auth/password';
import { configureHashPool, hashPassword } from '@/lib/auth/password-hashing';
import { createSession, validateSessionToken } from '@/lib/auth/session';
import { changePassword, deleteAccount, registerUser, USERNAME_TAKEN } from '@/lib/auth/users';
import {
  actorOf,
  PASSWORD_SIGN_IN,
  createTestDb,
  TEST_POLICIES,
  testContext,
  type TestDb,
} from '../fixtures/test-db';

const now = new Date('2026-01-01T00:00:00Z');
const password = 'violet lanterns drift slowly';
const sessionPolicy = { idleTimeoutMs: 30 * 60_000, absoluteTimeoutMs: 12 * 3600_000 };

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(() => t.close());

const register = (input: Record<string, unknown>, ip?: string) =>
  registerUser(t.db, input, testContext(now, ip), TEST_POLICIES);
const storedUsers = () => t.db.orm.select().from(t.db.tables.users);

describe('registerUser', () => {
  it('stores a normalised username and a salted bcrypt hash, never the password', async () => {
    const result = await register({
      username: '  Ａｌｉｃｅ ',
      password,
      confirmPassword: password,
    });
    expect(result).toEqual({
      ok: true,
      user: { id: 1, username: 'alice' },
      signIn: { method: 'password', reauthenticatedAt: now, credentialsVersion: 0 },
    });
    const [row] = await storedUsers();
    expect(row!.passwordHash).toMatch(/^\$2[aby]\$04\$.{53}$/);
    expect(JSON.stringify(row)).not.toContain(password);
  });

  it('treats names that differ only in case or width as the same account', async () => {
    await register({ username: 'alice', password, confirmPassword: password });
    for (const username of ['ALICE', 'Alice', 'ａｌｉｃｅ']) {
      expect(await register({ username, password, confirmPassword: password })).toEqual({
        ok: false,
        reason: 'invalid',
        fieldErrors: { username: USERNAME_TAKEN },
      });
    }
    expect(await storedUsers()).toHaveLength(1);
  });

  it('gives one account to one of many simultaneous registrations of a name', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        register({ username: 'race', password, confirmPassword: password }, `198.51.100.${i}`),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual(
      Array(19).fill({ ok: false, reason: 'invalid', fieldErrors: { username: USERNAME_TAKEN } }),
    );
    expect(await storedUsers()).toHaveLength(1);
  });

  it.each([
    [
      { username: 'ab', password, confirmPassword: password },
      'username',
      'Username must be 3 to 32 characters long.',
    ],
    [
      { username: 'a'.repeat(33), password, confirmPassword: password },
      'username',
      'Username must be 3 to 32 characters long.',
    ],
    [
      { username: 'bob smith', password, confirmPassword: password },
      'username',
      /only letters a-z/,
    ],
    [{ username: 'bоb', password, confirmPassword: password }, 'username', /only letters a-z/], // Cyrillic о
    [
      { username: 'bob', password: 'too short', confirmPassword: 'too short' },
      'password',
      /at least 15/,
    ],
    [
      { username: 'bob', password, confirmPassword: 'different' },
      'confirmPassword',
      'Passwords do not match.',
    ],
    [{ username: 'bob', password: 42, confirmPassword: 42 }, 'password', 'Enter a password.'],
    [
      { username: 'bob', password: 'x'.repeat(5000), confirmPassword: 'x' },
      'password',
      'Password is too long.',
    ],
    // A lone surrogate: browsers replace it when they submit a form, so only the API could ever log in.
    [
      { username: 'bob', password: `${password} \ud800`, confirmPassword: `${password} \ud800` },
      'password',
      /cannot be typed/,
    ],
    [
      { username: 'bob', password: `\udfff${password}`, confirmPassword: `\udfff${password}` },
      'password',
      /cannot be typed/,
    ],
  ])('refuses %j with a message on %s and stores nothing', async (input, field, message) => {
    const result = await register(input);
    expect(result.ok).toBe(false);
    if (!result.ok && result.reason === 'invalid') {
      expect(result.fieldErrors[field as keyof typeof result.fieldErrors]).toMatch(message);
    } else throw new Error('expected field errors');
    expect(await storedUsers()).toHaveLength(0);
  });

  it('allows THROTTLE_REGISTER_PER_IP new accounts per IP per window, then refuses', async () => {
    for (let i = 0; i < 10; i++) {
      expect(
        (
          await register(
            { username: `user${i}`, password, confirmPassword: password },
            '203.0.113.9',
          )
        ).ok,
      ).toBe(true);
    }
    const refused = await register(
      { username: 'user10', password, confirmPassword: password },
      '203.0.113.9',
    );
    expect(refused).toMatchObject({ ok: false, reason: 'throttled', retryAfterSeconds: 3600 });
    expect(
      (await register({ username: 'user11', password, confirmPassword: password }, '203.0.113.10'))
        .ok,
    ).toBe(true);
  });
});

describe('logIn', () => {
  beforeEach(async () => {
    await register({ username: 'alice', password, confirmPassword: password });
  });
  const attempt = (input: Record<string, unknown>, policies = TEST_POLICIES) =>
    logIn(t.db, input, testContext(now), policies);

  it('accepts the right password under any spelling of the username', async () => {
    expect(await attempt({ username: 'ALICE', password })).toEqual({
      ok: true,
      user: { id: 1, username: 'alice' },
      signIn: { method: 'password', reauthenticatedAt: now, credentialsVersion: 0 },
    });
  });

  it('gives the same answer for a wrong password, an unknown user and malformed input', async () => {
    const failures = await Promise.all([
      attempt({ username: 'alice', password: 'wrong password here' }),
      attempt({ username: 'nobody', password }),
      attempt({ username: 'alice', password: password + 'x'.repeat(80) }),
      attempt({ username: null, password: {} }),
    ]);
    for (const failure of failures) expect(failure).toEqual({ ok: false, reason: 'invalid' });
  });

  it('upgrades a hash made with a lower cost than configured, transparently', async () => {
    const before = (await findUserByUsername(t.db, 'alice'))!.passwordHash;
    expect(before).toMatch(/^\$2[aby]\$04\$/);
    expect(
      (
        await attempt(
          { username: 'alice', password },
          { ...TEST_POLICIES, user: { ...TEST_POLICIES.user, bcryptCost: 5 } },
        )
      ).ok,
    ).toBe(true);
    expect((await findUserByUsername(t.db, 'alice'))!.passwordHash).toMatch(/^\$2[aby]\$05\$/);
    expect((await attempt({ username: 'alice', password })).ok).toBe(true);
  });

  it('takes about as long for an unknown user as for a wrong password (dummy hash)', async () => {
    // Cost 8 makes one comparison take milliseconds, so a skipped comparison would show as ~0.
    const policies = { ...TEST_POLICIES, user: { ...TEST_POLICIES.user, bcryptCost: 8 } };
    await registerUser(
      t.db,
      { username: 'timed', password, confirmPassword: password },
      testContext(now),
      policies,
    );
    const median = async (username: string) => {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const start = performance.now();
        // Each try from its own IP and far below the account threshold: the throttle stays out of it.
        await logIn(
          t.db,
          { username, password: 'not the password at all' },
          testContext(now, `192.0.2.${i}`),
          policies,
        );
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b)[3]!;
    };
    await median('nobody-warm'); // warm the dummy hash
    const known = await median('timed');
    const unknown = await median('nobody');
    expect(unknown / known).toBeGreaterThan(0.5);
    expect(unknown / known).toBeLessThan(2);
  });
});

describe('when no hashing thread is free within the queue timeout', () => {
  afterEach(() => configureHashPool({ threads: 1, queueTimeoutMs: 10_000 }));

  // Holds the only hashing thread for a second or more, and makes checks queued after it give up
  // after 100 ms.
  const occupyTheHashingThread = () => {
    const holding = hashPassword('keeps the thread busy', 14);
    configureHashPool({ threads: 1, queueTimeoutMs: 100 });
    return holding;
  };
  const hashPool = () =>
    (globalThis as { gatehouseHashing?: { pool?: { queueSize: number } } }).gatehouseHashing!.pool!;

  it('registration answers BUSY and stores nothing', async () => {
    const occupied = occupyTheHashingThread();
    expect(await register({ username: 'patient', password, confirmPassword: password })).toBe(BUSY);
    await occupied;
    expect(await storedUsers()).toHaveLength(0);
    expect(await t.db.orm.select().from(t.db.tables.securityEvents)).toHaveLength(0);
  });

  it('a login answers BUSY and counts no failure against the account or the address', async () => {
    await register({ username: 'alice', password, confirmPassword: password });
    const counters = () => t.db.orm.select().from(t.db.tables.throttleCounters);
    const countersBefore = await counters(); // the registration's own
    await verifyDummyPassword('', TEST_POLICIES.user.bcryptCost); // made, as at a server's start
    const occupied = occupyTheHashingThread();
    const attempts = await Promise.all([
      logIn(
        t.db,
        { username: 'alice', password: 'wrong password here' },
        testContext(now),
        TEST_POLICIES,
      ),
      logIn(t.db, { username: 'nobody', password }, testContext(now), TEST_POLICIES),
    ]);
    expect(attempts).toEqual([BUSY, BUSY]);
    expect(BUSY).toMatchObject({
      reason: 'busy',
      retryAfterSeconds: 5,
      message: 'Gatehouse is busy checking other passwords. Try again in a moment.',
    });
    await occupied;
    const events = await t.db.orm.select().from(t.db.tables.securityEvents);
    expect(events.map((e) => e.type)).toEqual(['registered']);
    // Each attempt was counted on arrival and taken back: counters may remain, at zero.
    expect((await counters()).filter((c) => c.count > 0)).toEqual(countersBefore);
  });

  it('a password change whose new hash cannot be made answers BUSY and leaves the old password in place', async () => {
    await register({ username: 'alice', password, confirmPassword: password });
    const newPassword = 'amber kites over quiet fields';
    // The check of the current password queues behind a first long hash, with the 10 s limit.
    const first = hashPassword('keeps the thread busy', 13);
    const changing = changePassword(
      t.db,
      actorOf({ id: 1, username: 'alice' }),
      { currentPassword: password, newPassword, confirmNewPassword: newPassword },
      testContext(now),
      TEST_POLICIES,
    );
    await vi.waitFor(() => expect(hashPool().queueSize).toBe(1));
    // A second long hash queues behind the check, and the new password's hash, asked for once the
    // check passed, queues behind that with a 100 ms limit.
    const second = hashPassword('keeps the thread busy again', 13);
    configureHashPool({ threads: 1, queueTimeoutMs: 100 });
    expect(await changing).toBe(BUSY);
    await Promise.all([first, second]);
    configureHashPool({ threads: 1, queueTimeoutMs: 10_000 });
    expect(
      await logIn(t.db, { username: 'alice', password }, testContext(now), TEST_POLICIES),
    ).toMatchObject({ ok: true });
    expect(
      await logIn(
        t.db,
        { username: 'alice', password: newPassword },
        testContext(now),
        TEST_POLICIES,
      ),
    ).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('a login no account could match', () => {
  afterEach(() => configureHashPool({ threads: 1, queueTimeoutMs: 10_000 }));

  it('is refused at once, with the usual answer, counting nothing and waiting for no hashing thread', async () => {
    await register({ username: 'alice', password, confirmPassword: password });
    const countersBefore = await t.db.orm.select().from(t.db.tables.throttleCounters);
    // The only hashing thread is held for a second or more, and checks queued behind it give up
    // after 100 ms: anything that asked for a hash would answer BUSY.
    const holding = hashPassword('keeps the thread busy', 14);
    configureHashPool({ threads: 1, queueTimeoutMs: 100 });
    const impossible = [
      { username: 'a'.repeat(300), password },
      { username: '', password },
      { username: 'alice', password: '' },
      { username: 'bob smith', password },
      { username: 'alice', password: password + 'x'.repeat(80) },
      { username: 'x', password: 'y' },
    ];
    for (const input of impossible) {
      expect(
        await logIn(t.db, input, testContext(now, '203.0.113.50'), TEST_POLICIES),
        JSON.stringify(input),
      ).toEqual({ ok: false, reason: 'invalid' });
    }
    await holding;
    expect(await t.db.orm.select().from(t.db.tables.throttleCounters)).toEqual(countersBefore);
  });
});

describe('changePassword and deleteAccount', () => {
  const alice = { id: 1, username: 'alice' };
  beforeEach(async () => {
    await register({ username: 'alice', password, confirmPassword: password });
  });

  it('changes the password only with the right current one, and ends every session', async () => {
    const a = await createSession(
      t.db,
      1,
      PASSWORD_SIGN_IN,
      testContext(now).client,
      now,
      sessionPolicy,
    );
    const newPassword = 'amber kites over quiet fields';
    const wrong = await changePassword(
      t.db,
      actorOf(alice),
      { currentPassword: 'not it at all, no', newPassword, confirmNewPassword: newPassword },
      testContext(now),
      TEST_POLICIES,
    );
    expect(wrong).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { currentPassword: 'That password is not correct.' },
    });
    expect((await validateSessionToken(t.db, a.token, now, sessionPolicy)).session).not.toBeNull();

    const weak = await changePassword(
      t.db,
      actorOf(alice),
      {
        currentPassword: password,
        newPassword: 'alice-is-my-name-ok',
        confirmNewPassword: 'alice-is-my-name-ok',
      },
      testContext(now),
      TEST_POLICIES,
    );
    expect(weak).toMatchObject({
      ok: false,
      fieldErrors: { newPassword: 'Password must not contain your username.' },
    });
    const untypeable = `${newPassword} \ud83d`;
    const lone = await changePassword(
      t.db,
      actorOf(alice),
      { currentPassword: password, newPassword: untypeable, confirmNewPassword: untypeable },
      testContext(now),
      TEST_POLICIES,
    );
    expect(lone).toMatchObject({
      ok: false,
      fieldErrors: { newPassword: expect.stringMatching(/cannot be typed/) },
    });

    const done = await changePassword(
      t.db,
      actorOf(alice),
      { currentPassword: password, newPassword, confirmNewPassword: newPassword },
      testContext(now),
      TEST_POLICIES,
    );
    // The fresh session starts under the new password's credentials version.
    expect(done).toEqual({
      ok: true,
      signIn: { method: 'password', reauthenticatedAt: null, credentialsVersion: 1 },
    });
    expect(await t.db.orm.select().from(t.db.tables.sessions)).toHaveLength(0);
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
  });

  it('deletes the account, its sessions and its events only with the right password', async () => {
    await createSession(t.db, 1, PASSWORD_SIGN_IN, testContext(now).client, now, sessionPolicy);
    expect(
      await deleteAccount(t.db, alice, testContext(now), {
        password: 'wrong password entirely',
        session: actorOf(alice).session,
        policies: TEST_POLICIES,
      }),
    ).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await storedUsers()).toHaveLength(1);

    expect(
      await deleteAccount(t.db, alice, testContext(now), {
        password,
        session: actorOf(alice).session,
        policies: TEST_POLICIES,
      }),
    ).toEqual({ ok: true });
    expect(await storedUsers()).toHaveLength(0);
    expect(await t.db.orm.select().from(t.db.tables.sessions)).toHaveLength(0);
    const events = await t.db.orm.select().from(t.db.tables.securityEvents);
    expect(events.map((e) => [e.type, e.userId, e.username])).toEqual([
      ['account_deleted', null, 'alice'],
    ]);
  });
});
