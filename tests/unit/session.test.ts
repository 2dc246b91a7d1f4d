import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Pool } from 'pg';
import { openDatabase, type DatabaseTarget } from '@/db';
import type { SignIn } from '@/lib/auth/context';
import { insertSessions, updateSessionLastSeen } from '@/db/queries/sessions';
import { insertUser } from '@/db/queries/users';
import {
  createSession,
  purgeExpiredSessions,
  revokeAllSessions,
  revokeSession,
  validateSessionToken,
} from '@/lib/auth/session';
import { revokeOtherSessionsByUser, revokeSessionByUser } from '@/lib/auth/session-revocation';
import { generateToken, hashToken } from '@/lib/auth/tokens';
import { registerUser } from '@/lib/auth/users';
import {
  createTestDb,
  targetOf,
  TEST_BACKEND,
  testContext,
  type TestDb,
  PASSWORD_SIGN_IN,
  TEST_POLICIES,
} from '../fixtures/test-db';

const MINUTE = 60_000;
const policy = { idleTimeoutMs: 30 * MINUTE, absoluteTimeoutMs: 12 * 60 * MINUTE };
const client = { ip: '203.0.113.7', userAgent: 'UnitTest/1.0' };
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

let t: TestDb;
let userId: number;

beforeEach(async () => {
  t = await createTestDb();
  const inserted = await insertUser(t.db, { username: 'alice', passwordHash: 'x', createdAt: t0 });
  if (!inserted.ok) throw new Error('setup failed');
  userId = inserted.user.id;
});
afterEach(() => t.close());

const storedRows = () => t.db.orm.select().from(t.db.tables.sessions);

describe('tokens', () => {
  it('are 256 random bits in base64url, different every time', async () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('are stored only as their SHA-256', async () => {
    const { token } = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
    const [row] = await storedRows();
    expect(row!.tokenHash).toBe(hashToken(token));
    expect(row!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);
  });
});

describe('validateSessionToken', () => {
  it('returns the user and session for a live token', async () => {
    const { token, session } = await createSession(
      t.db,
      userId,
      PASSWORD_SIGN_IN,
      client,
      t0,
      policy,
    );
    const result = await validateSessionToken(t.db, token, at(1000), policy);
    expect(result.user).toEqual({ id: userId, username: 'alice' });
    expect(result.session).toEqual(session); // every field read back as written, dates as dates
    expect(result.session?.absoluteExpiresAt).toEqual(at(policy.absoluteTimeoutMs));
  });

  it('reads back a session stored without address or browser', async () => {
    const { token, session } = await createSession(
      t.db,
      userId,
      PASSWORD_SIGN_IN,
      { ip: null, userAgent: null },
      t0,
      policy,
    );
    expect((await validateSessionToken(t.db, token, at(1000), policy)).session).toEqual({
      ...session,
      ip: null,
      userAgent: null,
    });
  });

  it('refuses unknown and malformed tokens', async () => {
    await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
    expect((await validateSessionToken(t.db, generateToken(), t0, policy)).session).toBeNull();
    expect((await validateSessionToken(t.db, 'short', t0, policy)).session).toBeNull();
    expect((await validateSessionToken(t.db, "' OR 1=1 --", t0, policy)).session).toBeNull();
  });

  it('ends an idle session at the idle timeout and deletes its row', async () => {
    const { token } = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
    expect(
      (await validateSessionToken(t.db, token, at(policy.idleTimeoutMs - 1), policy)).session,
    ).not.toBeNull();
    const { token: other } = await createSession(
      t.db,
      userId,
      PASSWORD_SIGN_IN,
      client,
      t0,
      policy,
    );
    expect(
      (await validateSessionToken(t.db, other, at(policy.idleTimeoutMs), policy)).session,
    ).toBeNull();
    expect((await storedRows()).map((r) => r.tokenHash)).toEqual([hashToken(token)]);
  });

  it('slides only the idle window with activity', async () => {
    const { token } = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
    let now = 0;
    for (let i = 0; i < 5; i++) {
      now += 20 * MINUTE; // each gap shorter than the 30-minute idle timeout
      const result = await validateSessionToken(t.db, token, at(now), policy);
      expect(result.session?.idleExpiresAt).toEqual(at(now + policy.idleTimeoutMs));
      expect(result.session?.absoluteExpiresAt).toEqual(at(policy.absoluteTimeoutMs));
    }
  });

  it('ends an active session at the absolute lifetime', async () => {
    const { token } = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
    let now = 0;
    while (now + 20 * MINUTE < policy.absoluteTimeoutMs) {
      now += 20 * MINUTE;
      expect((await validateSessionToken(t.db, token, at(now), policy)).session).not.toBeNull();
    }
    expect(
      (await validateSessionToken(t.db, token, at(policy.absoluteTimeoutMs), policy)).session,
    ).toBeNull();
    expect(await storedRows()).toHaveLength(0);
  });

  it('writes last_seen_at at most once a minute', async () => {
    const { token } = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
    const { sessions } = t.db.tables;
    const lastSeen = async () =>
      (
        await t.db.orm
          .select()
          .from(sessions)
          .where(eq(sessions.tokenHash, hashToken(token)))
      )[0]!.lastSeenAt;
    await validateSessionToken(t.db, token, at(30_000), policy);
    expect(await lastSeen()).toEqual(t0);
    await validateSessionToken(t.db, token, at(61_000), policy);
    expect(await lastSeen()).toEqual(at(61_000));
  });

  it('never moves last_seen_at backwards when two servers write it out of order', async () => {
    const { token } = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
    const second = openDatabase(targetOf(t.url));
    try {
      // Both servers read the session at once, then write their own request times.
      await Promise.all([
        validateSessionToken(second, token, at(300_000), policy),
        validateSessionToken(t.db, token, at(61_000), policy),
      ]);
      expect((await storedRows())[0]!.lastSeenAt).toEqual(at(300_000));
      await updateSessionLastSeen(t.db, hashToken(token), at(90_000)); // a late, older write
      expect((await storedRows())[0]!.lastSeenAt).toEqual(at(300_000));
    } finally {
      await second.close();
    }
  });

  it.runIf(TEST_BACKEND === 'postgres')(
    'parses the lookup and last-seen write once per PostgreSQL connection, not per request',
    async () => {
      const { token } = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
      const single = openDatabase({ ...targetOf(t.url), poolSize: 1 } as DatabaseTarget);
      try {
        for (let minute = 1; minute <= 3; minute++)
          expect(
            (await validateSessionToken(single, token, at(minute * MINUTE), policy)).user,
          ).not.toBeNull();
        // The pool's one connection answers this too: it lists the statements prepared on it.
        const pool = (single.orm as unknown as { $client: Pool }).$client;
        const { rows } = await pool.query<{ name: string }>(
          'SELECT name FROM pg_prepared_statements ORDER BY name',
        );
        expect(rows.map((row) => row.name)).toEqual([
          'gatehouse_find_session',
          'gatehouse_touch_session',
        ]);
      } finally {
        await single.close();
      }
    },
  );

  it('writes last_seen_at every tenth of a short idle timeout', async () => {
    const short = { idleTimeoutMs: 10_000, absoluteTimeoutMs: 60_000 };
    const { token } = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, short);
    await validateSessionToken(t.db, token, at(1_000), short);
    expect((await storedRows())[0]!.lastSeenAt).toEqual(at(1_000));
  });
});

