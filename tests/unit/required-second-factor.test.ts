import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertPasskey } from '@/db/queries/passkeys';
import type { AuthMethod, AuthPolicies, User } from '@/lib/auth/context';
import { listRecentEvents } from '@/lib/auth/events';
import { completeLogIn, logIn } from '@/lib/auth/login';
import {
  mustEnrolSecondFactor,
  setSecondFactorRequiredByOperator,
} from '@/lib/auth/required-second-factor';
import { validateSessionToken } from '@/lib/auth/session';
import { registerUser } from '@/lib/auth/users';
import { createSoftwarePasskey } from '../fixtures/software-authenticator';
import { createTestDb, TEST_POLICIES, testContext, type TestDb } from '../fixtures/test-db';

// A second factor required of every account (REQUIRE_SECOND_FACTOR=all) or of one (an
// operator's flag): who is kept to the enrolment page, and who must use their passkey.

const now = new Date('2026-01-01T00:00:00Z');
const password = 'violet lanterns drift slowly';
type Policies = AuthPolicies & Pick<typeof TEST_POLICIES, 'session'>;
const REQUIRED_OF_ALL: Policies = {
  ...TEST_POLICIES,
  secondFactor: { ...TEST_POLICIES.secondFactor, required: 'all' },
};
let t: TestDb;
let alice: User;
let bob: User;

beforeEach(async () => {
  t = await createTestDb();
  for (const username of ['alice', 'bob']) {
    const made = await registerUser(
      t.db,
      { username, password, confirmPassword: password },
      testContext(now),
      TEST_POLICIES,
    );
    if (!made.ok) throw new Error(JSON.stringify(made));
  }
  alice = { id: 1, username: 'alice' };
  bob = { id: 2, username: 'bob' };
});
afterEach(() => t.close());

async function signInWithPassword(user: User, policies: Policies) {
  const checked = await logIn(
    t.db,
    { username: user.username, password },
    testContext(now),
    policies,
  );
  if (!checked.ok) return checked;
  const started = await completeLogIn(
    t.db,
    checked.user,
    checked.signIn,
    testContext(now),
    policies,
    null,
  );
  if (!started.ok) throw new Error('no session');
  return started;
}

describe('a required second factor', () => {
  it('keeps a sign-in that proved one factor to enrolment, and only one, wherever the requirement comes from', () => {
    const methods: AuthMethod[] = [
      'password',
      'password+totp',
      'password+recovery-code',
      'passkey',
    ];
    const kept = (required: 'none' | 'all', flagged: boolean) =>
      methods.filter((authMethod) =>
        mustEnrolSecondFactor(required, { secondFactorRequired: flagged }, { authMethod }),
      );
    expect(kept('none', false)).toEqual([]);
    expect(kept('all', false)).toEqual(['password']);
    expect(kept('none', true)).toEqual(['password']);
  });

  it('under REQUIRE_SECOND_FACTOR=all, a password sign-in of an account without one must enrol; by default it need not', async () => {
    expect(await signInWithPassword(alice, REQUIRED_OF_ALL)).toMatchObject({
      ok: true,
      mustEnrol: true,
    });
    expect(await signInWithPassword(alice, TEST_POLICIES)).toMatchObject({
      ok: true,
      mustEnrol: false,
    });
  });

  it("an operator's flag is on that account alone, carried by the session lookup, and recorded", async () => {
    const started = await signInWithPassword(alice, TEST_POLICIES);
    if (!('token' in started)) throw new Error('no session');
    const flagOf = async () => {
      const found = await validateSessionToken(t.db, started.token, now, TEST_POLICIES.session);
      return found.session ? found.secondFactorRequired : null;
    };
    expect(await flagOf()).toBe(false);

    expect(await setSecondFactorRequiredByOperator(t.db, alice, true, testContext(now))).toBe(true);
    expect(await setSecondFactorRequiredByOperator(t.db, alice, true, testContext(now))).toBe(
      false,
    );
    expect(await flagOf()).toBe(true); // the live session too, from its next request
    expect(await signInWithPassword(alice, TEST_POLICIES)).toMatchObject({ mustEnrol: true });
    expect(await signInWithPassword(bob, TEST_POLICIES)).toMatchObject({ mustEnrol: false });
    expect(await listRecentEvents(t.db, alice.id)).toContainEqual(
      expect.objectContaining({ type: 'second_factor_requirement_changed', detail: 'required' }),
    );

    expect(await setSecondFactorRequiredByOperator(t.db, alice, false, testContext(now))).toBe(
      true,
    );
    expect(await flagOf()).toBe(false);
    expect(await setSecondFactorRequiredByOperator(t.db, alice, false, testContext(now))).toBe(
      false,
    );
  });

  it('an account that must have one and has a passkey is told to use it: its password alone opens nothing', async () => {
    const passkey = createSoftwarePasskey('alice-laptop');
    await insertPasskey(t.db, {
      userId: alice.id,
      credentialId: passkey.credentialId,
      publicKey: passkey.publicKey,
      counter: 0,
      transports: null,
      name: 'Laptop',
      createdAt: now,
      lastUsedAt: null,
    });
    expect(await signInWithPassword(alice, REQUIRED_OF_ALL)).toMatchObject({
      ok: false,
      reason: 'passkey_required',
      message: expect.stringContaining('use the passkey'),
    });
    expect(await t.db.orm.select().from(t.db.tables.sessions)).toHaveLength(0);
    // Without the requirement a passkey is another way in, not a second factor.
    expect(await signInWithPassword(alice, TEST_POLICIES)).toMatchObject({ ok: true });
  });
});
