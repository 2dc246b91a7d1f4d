import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertPasskey } from '@/db/queries/passkeys';
import { completeLogIn } from '@/lib/auth/login';
import {
  answeredChallenge,
  finishPasskeyLogin,
  listPasskeys,
  removePasskey,
  renamePasskey,
  startPasskeyLogin,
} from '@/lib/auth/passkeys';
import { registerUser } from '@/lib/auth/users';
import {
  actorOf,
  createTestDb,
  queuedMail,
  TEST_POLICIES,
  testContext,
  testMailer,
  type TestDb,
  registerWithVerifiedEmail,
  logInFromNewBrowsers,
} from '../fixtures/test-db';
import {
  assert,
  createSoftwarePasskey,
  type SoftwarePasskey,
} from '../fixtures/software-authenticator';

// The passkey sign-in ceremony in the core, with a passkey held in this process: what the
// browser tests cannot set up (a clock, a chosen counter, two answers at once).

const now = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const origin = TEST_POLICIES.passkeys.origins[0]!;
const password = 'violet lanterns drift slowly';
const alice = { id: 1, username: 'alice' };
let t: TestDb;
let mailer: ReturnType<typeof testMailer>;
let passkey: SoftwarePasskey;

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
  );
  passkey = createSoftwarePasskey('alice-laptop');
  await insertPasskey(t.db, {
    userId: 1,
    credentialId: passkey.credentialId,
    publicKey: passkey.publicKey,
    counter: 0,
    transports: null,
    name: 'Laptop',
    createdAt: now,
    lastUsedAt: null,
  });
});
afterEach(() => t.close());

const challenge = async (when = now) => {
  const started = await startPasskeyLogin(t.db, testContext(when), TEST_POLICIES);
  if (!started.ok) throw new Error('not started');
  return started.challenge;
};
const finish = (held: string | null, response: unknown, when = now) =>
  finishPasskeyLogin(t.db, held, { response }, testContext(when), TEST_POLICIES, mailer);
const STRICT = { ...TEST_POLICIES, throttle: { ...TEST_POLICIES.throttle, ipFailures: 1 } };
const eventTypes = async () =>
  (await t.db.orm.select().from(t.db.tables.securityEvents)).map((e) => e.type);

