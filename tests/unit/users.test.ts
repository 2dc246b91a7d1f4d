import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { users } from '@/db/schema';
import { authenticateUser, registerUser, USERNAME_TAKEN } from '@/lib/auth/users';
import { createTestDb, TEST_USER_POLICY, type TestDb } from '../fixtures/test-db';

const now = new Date('2026-01-01T00:00:00Z');
const password = 'violet lanterns drift slowly';

let t: TestDb;
beforeEach(() => (t = createTestDb()));
afterEach(() => t.close());

const register = (input: Record<string, unknown>) => registerUser(t.db, input, now, TEST_USER_POLICY);
const storedUsers = () => t.db.select().from(users).all();

describe('registerUser', () => {
  it('stores a normalised username and a salted bcrypt hash, never the password', async () => {
    const result = await register({ username: '  Ａｌｉｃｅ ', password, confirmPassword: password });
    expect(result).toEqual({ ok: true, user: { id: 1, username: 'alice' } });
    const [row] = storedUsers();
    expect(row!.passwordHash).toMatch(/^\$2[aby]\$04\$.{53}$/);
    expect(JSON.stringify(row)).not.toContain(password);
  });

  it('treats names that differ only in case or width as the same account', async () => {
    await register({ username: 'alice', password, confirmPassword: password });
    for (const username of ['ALICE', 'Alice', 'ａｌｉｃｅ']) {
      expect(await register({ username, password, confirmPassword: password })).toEqual({
        ok: false,
        fieldErrors: { username: USERNAME_TAKEN },
      });
    }
    expect(storedUsers()).toHaveLength(1);
  });

  it('gives one account to one of many simultaneous registrations of a name', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => register({ username: 'race', password, confirmPassword: password })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(storedUsers()).toHaveLength(1);
  });

  it.each([
    [{ username: 'ab', password, confirmPassword: password }, 'username', 'Username must be 3 to 32 characters long.'],
    [{ username: 'a'.repeat(33), password, confirmPassword: password }, 'username', 'Username must be 3 to 32 characters long.'],
    [{ username: 'bob smith', password, confirmPassword: password }, 'username', /only letters a-z/],
    [{ username: 'bоb', password, confirmPassword: password }, 'username', /only letters a-z/], // Cyrillic о
    [{ username: 'bob', password: 'too short', confirmPassword: 'too short' }, 'password', /at least 15/],
    [{ username: 'bob', password, confirmPassword: 'different' }, 'confirmPassword', 'Passwords do not match.'],
    [{ username: 'bob', password: 42, confirmPassword: 42 }, 'password', 'Enter a password.'],
    [{ username: 'bob', password: 'x'.repeat(5000), confirmPassword: 'x' }, 'password', 'Password is too long.'],
  ])('refuses %j with a message on %s and stores nothing', async (input, field, message) => {
    const result = await register(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.fieldErrors[field as keyof typeof result.fieldErrors]).toMatch(message);
    expect(storedUsers()).toHaveLength(0);
  });
});

describe('authenticateUser', () => {
  beforeEach(async () => {
    await register({ username: 'alice', password, confirmPassword: password });
  });

  it('accepts the right password under any spelling of the username', async () => {
    expect(await authenticateUser(t.db, { username: 'ALICE', password }, TEST_USER_POLICY)).toEqual({
      ok: true,
      user: { id: 1, username: 'alice' },
    });
  });

  it('gives the same answer for a wrong password, an unknown user and malformed input', async () => {
    const failures = await Promise.all([
      authenticateUser(t.db, { username: 'alice', password: 'wrong password here' }, TEST_USER_POLICY),
      authenticateUser(t.db, { username: 'nobody', password }, TEST_USER_POLICY),
      authenticateUser(t.db, { username: 'alice', password: password + 'x'.repeat(80) }, TEST_USER_POLICY),
      authenticateUser(t.db, { username: null, password: {} }, TEST_USER_POLICY),
    ]);
    for (const failure of failures) expect(failure).toEqual({ ok: false });
  });

  it('takes about as long for an unknown user as for a wrong password (dummy hash)', async () => {
    // Cost 8 makes one comparison take milliseconds, so a skipped comparison would show as ~0.
    const policy = { ...TEST_USER_POLICY, bcryptCost: 8 };
    await registerUser(t.db, { username: 'timed', password, confirmPassword: password }, now, policy);
    const median = async (username: string) => {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const start = performance.now();
        await authenticateUser(t.db, { username, password: 'not the password at all' }, policy);
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b)[3]!;
    };
    await median('nobody'); // warm the dummy hash
    const known = await median('timed');
    const unknown = await median('nobody');
    expect(unknown / known).toBeGreaterThan(0.5);
    expect(unknown / known).toBeLessThan(2);
  });
});
