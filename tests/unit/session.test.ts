import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { sessions } from '@/db/schema';
import { insertUser } from '@/db/queries/users';
import {
  createSession,
  generateSessionToken,
  hashSessionToken,
  invalidateSession,
  invalidateUserSessions,
  purgeExpiredSessions,
  validateSessionToken,
} from '@/lib/auth/session';
import { createTestDb, type TestDb } from '../fixtures/test-db';

const MINUTE = 60_000;
const policy = { idleTimeoutMs: 30 * MINUTE, absoluteTimeoutMs: 12 * 60 * MINUTE };
const client = { ip: '203.0.113.7', userAgent: 'UnitTest/1.0' };
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

let t: TestDb;
let userId: number;

beforeEach(() => {
  t = createTestDb();
  const inserted = insertUser(t.db, { username: 'alice', passwordHash: 'x', createdAt: t0 });
  if (!inserted.ok) throw new Error('setup failed');
  userId = inserted.user.id;
});
afterEach(() => t.close());

const storedRows = () => t.db.select().from(sessions).all();

describe('tokens', () => {
  it('are 256 random bits in base64url, different every time', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateSessionToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('are stored only as their SHA-256', () => {
    const { token } = createSession(t.db, userId, client, t0, policy);
    const [row] = storedRows();
    expect(row!.tokenHash).toBe(hashSessionToken(token));
    expect(row!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);
  });
});

describe('validateSessionToken', () => {
  it('returns the user and session for a live token', () => {
    const { token } = createSession(t.db, userId, client, t0, policy);
    const result = validateSessionToken(t.db, token, at(MINUTE), policy);
    expect(result.user).toEqual({ id: userId, username: 'alice' });
    expect(result.session?.absoluteExpiresAt).toEqual(at(policy.absoluteTimeoutMs));
  });

  it('refuses unknown and malformed tokens', () => {
    createSession(t.db, userId, client, t0, policy);
    expect(validateSessionToken(t.db, generateSessionToken(), t0, policy).session).toBeNull();
    expect(validateSessionToken(t.db, 'short', t0, policy).session).toBeNull();
    expect(validateSessionToken(t.db, "' OR 1=1 --", t0, policy).session).toBeNull();
  });

  it('ends an idle session at the idle timeout and deletes its row', () => {
    const { token } = createSession(t.db, userId, client, t0, policy);
    expect(validateSessionToken(t.db, token, at(policy.idleTimeoutMs - 1), policy).session).not.toBeNull();
    const { token: other } = createSession(t.db, userId, client, t0, policy);
    expect(validateSessionToken(t.db, other, at(policy.idleTimeoutMs), policy).session).toBeNull();
    expect(storedRows().map((r) => r.tokenHash)).toEqual([hashSessionToken(token)]);
  });

  it('slides only the idle window with activity', () => {
    const { token } = createSession(t.db, userId, client, t0, policy);
    let now = 0;
    for (let i = 0; i < 5; i++) {
      now += 20 * MINUTE; // each gap shorter than the 30-minute idle timeout
      const result = validateSessionToken(t.db, token, at(now), policy);
      expect(result.session?.idleExpiresAt).toEqual(at(now + policy.idleTimeoutMs));
      expect(result.session?.absoluteExpiresAt).toEqual(at(policy.absoluteTimeoutMs));
    }
  });

  it('ends an active session at the absolute lifetime', () => {
    const { token } = createSession(t.db, userId, client, t0, policy);
    let now = 0;
    while (now + 20 * MINUTE < policy.absoluteTimeoutMs) {
      now += 20 * MINUTE;
      expect(validateSessionToken(t.db, token, at(now), policy).session).not.toBeNull();
    }
    expect(validateSessionToken(t.db, token, at(policy.absoluteTimeoutMs), policy).session).toBeNull();
    expect(storedRows()).toHaveLength(0);
  });

  it('writes last_seen_at at most once a minute', () => {
    const { token } = createSession(t.db, userId, client, t0, policy);
    const lastSeen = () => t.db.select().from(sessions).where(eq(sessions.tokenHash, hashSessionToken(token))).get()!.lastSeenAt;
    validateSessionToken(t.db, token, at(30_000), policy);
    expect(lastSeen()).toEqual(t0);
    validateSessionToken(t.db, token, at(61_000), policy);
    expect(lastSeen()).toEqual(at(61_000));
  });

  it('writes last_seen_at every tenth of a short idle timeout', () => {
    const short = { idleTimeoutMs: 10_000, absoluteTimeoutMs: 60_000 };
    const { token } = createSession(t.db, userId, client, t0, short);
    validateSessionToken(t.db, token, at(1_000), short);
    expect(storedRows()[0]!.lastSeenAt).toEqual(at(1_000));
  });
});

describe('invalidation and purging', () => {
  it('invalidateSession ends one session, invalidateUserSessions all of a user', () => {
    const a = createSession(t.db, userId, client, t0, policy);
    const b = createSession(t.db, userId, client, t0, policy);
    const c = createSession(t.db, userId, client, t0, policy);
    invalidateSession(t.db, a.session.id);
    expect(validateSessionToken(t.db, a.token, t0, policy).session).toBeNull();
    expect(validateSessionToken(t.db, b.token, t0, policy).session).not.toBeNull();
    invalidateUserSessions(t.db, userId);
    expect(validateSessionToken(t.db, c.token, t0, policy).session).toBeNull();
    expect(storedRows()).toHaveLength(0);
  });

  it('purgeExpiredSessions removes idle and absolute-expired rows and keeps live ones', () => {
    createSession(t.db, userId, client, at(-policy.absoluteTimeoutMs - 1), policy); // past absolute lifetime
    createSession(t.db, userId, client, at(-policy.idleTimeoutMs - 1), policy); // idle too long
    const live = createSession(t.db, userId, client, at(-MINUTE), policy);
    expect(purgeExpiredSessions(t.db, t0, policy)).toBe(2);
    expect(storedRows().map((r) => r.tokenHash)).toEqual([live.session.id]);
  });

  it('deleting a user deletes their sessions', () => {
    createSession(t.db, userId, client, t0, policy);
    t.db.$client.prepare('DELETE FROM users WHERE id = ?').run(userId);
    expect(storedRows()).toHaveLength(0);
  });
});