describe('revocation and purging', () => {
  it('revokeSession ends one session, revokeAllSessions all of a user', async () => {
    const a = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
    const b = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
    const c = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
    await revokeSession(t.db, userId, a.session.id, testContext(t0));
    expect((await validateSessionToken(t.db, a.token, t0, policy)).session).toBeNull();
    expect((await validateSessionToken(t.db, b.token, t0, policy)).session).not.toBeNull();
    await revokeAllSessions(t.db, userId, 'revoked');
    expect((await validateSessionToken(t.db, c.token, t0, policy)).session).toBeNull();
    expect(await storedRows()).toHaveLength(0);
  });

  it('purgeExpiredSessions removes idle and absolute-expired rows and keeps live ones', async () => {
    await createSession(
      t.db,
      userId,
      PASSWORD_SIGN_IN,
      client,
      at(-policy.absoluteTimeoutMs - 1),
      policy,
    ); // past absolute lifetime
    await createSession(
      t.db,
      userId,
      PASSWORD_SIGN_IN,
      client,
      at(-policy.idleTimeoutMs - 1),
      policy,
    ); // idle too long
    const live = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, at(-MINUTE), policy);
    expect(await purgeExpiredSessions(t.db, t0, policy)).toBe(2);
    expect((await storedRows()).map((r) => r.tokenHash)).toEqual([live.session.id]);
  });

  it('purgeExpiredSessions gets through more expired rows than one batch holds', async () => {
    const expired = Array.from({ length: 4_500 }, (_, i) => ({
      tokenHash: hashToken(`expired-${i}`),
      userId,
      createdAt: at(-2 * policy.absoluteTimeoutMs),
      lastSeenAt: at(-2 * policy.absoluteTimeoutMs),
      expiresAt: at(-policy.absoluteTimeoutMs),
      ip: null,
      userAgent: null,
      authMethod: 'password',
      reauthenticatedAt: null,
    }));
    for (let i = 0; i < expired.length; i += 500)
      await insertSessions(t.db, expired.slice(i, i + 500));
    const live = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
    expect(await purgeExpiredSessions(t.db, t0, policy)).toBe(4_500);
    expect((await storedRows()).map((r) => r.tokenHash)).toEqual([live.session.id]);
  });

  it('deleting a user deletes their sessions', async () => {
    await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
    await t.db.orm.delete(t.db.tables.users).where(eq(t.db.tables.users.id, userId));
    expect(await storedRows()).toHaveLength(0);
  });
});