describe('signing in with a passkey', () => {
  it('signs in as passkey, both factors, records it and moves the counter on', async () => {
    const held = await challenge();
    const result = await finish(held, assert(passkey, held, origin));
    expect(result).toMatchObject({ ok: true, user: alice, signIn: { method: 'passkey' } });
    const [stored] = await listPasskeys(t.db, 1);
    expect(stored!.lastUsedAt).toEqual(now);
    expect(await eventTypes()).toContain('login_success');
    if (result.ok)
      await expect(
        completeLogIn(t.db, result.user, result.signIn, testContext(now), TEST_POLICIES, null),
      ).resolves.toMatchObject({ session: { authMethod: 'passkey' } });
  });

  it('uses a challenge once, and only for the answer to it', async () => {
    const held = await challenge();
    const response = assert(passkey, held, origin);
    expect((await finish(held, response)).ok).toBe(true);
    expect(await finish(held, response)).toMatchObject({ ok: false });
    const another = await challenge();
    expect(await finish(another, response)).toMatchObject({ ok: false });
    expect(await finish(null, assert(passkey, held, origin))).toMatchObject({ ok: false });
  });

  it('reads the challenge an answer names, and none from a malformed answer', async () => {
    const held = await challenge();
    expect(answeredChallenge(assert(passkey, held, origin))).toBe(held);
    const clientData = (json: string) => ({
      response: { clientDataJSON: Buffer.from(json).toString('base64url') },
    });
    for (const malformed of [
      undefined,
      'text',
      {},
      { response: { clientDataJSON: 'not base64url!' } },
      clientData('not json'),
      clientData('{"type":"webauthn.get"}'),
      clientData('{"challenge":42}'),
      clientData(JSON.stringify({ challenge: 'a'.repeat(129) })),
    ])
      expect(answeredChallenge(malformed), JSON.stringify(malformed)).toBeNull();
  });

  it('refuses a challenge after five minutes', async () => {
    const held = await challenge();
    const late = at(5 * 60_000 + 1000);
    expect(await finish(held, assert(passkey, held, origin), late)).toMatchObject({ ok: false });
  });

  it('refuses an assertion without user verification, from another origin or relying party, or by an unknown passkey', async () => {
    for (const response of [
      (held: string) => assert(passkey, held, origin, { userVerified: false }),
      (held: string) => assert(passkey, held, 'http://localhost:3999'),
      (held: string) => assert(passkey, held, origin, { rpId: 'example.com' }),
      (held: string) => assert(createSoftwarePasskey('a stranger'), held, origin),
      () => ({ id: 'x', type: 'public-key' }),
      () => 'not an object',
    ]) {
      const held = await challenge();
      expect(await finish(held, response(held))).toMatchObject({ ok: false, reason: 'refused' });
    }
    expect(await t.db.orm.select().from(t.db.tables.sessions)).toHaveLength(0);
    expect((await eventTypes()).filter((type) => type === 'passkey_failure')).toHaveLength(6);
  });

  it('refuses a counter that does not move forward, records it and mails the owner', async () => {
    const first = await challenge();
    expect((await finish(first, assert(passkey, first, origin, { counter: 5 }))).ok).toBe(true);
    const copy = await challenge();
    expect(await finish(copy, assert(passkey, copy, origin, { counter: 5 }))).toMatchObject({
      ok: false,
    });
    expect(await eventTypes()).toContain('passkey_counter_regressed');
    expect((await queuedMail(t.db)).map((m) => m.kind)).toContain('notice_passkey_cloned');
  });

  it('of two answers checked at once with the same counter, one signs in', async () => {
    const [a, b] = [await challenge(), await challenge()];
    const results = await Promise.all([
      finish(a, assert(passkey, a, origin, { counter: 7 })),
      finish(b, assert(passkey, b, origin, { counter: 7 })),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('counts a sign-in that is started and never answered, per client IP, up to a bound', async () => {
    const start = (ip: string) => startPasskeyLogin(t.db, testContext(now, ip), STRICT);
    for (let i = 0; i < 20; i++) expect((await start('203.0.113.9')).ok).toBe(true);
    expect(await start('203.0.113.9')).toMatchObject({ ok: false, reason: 'throttled' });
    expect((await start('203.0.113.10')).ok).toBe(true);
  });

  it('gives a successful sign-in its count back; a failed one counts, a refused start does not', async () => {
    const ip = '203.0.113.9';
    const start = async () => {
      const started = await startPasskeyLogin(t.db, testContext(now, ip), STRICT);
      return started.ok ? started.challenge : null;
    };
    const finishFrom = (held: string, response: unknown) =>
      finishPasskeyLogin(t.db, held, { response }, testContext(now, ip), STRICT, mailer);
    for (let i = 0; i < 30; i++) {
      const held = (await start())!;
      expect((await finishFrom(held, assert(passkey, held, origin))).ok).toBe(true);
    }
    const kept = (await start())!; // answered later
    const failed = (await start())!;
    await finishFrom(failed, assert(createSoftwarePasskey('a stranger'), failed, origin));
    for (let i = 0; i < 18; i++) expect(await start()).not.toBeNull();
    for (let i = 0; i < 5; i++) expect(await start()).toBeNull(); // refused: not counted
    expect((await finishFrom(kept, assert(passkey, kept, origin))).ok).toBe(true);
    expect(await start()).not.toBeNull();
    expect(await start()).toBeNull();
  });

  it('counts a trusted browser (device cookie) on its own, not on its network', async () => {
    const ip = '203.0.113.9';
    const start = (device: string | null) =>
      startPasskeyLogin(t.db, testContext(now, ip), STRICT, device);
    for (let i = 0; i < 20; i++) expect((await start(null)).ok).toBe(true);
    expect(await start(null)).toMatchObject({ ok: false, reason: 'throttled' });
    for (let i = 0; i < 20; i++) expect((await start('alices-laptop')).ok).toBe(true);
    expect(await start('alices-laptop')).toMatchObject({ ok: false, reason: 'throttled' });
    expect((await start('bobs-phone')).ok).toBe(true);
  });

  it('deletes used and expired challenges as new ones are stored', async () => {
    const used = await challenge();
    expect((await finish(used, assert(passkey, used, origin))).ok).toBe(true);
    await challenge();
    await challenge();
    await challenge(at(5 * 60_000 + 1));
    const rows = await t.db.orm.select().from(t.db.tables.passkeyChallenges);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.createdAt).toEqual(at(5 * 60_000 + 1));
  });

  it('refuses and records an answer whose user handle names another account', async () => {
    const held = await challenge();
    const result = await finish(
      held,
      assert(passkey, held, origin, { userHandle: 'gatehouse-user-2' }),
    );
    expect(result).toMatchObject({ ok: false, reason: 'refused' });
    expect(await t.db.orm.select().from(t.db.tables.sessions)).toHaveLength(0);
    const events = await t.db.orm.select().from(t.db.tables.securityEvents);
    expect(events.filter((e) => e.type === 'passkey_failure')).toMatchObject([
      { userId: 1, detail: 'user handle mismatch' },
    ]);
    const again = await challenge();
    const own = assert(passkey, again, origin, { userHandle: 'gatehouse-user-1' });
    expect(await finish(again, own)).toMatchObject({ ok: true, user: alice });
  });

  it('keeps any 32-bit signature counter, up to 4294967295', async () => {
    const big = createSoftwarePasskey('alice-key');
    const stored = {
      userId: 1,
      credentialId: big.credentialId,
      publicKey: big.publicKey,
      counter: 4_294_967_294,
      transports: null,
      name: 'Key',
      createdAt: now,
      lastUsedAt: null,
    };
    expect(await insertPasskey(t.db, stored)).toBe(true);
    const held = await challenge();
    const result = await finish(held, assert(big, held, origin, { counter: 4_294_967_295 }));
    expect(result).toMatchObject({ ok: true, user: alice });
    const rows = await t.db.orm.select().from(t.db.tables.passkeys);
    expect(rows.find((row) => row.credentialId === big.credentialId)!.counter).toBe(4_294_967_295);
  });
});

describe('managing passkeys', () => {
  it('renames only your own, with a sensible name', async () => {
    const id = (await listPasskeys(t.db, 1))[0]!.id;
    expect(await renamePasskey(t.db, actorOf(alice), id, { name: '  Work   phone ' })).toEqual({
      ok: true,
    });
    expect((await listPasskeys(t.db, 1))[0]!.name).toBe('Work phone');
    expect(await renamePasskey(t.db, actorOf(alice), id, { name: 'x'.repeat(65) })).toMatchObject({
      reason: 'invalid',
    });
    expect(await renamePasskey(t.db, actorOf(alice), id, { name: 'bad\u0000name' })).toMatchObject({
      reason: 'invalid',
    });
    // Characters that reorder or hide text would let a name pass for another.
    for (const hidden of [
      '\u202e',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200e',
      '\u200f',
      '\u200b',
      '\u200d',
      '\ufeff',
    ])
      expect(
        await renamePasskey(t.db, actorOf(alice), id, { name: `Work${hidden}phone` }),
        JSON.stringify(hidden),
      ).toEqual({
        ok: false,
        reason: 'invalid',
        fieldErrors: { name: expect.stringContaining('invisible') },
      });
    expect(
      await renamePasskey(t.db, actorOf({ id: 2, username: 'bob' }), id, { name: 'Mine' }),
    ).toMatchObject({ reason: 'refused' });
    // An id is plain decimal digits: other spellings Number() would read name nothing.
    for (const spelling of ['nine', `0x${id.toString(16)}`, ` ${id}`, `${id}.0`, `${id}e0`, '-1'])
      expect(
        await renamePasskey(t.db, actorOf(alice), spelling, { name: 'Mine' }),
        spelling,
      ).toMatchObject({ reason: 'refused' });
    expect(await renamePasskey(t.db, actorOf(alice), String(id), { name: 'Mine' })).toEqual({
      ok: true,
    });
  });

  it("mails the notice of a removal even after sign-ins from new browsers used up the hour's sign-in notices", async () => {
    await logInFromNewBrowsers(t.db, mailer, { username: 'alice', password }, now, 6);
    const id = (await listPasskeys(t.db, 1))[0]!.id;
    expect(
      await removePasskey(
        t.db,
        actorOf(alice),
        id,
        { currentPassword: password },
        testContext(now),
        TEST_POLICIES,
        mailer,
      ),
    ).toMatchObject({ ok: true });
    const kinds = (await queuedMail(t.db)).map((m) => m.kind);
    expect(kinds.filter((k) => k === 'notice_new_browser')).toHaveLength(5);
    expect(kinds).toContain('notice_passkey_removed');
  });

  it('removes one with the password, mails a notice, and it signs in no more', async () => {
    const id = (await listPasskeys(t.db, 1))[0]!.id;
    const remove = (who: typeof alice, currentPassword: string) =>
      removePasskey(
        t.db,
        actorOf(who),
        id,
        { currentPassword },
        testContext(now),
        TEST_POLICIES,
        mailer,
      );
    expect(await remove(alice, 'not the password at all')).toMatchObject({ reason: 'invalid' });
    expect(await remove({ id: 2, username: 'bob' }, password)).toMatchObject({ reason: 'refused' });
    expect(await remove(alice, password)).toEqual({ ok: true, name: 'Laptop' });
    expect(await listPasskeys(t.db, 1)).toEqual([]);
    expect((await queuedMail(t.db)).map((m) => m.kind)).toContain('notice_passkey_removed');
    const held = await challenge();
    expect(await finish(held, assert(passkey, held, origin))).toMatchObject({ ok: false });
  });
});
