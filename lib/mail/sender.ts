import { randomBytes } from 'node:crypto';
import type { Db } from '@/db';
import {
  claimNextMail,
  markMailSent,
  markMailUnsent,
  renewMailClaim,
} from '@/db/queries/mail-outbox';
import type { MailRow } from '@/db/schema';
import type { SecretBox } from '../secret-box';
import { openMail } from './outbox';
import type { MailTransport } from './transport';

// One sender per server process: it claims the next due message from the outbox, sends it, and
// marks it sent; when sending fails it tries again later, each wait twice the one before up to
// MAIL_RETRY_MAX_DELAY, and gives up on a message a day old. A claim is a lease in the database,
// taken for one message at a time and renewed while its send lasts, so several servers send
// side by side and none sends a message whose claim another could think lapsed. A sender that
// dies mid-send stops renewing; its claim lapses, and the message is sent again.

const POLL_MS = 1000;
const LEASE_MS = 60_000;
// Renewed this many times a lease, so one slow or lost renewal does not let the claim lapse.
const RENEWALS_PER_LEASE = 3;
const FIRST_RETRY_MS = 1000;
const GIVE_UP_AFTER_MS = 24 * 3600_000;

export type MailSender = { wake(): void; stop(): Promise<void> };
type Log = (
  level: 'info' | 'warn' | 'error',
  fields: Record<string, unknown>,
  message: string,
) => void;

export function startMailSender(options: {
  db: Db;
  box: SecretBox;
  transport: MailTransport;
  retryMaxDelayMs: number;
  log: Log;
  /** How long a claim holds a message for this sender (tests shorten it). */
  leaseMs?: number;
}): MailSender {
  const { db, box, transport, retryMaxDelayMs, log, leaseMs = LEASE_MS } = options;
  const claimToken = randomBytes(12).toString('base64url');
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function send(row: MailRow): Promise<void> {
    const content = row.body ? openMail(box, row.recipient, row.body) : null;
    const now = () => new Date();
    if (!content) {
      // Sealed with a key no longer configured: no retry can help.
      const error =
        'no configured key opens this message (ENCRYPTION_KEYS changed without keys:rotate)';
      await markMailUnsent(db, row.id, claimToken, {
        attempts: row.attempts + 1,
        sendAfter: now(),
        error,
        failedAt: now(),
      });
      log(
        'error',
        { event: 'mail_failed', id: row.id, kind: row.kind, error },
        'mail cannot be sent',
      );
      return;
    }
    try {
      await transport.send(row.recipient, content);
      await markMailSent(db, row.id, claimToken, now());
      log('info', { event: 'mail_sent', id: row.id, kind: row.kind }, 'mail sent');
    } catch (failure) {
      const attempts = row.attempts + 1;
      const delay = Math.min(retryMaxDelayMs, FIRST_RETRY_MS * 2 ** Math.min(attempts - 1, 30));
      const givesUp = now().getTime() - row.createdAt.getTime() > GIVE_UP_AFTER_MS;
      const error = (failure as Error).message.slice(0, 500);
      await markMailUnsent(db, row.id, claimToken, {
        attempts,
        sendAfter: new Date(now().getTime() + delay),
        error,
        failedAt: givesUp ? now() : null,
      });
      log(
        givesUp ? 'error' : 'warn',
        {
          event: givesUp ? 'mail_failed' : 'mail_retry',
          id: row.id,
          kind: row.kind,
          attempts,
          error,
        },
        'mail not sent',
      );
    }
  }

  // Keeps the claim on `row` for as long as `sending` lasts.
  async function whileClaimed(row: MailRow, sending: () => Promise<void>): Promise<void> {
    const renew = () =>
      renewMailClaim(db, row.id, claimToken, new Date(Date.now() + leaseMs)).then(
        (kept) => {
          if (!kept)
            log('warn', { event: 'mail_claim_lost', id: row.id }, 'mail claim no longer held');
        },
        (error: unknown) =>
          log(
            'warn',
            { event: 'mail_claim_not_renewed', id: row.id, error: (error as Error).message },
            'mail claim could not be renewed',
          ),
      );
    const renewing = setInterval(() => void renew(), leaseMs / RENEWALS_PER_LEASE);
    try {
      await sending();
    } finally {
      clearInterval(renewing);
    }
  }

  async function work(): Promise<void> {
    do {
      again = false;
      while (!stopped) {
        const now = new Date();
        const row = await claimNextMail(db, now, new Date(now.getTime() + leaseMs), claimToken);
        if (!row) break;
        await whileClaimed(row, () => send(row));
      }
    } while (again && !stopped);
  }

  function run(): void {
    if (stopped) return;
    if (round) {
      again = true; // the round under way goes once more
      return;
    }
    clearTimeout(timer);
    round = work()
      .catch((error: unknown) =>
        log(
          'warn',
          { event: 'mail_sender_paused', error: (error as Error).message },
          'mail sender could not reach the outbox',
        ),
      )
      .finally(() => {
        round = null;
        if (!stopped) timer = setTimeout(run, POLL_MS).unref();
      });
  }

  timer = setTimeout(run, 0).unref();
  return {
    wake: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
      transport.close();
    },
  };
}