describe('a failed query', () => {
  it('keeps its parameters out of the error a server would log', async () => {
    const secretish = 'f'.repeat(64);
    const attempt = createSessionRowForMissingUser(secretish);
    const error: Error = await attempt.then(
      () => {
        throw new Error('the insert should have failed');
      },
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    const everything =
      JSON.stringify(error, Object.getOwnPropertyNames(error)) +
      String(error) +
      String(error.cause ?? '');
    expect(everything).not.toContain(secretish);
  });
});

// A session row pointing at no user: the foreign key refuses it on both dialects.
function createSessionRowForMissingUser(tokenHash: string): Promise<unknown> {
  return t.db.orm.insert(t.db.tables.sessions).values({
    tokenHash,
    userId: 999_999,
    createdAt: t0,
    lastSeenAt: t0,
    expiresAt: at(MINUTE),
    ip: null,
    userAgent: null,
  });
}

describe('a user ending their own sessions (ASVS 7.5.2)', () => {
  const password = 'amber kites over quiet fields';
  const window = TEST_POLICIES.secondFactor.reauthWindowMs;
  const late = at(window + 1000); // this session signed in longer ago than REAUTH_WINDOW
  const signedInAtT0 = {
    method: 'password' as const,
    reauthenticatedAt: t0,
    credentialsVersion: 1,
  };
  let bob: { id: number; username: string };

  beforeEach(async () => {
    const registered = await registerUser(
      t.db,
      { username: 'bob', password, confirmPassword: password },
      testContext(t0),
      TEST_POLICIES,
    );
    if (!registered.ok) throw new Error('setup failed');
    bob = { id: registered.user.id, username: 'bob' };
  });

  const signIn = (signedIn: SignIn = signedInAtT0) =>
    createSession(t.db, bob.id, signedIn, client, t0, TEST_POLICIES.session);
  const alive = async (token: string, when: Date) =>
    (await validateSessionToken(t.db, token, when, TEST_POLICIES.session)).session !== null;

  it('ends another session without the password within REAUTH_WINDOW of signing in', async () => {
    const mine = await signIn();
    const other = await signIn();
    const when = at(window - 1000);
    expect(
      await revokeSessionByUser(
        t.db,
        { user: bob, session: mine.session },
        other.session.id,
        {},
        testContext(when),
        TEST_POLICIES,
      ),
    ).toEqual({ ok: true, current: false });
    expect(await alive(other.token, when)).toBe(false);
    expect(await alive(mine.token, when)).toBe(true);
  });

  it('asks for the password once the sign-in is older, and a wrong one ends nothing', async () => {
    const mine = await signIn();
    const other = await signIn();
    const end = (currentPassword?: string) =>
      revokeSessionByUser(
        t.db,
        { user: bob, session: mine.session },
        other.session.id,
        { currentPassword },
        testContext(late),
        TEST_POLICIES,
      );
    expect(await end()).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { currentPassword: 'Enter your password.' },
    });
    expect(await end('not the password at all')).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { currentPassword: 'That password is not correct.' },
    });
    expect(await alive(other.token, late)).toBe(true);
    expect(await end(password)).toEqual({ ok: true, current: false });
    expect(await alive(other.token, late)).toBe(false);
  });

  it('asks for it from a session that never proved when it signed in', async () => {
    const mine = await signIn(PASSWORD_SIGN_IN);
    const other = await signIn();
    expect(
      await revokeSessionByUser(
        t.db,
        { user: bob, session: mine.session },
        other.session.id,
        {},
        testContext(t0),
        TEST_POLICIES,
      ),
    ).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await alive(other.token, t0)).toBe(true);
  });

  it('ends all others only with the password once the sign-in is older, keeping this one', async () => {
    const mine = await signIn();
    const others = [await signIn(), await signIn()];
    const endOthers = (currentPassword?: string) =>
      revokeOtherSessionsByUser(
        t.db,
        { user: bob, session: mine.session },
        { currentPassword },
        testContext(late),
        TEST_POLICIES,
      );
    expect(await endOthers()).toMatchObject({
      ok: false,
      fieldErrors: { currentPassword: 'Enter your password.' },
    });
    for (const other of others) expect(await alive(other.token, late)).toBe(true);
    expect(await endOthers(password)).toEqual({ ok: true, ended: 2 });
    for (const other of others) expect(await alive(other.token, late)).toBe(false);
    expect(await alive(mine.token, late)).toBe(true);
  });

  it("ends this session (logging out) without the password, and no one else's", async () => {
    const mine = await signIn();
    const alice = await createSession(t.db, userId, PASSWORD_SIGN_IN, client, t0, policy);
    const actor = { user: bob, session: mine.session };
    expect(
      await revokeSessionByUser(
        t.db,
        actor,
        alice.session.id,
        { currentPassword: password },
        testContext(late),
        TEST_POLICIES,
      ),
    ).toEqual({ ok: false, reason: 'not_found', message: 'No such session among yours.' });
    expect(await alive(alice.token, late)).toBe(true);
    expect(
      await revokeSessionByUser(t.db, actor, mine.session.id, {}, testContext(late), TEST_POLICIES),
    ).toEqual({ ok: true, current: true });
    expect(await alive(mine.token, late)).toBe(false);
  });
});
