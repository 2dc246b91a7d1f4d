import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  changeEmail,
  findEmailVerification,
  getEmailAddresses,
  removeEmail,
  setEmailByOperator,
  verifyEmail,
} from '@/lib/auth/email';
import { parseEmailAddress } from '@/lib/auth/email-address';
import { registerUser } from '@/lib/auth/users';
import {
  createTestDb,
  queuedMail,
  TEST_POLICIES,
  testContext,
  testMailer,
  type TestDb,
  actorOf,
  logInFromNewBrowsers,
} from '../fixtures/test-db';

const now = new Date('2026-01-01T00:00:00Z');
const password = 'violet lanterns drift slowly';
let t: TestDb;
let mailer: ReturnType<typeof testMailer>;
beforeEach(async () => {
  t = await createTestDb();
  mailer = testMailer();
});
afterEach(() => t.close());

const register = (username: string, email?: string) =>
  registerUser(
    t.db,
    { username, password, confirmPassword: password, email },
    testContext(now),
    TEST_POLICIES,
    mailer,
  );
const tokenIn = (text: string) => /verify-email\?token=([\w-]{43})/.exec(text)?.[1];

describe('parseEmailAddress', () => {
  it.each([
    ['Alice@Example.COM', 'alice@example.com'],
    ['  bob+tag@example.org ', 'bob+tag@example.org'],
    ['käthe@bücher.example', null], // a non-ASCII local part is refused
    ['kathe@Bücher.Example', 'kathe@xn--bcher-kva.example'],
  ])('%s -> %s', (raw, address) => {
    const parsed = parseEmailAddress(raw);
    expect(parsed.ok ? parsed.address : null).toBe(address);
  });

  it.each([
    '"quoted"@example.com',
    'a(comment)@example.com',
    'no-at-sign',
    'a@localhost',
    '@example.com',
    `${'a'.repeat(250)}@ex.com`,
    42,
  ])('refuses %j with a message', (raw) => {
    const parsed = parseEmailAddress(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message.length).toBeGreaterThan(10);
  });
});

describe('an address given at registration', () => {
  it('waits for verification, gets a link kept only as a hash, and verifies once', async () => {
    const result = await register('alice', 'Alice@Example.com');
    expect(result.ok).toBe(true);
    expect(await getEmailAddresses(t.db, 1)).toEqual({
      email: null,
      pendingEmail: 'alice@example.com',
    });
    const [mail] = await queuedMail(t.db);
    expect(mail).toMatchObject({ recipient: 'alice@example.com', kind: 'verify_email' });
    const token = tokenIn(mail!.content!.text)!;
    // At rest: neither the token nor the link, and the stored token is its SHA-256 only.
    const rows = JSON.stringify([
      await t.db.orm.select().from(t.db.tables.mailOutbox),
      await t.db.orm.select().from(t.db.tables.oneTimeTokens),
    ]);
    expect(rows).not.toContain(token);
    expect(mail!.content!.html).not.toMatch(/<img|<script/i);
    expect(mail!.content!.text).toContain('https://gatehouse.test/verify-email?token=');
    expect(mail!.content!.text).toContain('for the account "alice"');
    expect(await findEmailVerification(t.db, token, now)).toEqual({
      address: 'alice@example.com',
      username: 'alice',
    });

    const twice = await Promise.all([
      verifyEmail(t.db, token, testContext(now)),
      verifyEmail(t.db, token, testContext(now)),
    ]);
    expect(twice.filter((r) => r.ok)).toEqual([{ ok: true, address: 'alice@example.com' }]);
    expect(twice.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'invalid_link' }]);
    expect(await getEmailAddresses(t.db, 1)).toEqual({
      email: 'alice@example.com',
      pendingEmail: null,
    });
  });

  it('refuses an expired, tampered or foreign link', async () => {
    await register('alice', 'alice@example.com');
    const token = tokenIn((await queuedMail(t.db))[0]!.content!.text)!;
    const later = new Date(now.getTime() + 24 * 3600_000 + 1);
    expect(await verifyEmail(t.db, token, testContext(later))).toEqual({
      ok: false,
      reason: 'invalid_link',
    });
    expect(
      await verifyEmail(
        t.db,
        `${token.slice(0, -1)}${token.at(-1) === 'A' ? 'B' : 'A'}`,
        testContext(now),
      ),
    ).toMatchObject({ ok: false });
    for (const bad of ['', 'x'.repeat(5000), 42, null])
      expect(await verifyEmail(t.db, bad, testContext(now))).toMatchObject({ ok: false });
  });

  it('already verified by another account: the same answer, a mail saying so, and no link', async () => {
    await register('alice', 'shared@example.com');
    await verifyEmail(t.db, tokenIn((await queuedMail(t.db))[0]!.content!.text)!, testContext(now));
    const second = await register('bob', 'SHARED@example.com');
    expect(second).toMatchObject({ ok: true });
    const mail = (await queuedMail(t.db)).filter((m) => m.kind === 'email_in_use');
    expect(mail).toHaveLength(1);
    expect(mail[0]!.content!.text).not.toMatch(/token=/);
    expect(await getEmailAddresses(t.db, 2)).toEqual({
      email: null,
      pendingEmail: 'shared@example.com',
    });
  });

  it('is refused with a per-field message when malformed, and nothing is stored', async () => {
    const result = await register('alice', 'not an address');
    expect(result).toMatchObject({
      ok: false,
      reason: 'invalid',
      fieldErrors: { email: expect.any(String) },
    });
    expect(await t.db.orm.select().from(t.db.tables.users)).toHaveLength(0);
    expect(
      await registerUser(
        t.db,
        { username: 'bob', password, confirmPassword: password, email: 'b@example.com' },
        testContext(now),
        TEST_POLICIES,
        null,
      ),
    ).toMatchObject({
      ok: false,
      fieldErrors: { email: 'This server sends no mail: leave the email address out.' },
    });
  });
});

