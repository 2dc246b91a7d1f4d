import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthPolicies } from '@/lib/auth/context';
import { clientThrottleKey } from '@/lib/auth/client-throttle-key';
import { startPasskeyLogin } from '@/lib/auth/passkeys';
import { requestPasswordReset } from '@/lib/auth/password-reset';
import { recordLoginFailure, startLoginAttempt } from '@/lib/auth/throttle';
import { registerUser } from '@/lib/auth/users';
import {
  createTestDb,
  queuedMail,
  registerWithVerifiedEmail,
  TEST_POLICIES,
  testContext,
  testMailer,
  type TestDb,
} from '../fixtures/test-db';

// An IPv6 client is handed a whole /64 (or more) and can pick a new address in it for every
// request, so every per-IP counter counts IPv6 clients by their prefix (THROTTLE_IPV6_PREFIX).

const now = new Date('2026-01-01T00:00:00Z');
const password = 'violet lanterns drift slowly';
const sameNetwork = ['2001:db8:1:2::1', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:DB8:1:2::ffff'];
const otherNetwork = '2001:db8:1:3::1';
const withThrottle = (throttle: Partial<AuthPolicies['throttle']>): AuthPolicies => ({
  ...TEST_POLICIES,
  throttle: { ...TEST_POLICIES.throttle, ...throttle },
});

describe('clientThrottleKey', () => {
  const policy = TEST_POLICIES.throttle;

  it('counts an IPv6 client by its /64, however it writes its address', () => {
    const keys = sameNetwork.map((ip) => clientThrottleKey(ip, policy));
    expect(new Set(keys)).toEqual(new Set(['2001:db8:1:2::/64']));
    expect(clientThrottleKey(otherNetwork, policy)).toBe('2001:db8:1:3::/64');
    expect(clientThrottleKey('2001:0db8:0001:0002:0000:0000:0000:0007', policy)).toBe(
      '2001:db8:1:2::/64',
    );
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address, and an IPv4 address alone', () => {
    expect(clientThrottleKey('::ffff:198.51.100.7', policy)).toBe('198.51.100.7');
    expect(clientThrottleKey('::ffff:c633:6407', policy)).toBe('198.51.100.7');
    expect(clientThrottleKey('198.51.100.7', policy)).toBe('198.51.100.7');
    expect(clientThrottleKey('198.51.100.8', policy)).toBe('198.51.100.8');
  });

  it('follows THROTTLE_IPV6_PREFIX', () => {
    const wide = { ...policy, ipv6PrefixLength: 48 };
    expect(clientThrottleKey('2001:db8:1:2::1', wide)).toBe('2001:db8:1::/48');
    expect(clientThrottleKey(otherNetwork, wide)).toBe('2001:db8:1::/48');
    const exact = { ...policy, ipv6PrefixLength: 128 };
    expect(clientThrottleKey('2001:db8:1:2::1', exact)).toBe('2001:db8:1:2::1/128');
    expect(clientThrottleKey('2001:db8:1:2::2', exact)).toBe('2001:db8:1:2::2/128');
  });

  it('keys a missing or unreadable address as itself', () => {
    expect(clientThrottleKey(null, policy)).toBe('unknown');
    expect(clientThrottleKey('not an address', policy)).toBe('not an address');
  });
});

describe('every per-IP counter counts an IPv6 /64 as one client', () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb();
  });
  afterEach(() => t.close());

  it('failed logins', async () => {
    const policy = { ...TEST_POLICIES.throttle, ipFailures: 3 };
    const fail = async (username: string, ip: string) => {
      const started = await startLoginAttempt(t.db, { username }, ip, now, policy, 60_000);
      if (started.allowed) await recordLoginFailure(t.db, started.attempt, now, policy);
      return started.allowed ? 'counted' : started.scope;
    };
    for (const [i, ip] of sameNetwork.entries()) expect(await fail(`user${i}`, ip)).toBe('counted');
    expect(await fail('user9', '2001:db8:1:2:9::9')).toBe('ip');
    expect(await fail('user9', otherNetwork)).toBe('counted');
  });

  it('registrations', async () => {
    const policies = withThrottle({ registrationsPerIp: 2 });
    const register = (username: string, ip: string) =>
      registerUser(
        t.db,
        { username, password, confirmPassword: password },
        testContext(now, ip),
        policies,
      );
    expect((await register('first', sameNetwork[0]!)).ok).toBe(true);
    expect((await register('second', sameNetwork[1]!)).ok).toBe(true);
    expect(await register('third', sameNetwork[2]!)).toMatchObject({ reason: 'throttled' });
    expect((await register('fourth', otherNetwork)).ok).toBe(true);
  });

  it('password-reset requests', async () => {
    const mailer = testMailer();
    await registerWithVerifiedEmail(
      t.db,
      mailer,
      { username: 'alice', password, email: 'alice@example.com' },
      now,
    );
    const policies = withThrottle({ resetsPerIp: 2, resetsPerAccount: 100 });
    const ask = (ip: string) =>
      requestPasswordReset(t.db, { identifier: 'alice' }, testContext(now, ip), policies, mailer);
    const links = async () =>
      (await queuedMail(t.db)).filter((m) => m.kind === 'password_reset').length;
    for (const ip of sameNetwork) await ask(ip);
    expect(await links()).toBe(2);
    await ask(otherNetwork);
    expect(await links()).toBe(3);
  });

  it('passkey sign-ins started', async () => {
    // Twenty starts per allowed failure: one failure allows twenty.
    const policies = withThrottle({ ipFailures: 1 });
    const start = (ip: string) => startPasskeyLogin(t.db, testContext(now, ip), policies);
    for (let i = 0; i < 20; i++) expect((await start(`2001:db8:1:2::${i + 1}`)).ok).toBe(true);
    expect(await start('2001:db8:1:2:ffff::1')).toMatchObject({ ok: false, reason: 'throttled' });
    expect((await start(otherNetwork)).ok).toBe(true);
  });
});
