import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listRecentEvents } from '@/lib/auth/events';
import { purgeExpiredData } from '@/lib/auth/maintenance';
import { logIn, logOut } from '@/lib/auth/login';
import { createSession } from '@/lib/auth/session';
import { changePassword, registerUser } from '@/lib/auth/users';
import {
  actorOf,
  PASSWORD_SIGN_IN,
  createTestDb,
  TEST_POLICIES,
  testContext,
  type TestDb,
} from '../fixtures/test-db';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const password = 'violet lanterns drift slowly';
const newPassword = 'amber kites over quiet fields';
const sessionPolicy = { idleTimeoutMs: 1800_000, absoluteTimeoutMs: 43_200_000 };

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(() => t.close());

describe('security events', () => {
  it('records each step of an account, newest first, with IP and user agent but no secret', async () => {
    await registerUser(
      t.db,
      { username: 'alice', password, confirmPassword: password },
      testContext(at(1)),
      TEST_POLICIES,
    );
    await logIn(
      t.db,
      { username: 'alice', password: 'a wrong password here' },
      testContext(at(2)),
      TEST_POLICIES,
    );
    await logIn(t.db, { username: 'alice', password }, testContext(at(3)), TEST_POLICIES);
    const { token } = await createSession(
      t.db,
      1,
      PASSWORD_SIGN_IN,
      testContext(at(3)).client,
      at(3),
      sessionPolicy,
    );
    const alice = { id: 1, username: 'alice' };
    await changePassword(
      t.db,
      actorOf(alice),
      { currentPassword: password, newPassword, confirmNewPassword: newPassword },
      testContext(at(4)),
      TEST_POLICIES,
    );
    const again = await createSession(
      t.db,
      1,
      PASSWORD_SIGN_IN,
      testContext(at(5)).client,
      at(5),
      sessionPolicy,
    );
    await logOut(t.db, again.token, testContext(at(6)));

    const events = await listRecentEvents(t.db, 1);
    expect(events.map((e) => e.type)).toEqual([
      'logout',
      'password_changed',
      'login_success',
      'login_failure',
      'registered',
    ]);
    expect(events.every((e) => e.ip === '198.51.100.1' && e.userAgent?.includes('Chrome'))).toBe(
      true,
    );

    const everything = JSON.stringify(await t.db.orm.select().from(t.db.tables.securityEvents));
    for (const secret of [password, newPassword, 'a wrong password here', token, again.token]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('keeps at most the last 20 for the activity list', async () => {
    await registerUser(
      t.db,
      { username: 'alice', password, confirmPassword: password },
      testContext(at(0)),
      TEST_POLICIES,
    );
    for (let i = 1; i <= 30; i++)
      await logIn(t.db, { username: 'alice', password }, testContext(at(i)), TEST_POLICIES);
    const events = await listRecentEvents(t.db, 1);
    expect(events).toHaveLength(20);
    expect(events[0]!.createdAt).toEqual(at(30));
  });

  it('are purged after the retention period', async () => {
    await registerUser(
      t.db,
      { username: 'alice', password, confirmPassword: password },
      testContext(t0),
      TEST_POLICIES,
    );
    const purgeAt = async (seconds: number) =>
      (
        await purgeExpiredData(t.db, at(seconds), {
          session: TEST_POLICIES.session,
          eventRetentionDays: 90,
        })
      ).events;
    expect(await purgeAt(89 * 86400)).toBe(0);
    expect(await purgeAt(91 * 86400)).toBe(1);
  });
});