describe('changing and removing the address', () => {
  beforeEach(async () => {
    await register('alice', 'old@example.com');
    await verifyEmail(t.db, tokenIn((await queuedMail(t.db))[0]!.content!.text)!, testContext(now));
  });
  const alice = { id: 1, username: 'alice' };

  it('needs the current password, keeps the old address until the new one is verified, and tells the old one', async () => {
    expect(
      await changeEmail(
        t.db,
        actorOf(alice),
        { email: 'new@example.com', currentPassword: 'not it at all' },
        testContext(now),
        TEST_POLICIES,
        mailer,
      ),
    ).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { currentPassword: 'That password is not correct.' },
    });
    expect(
      await changeEmail(
        t.db,
        actorOf(alice),
        { email: 'new@example.com', currentPassword: password },
        testContext(now),
        TEST_POLICIES,
        mailer,
      ),
    ).toEqual({
      ok: true,
      address: 'new@example.com',
    });
    expect(await getEmailAddresses(t.db, 1)).toEqual({
      email: 'old@example.com',
      pendingEmail: 'new@example.com',
    });
    const mail = await queuedMail(t.db);
    const notice = mail.find((m) => m.kind === 'notice_email_changed')!;
    expect(notice.recipient).toBe('old@example.com');
    expect(notice.content!.text).toContain('new@example.com');
    expect(notice.content!.text).toContain('IP address: 198.51.100.1');
    const link = mail.filter((m) => m.kind === 'verify_email').at(-1)!;
    expect(link.recipient).toBe('new@example.com');
    expect(await verifyEmail(t.db, tokenIn(link.content!.text)!, testContext(now))).toMatchObject({
      ok: true,
    });
    expect(await getEmailAddresses(t.db, 1)).toEqual({
      email: 'new@example.com',
      pendingEmail: null,
    });
  });

  it("tells the old address of a change even after sign-ins from new browsers used up the hour's sign-in notices", async () => {
    // Six logins from browsers the account has not seen: one past NOTICES_PER_HOUR (5).
    await logInFromNewBrowsers(t.db, mailer, { username: 'alice', password }, now, 6);
    const signInNotices = (await queuedMail(t.db)).filter((m) => m.kind === 'notice_new_browser');
    expect(signInNotices).toHaveLength(5);
    // The sixth was not mailed, and that is on record.
    const events = await t.db.orm.select().from(t.db.tables.securityEvents);
    expect(events.filter((e) => e.type === 'notice_dropped')).toMatchObject([
      { userId: 1, detail: 'notice_new_browser' },
    ]);

    expect(
      await changeEmail(
        t.db,
        actorOf(alice),
        { email: 'new@example.com', currentPassword: password },
        testContext(now),
        TEST_POLICIES,
        mailer,
      ),
    ).toMatchObject({ ok: true });
    const notices = (await queuedMail(t.db)).filter((m) => m.kind === 'notice_email_changed');
    expect(notices).toMatchObject([{ recipient: 'old@example.com' }]);
    expect(notices[0]!.content!.text).toContain('new@example.com');
  });

  it('asking again retires the earlier link', async () => {
    await changeEmail(
      t.db,
      actorOf(alice),
      { email: 'first@example.com', currentPassword: password },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    await changeEmail(
      t.db,
      actorOf(alice),
      { email: 'second@example.com', currentPassword: password },
      testContext(now),
      TEST_POLICIES,
      mailer,
    );
    const links = (await queuedMail(t.db)).filter((m) => m.kind === 'verify_email').slice(-2);
    expect(await verifyEmail(t.db, tokenIn(links[0]!.content!.text)!, testContext(now))).toEqual({
      ok: false,
      reason: 'invalid_link',
    });
    expect(
      await verifyEmail(t.db, tokenIn(links[1]!.content!.text)!, testContext(now)),
    ).toMatchObject({ ok: true, address: 'second@example.com' });
  });

  it('removes both addresses with the password, and tells the address that goes', async () => {
    expect(
      await removeEmail(
        t.db,
        actorOf(alice),
        { currentPassword: password },
        testContext(now),
        TEST_POLICIES,
        mailer,
      ),
    ).toEqual({ ok: true });
    expect(await getEmailAddresses(t.db, 1)).toEqual({ email: null, pendingEmail: null });
    expect((await queuedMail(t.db)).at(-1)).toMatchObject({
      recipient: 'old@example.com',
      kind: 'notice_email_changed',
    });
  });

  it('an operator sets a verified address directly, never one another account holds', async () => {
    await register('bob');
    expect(
      await setEmailByOperator(
        t.db,
        { id: 2, username: 'bob' },
        'OLD@example.com',
        testContext(now),
      ),
    ).toEqual({
      ok: false,
      message: 'That address belongs to another account.',
    });
    expect(
      await setEmailByOperator(
        t.db,
        { id: 2, username: 'bob' },
        'bob@example.com',
        testContext(now),
      ),
    ).toEqual({ ok: true });
    expect(await getEmailAddresses(t.db, 2)).toEqual({
      email: 'bob@example.com',
      pendingEmail: null,
    });
  });
});

