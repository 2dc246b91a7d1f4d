import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@/db';
import { runTransaction } from '@/db/transaction';
import { listMail } from '@/db/queries/mail-outbox';
import { rotateEncryptionKeys } from '@/lib/auth/maintenance';
import { sendNotice, type NoticeKind, type NoticeRecipient } from '@/lib/auth/notices';
import { registerUser } from '@/lib/auth/users';
import { mailStep } from '@/lib/mail/outbox';
import { startMailSender, type MailSender } from '@/lib/mail/sender';
import { createMailTransport, type MailTransport } from '@/lib/mail/transport';
import { startSmtpSink, type SmtpSink } from '../fixtures/smtp-sink';
import {
  createTestDb,
  queuedMail,
  registerWithVerifiedEmail,
  targetOf,
  TEST_KEYS,
  TEST_POLICIES,
  testContext,
  testMailer,
  type TestDb,
} from '../fixtures/test-db';

let t: TestDb;
let sink: SmtpSink;
const senders: MailSender[] = [];
const quiet = () => {};
beforeEach(async () => {
  t = await createTestDb();
  sink = await startSmtpSink();
});
afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.stop()));
  await sink.stop();
  await t.close();
});

function startSender(
  db = t.db,
  keys = TEST_KEYS,
  { leaseMs, sendDelayMs = 0 }: { leaseMs?: number; sendDelayMs?: number } = {},
) {
  const mailer = testMailer({ transport: { kind: 'smtp', url: sink.url } }, keys);
  const smtp = createMailTransport(mailer.settings, quiet);
  // A slow mail server: each message takes sendDelayMs before it goes.
  const transport: MailTransport = {
    send: async (to, content) => {
      await new Promise((resolve) => setTimeout(resolve, sendDelayMs));
      await smtp.send(to, content);
    },
    close: () => smtp.close(),
  };
  const sender = startMailSender({
    db,
    box: mailer.box,
    transport,
    retryMaxDelayMs: 200,
    log: quiet,
    leaseMs,
  });
  senders.push(sender);
  return sender;
}

async function queue(count: number, mailer = testMailer()) {
  const steps = Array.from({ length: count }, (_, i) =>
    mailStep(
      t.db,
      mailer,
      `person${i}@example.com`,
      mailer.messages.emailInUse(`person${i}@example.com`),
      new Date(),
    ),
  );
  await runTransaction(t.db, steps);
}