describe('verification mail is capped', () => {
  const change = (who: { id: number; username: string }, email: string, when = now) =>
    changeEmail(
      t.db,
      actorOf(who),
      { email, currentPassword: password },
      testContext(when),
      TEST_POLICIES,
      mailer,
    );
  const mailTo = async (address: string) =>
    (await queuedMail(t.db)).filter((m) => m.recipient === address);

  it('per account: past THROTTLE_VERIFY_MAIL_PER_ACCOUNT changes an hour, the next is refused, saying when to try again', async () => {
    mailer = testMailer({ verifyPerAccount: 2 });
    await register('alice');
    const alice = { id: 1, username: 'alice' };
    expect(await change(alice, 'one@example.com')).toMatchObject({ ok: true });
    expect(await change(alice, 'two@example.com', new Date(now.getTime() + 60_000))).toMatchObject({
      ok: true,
    });
    const refused = await change(alice, 'three@example.com', new Date(now.getTime() + 120_000));
    expect(refused).toEqual({
      ok: false,
      reason: 'throttled',
      retryAfterSeconds: 3600 - 120,
      message: 'You have changed your email address too often. Try again in 58 minutes.',
    });
    expect(await mailTo('three@example.com')).toEqual([]);
    expect(await getEmailAddresses(t.db, 1)).toMatchObject({ pendingEmail: 'two@example.com' });
    // An hour after the first, it may change again.
    expect(
      await change(alice, 'three@example.com', new Date(now.getTime() + 3600_000)),
    ).toMatchObject({ ok: true });
  });

  it('per address: past THROTTLE_VERIFY_MAIL_PER_ADDRESS mails an hour to one address, whichever accounts ask, the next is refused', async () => {
    mailer = testMailer({ verifyPerAddress: 2 });
    for (const name of ['bob', 'carol', 'dave']) await register(name);
    const [bob, carol, dave] = [1, 2, 3].map((id, i) => ({
      id,
      username: ['bob', 'carol', 'dave'][i]!,
    }));
    expect(await change(bob!, 'victim@example.com')).toMatchObject({ ok: true });
    expect(await change(carol!, 'Victim@Example.com')).toMatchObject({ ok: true });
    expect(await change(dave!, 'victim@example.com')).toMatchObject({
      ok: false,
      reason: 'throttled',
      message: 'Too much mail has gone to that address lately. Try again in 60 minutes.',
    });
    // Registering with it is refused the same way, and makes no account.
    expect(await register('erin', 'victim@example.com')).toMatchObject({
      ok: false,
      reason: 'throttled',
    });
    expect(await t.db.orm.select().from(t.db.tables.users)).toHaveLength(3);
    expect(await mailTo('victim@example.com')).toHaveLength(2);
    // Other addresses are not held back, and a refusal used nothing up for dave.
    expect(await change(dave!, 'dave@example.com')).toMatchObject({ ok: true });
    const events = await t.db.orm.select().from(t.db.tables.securityEvents);
    expect(events.filter((e) => e.type === 'throttled').map((e) => e.detail)).toEqual([
      'email_change:address',
      'registration:address',
    ]);
  });
});