describe('the mail sender', () => {
  it('sends what was queued, then keeps who, what and when but not the message', async () => {
    await queue(3);
    startSender().wake();
    for (let i = 0; i < 3; i++) await sink.waitFor(`person${i}@example.com`);
    await expect.poll(async () => (await listMail(t.db, 'sent', 10)).length).toBe(3);
    const rows = await t.db.orm.select().from(t.db.tables.mailOutbox);
    expect(
      rows.every(
        (row) => row.body === null && row.sentAt && row.recipient && row.kind === 'email_in_use',
      ),
    ).toBe(true);
    const mail = sink.to('person0@example.com')[0]!;
    expect(mail.from?.value[0]).toMatchObject({
      name: 'Gatehouse',
      address: 'no-reply@gatehouse.test',
    });
    expect(mail.html).toContain('<p>');
    expect(mail.text).toContain('already belongs to an account');
  });

  it(
    'sends each message once when two servers send side by side',
    { timeout: 30_000 },
    async () => {
      await queue(30);
      const other = openDatabase(targetOf(t.url));
      try {
        startSender().wake();
        startSender(other).wake();
        await expect
          .poll(async () => (await listMail(t.db, 'sent', 100)).length, { timeout: 20_000 })
          .toBe(30);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(sink.received).toHaveLength(30);
        expect(new Set(sink.received.map((m) => m.to && [m.to].flat()[0]!.text)).size).toBe(30);
      } finally {
        await Promise.all(senders.splice(0).map((s) => s.stop()));
        await other.close();
      }
    },
  );

  it(
    'sends each message once when every send outlasts the claim lease, with two senders side by side',
    { timeout: 30_000 },
    async () => {
      await queue(10);
      const other = openDatabase(targetOf(t.url));
      try {
        // Each send takes three times the lease: a claim that is not kept up would lapse mid-send.
        const slow = { leaseMs: 150, sendDelayMs: 450 };
        startSender(t.db, TEST_KEYS, slow).wake();
        startSender(other, TEST_KEYS, slow).wake();
        await expect
          .poll(async () => (await listMail(t.db, 'sent', 100)).length, { timeout: 20_000 })
          .toBe(10);
        await new Promise((resolve) => setTimeout(resolve, 1000)); // any second copy would be under way
        const recipients = sink.received.map((m) => [m.to].flat()[0]!.text);
        expect(recipients.toSorted()).toEqual(
          Array.from({ length: 10 }, (_, i) => `person${i}@example.com`).toSorted(),
        );
      } finally {
        await Promise.all(senders.splice(0).map((s) => s.stop()));
        await other.close();
      }
    },
  );

  it('tries again when the SMTP server is away, and the message arrives once it is back', async () => {
    await sink.stop();
    await queue(1);
    startSender().wake();
    await expect
      .poll(async () => (await listMail(t.db, 'pending', 10))[0]?.attempts ?? 0, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(2);
    expect((await listMail(t.db, 'pending', 10))[0]!.lastError).toMatch(/ECONNREFUSED|connect/i);
    await sink.start();
    await sink.waitFor('person0@example.com');
  });

  it('re-seals queued mail under the newest key, so the older key can then go', async () => {
    const older = ['an-older-encryption-key-that-is-rotated-out'];
    await queue(2, testMailer({}, older));
    expect(await rotateEncryptionKeys(t.db, [...TEST_KEYS, ...older])).toEqual({
      mail: 2,
      totpSecrets: 0,
    });
    expect((await queuedMail(t.db)).every((m) => m.content !== null)).toBe(true); // opens with TEST_KEYS alone
    expect(await rotateEncryptionKeys(t.db, [...TEST_KEYS, ...older])).toEqual({
      mail: 0,
      totpSecrets: 0,
    });
    startSender().wake();
    await sink.waitFor('person1@example.com');
  });
});

describe('notices', () => {
  it('go to the verified address only, sign-in notices at most NOTICES_PER_HOUR an hour', async () => {
    const mailer = testMailer({ noticesPerHour: 2 });
    const now = new Date('2026-01-01T00:00:00Z');
    const password = 'violet lanterns drift slowly';
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
    const owner = { id: 1, username: 'alice', email: 'alice@example.com' };
    const notify = (recipient: NoticeRecipient, when: Date, kind: NoticeKind = 'sign_in') =>
      sendNotice(
        t.db,
        mailer,
        recipient,
        (m, u, at) => m.newBrowser(u, at),
        testContext(when),
        kind,
      );
    for (let i = 0; i < 4; i++) await notify(owner, now);
    await notify({ id: 2, username: 'bob', email: null }, now);
    await notify(owner, now, 'change'); // not counted, never held back
    await notify(owner, new Date(now.getTime() + 3601_000));
    const sent = (await queuedMail(t.db)).filter((m) => m.kind === 'notice_new_browser');
    expect(sent).toHaveLength(4);
    expect(sent[0]!.content!.text).toContain(
      'When: 2026-01-01 00:00:00 UTC. Browser: Chrome 156 on Linux. IP address: 198.51.100.1.',
    );
    expect(sent[0]!.content!.text).toContain('https://gatehouse.test/account');
    const dropped = (await t.db.orm.select().from(t.db.tables.securityEvents)).filter(
      (e) => e.type === 'notice_dropped',
    );
    expect(dropped).toMatchObject([
      { userId: 1, detail: 'notice_new_browser' },
      { userId: 1, detail: 'notice_new_browser' },
    ]);
  });
});
