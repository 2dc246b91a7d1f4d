import type { Db } from '@/db';
import { queueMail } from '@/db/queries/mail-outbox';
import type { TransactionStep } from '@/db/transaction';
import type { MailSettings } from '../config';
import type { SecretBox } from '../secret-box';
import type { Message, Messages } from './messages';

// Mail is never sent from a request: it is written to the outbox in the same transaction as the
// token or event that causes it, and each server's sender (./sender.ts) sends it from there. A
// restart or an SMTP outage then loses nothing, and the outbox holds no usable link in the clear.

/** What the core needs to mail people; null wherever email is off. */
export type Mailer = {
  settings: MailSettings;
  appOrigin: string;
  messages: Messages;
  box: SecretBox;
  /** Tells this process's sender there is new mail, once the transaction that queued it committed. */
  wake(): void;
};

/** The message, sealed for its recipient, as a transaction step. */
export function mailStep(
  db: Db,
  mailer: Mailer,
  to: string,
  message: Message,
  now: Date,
): TransactionStep {
  const { kind, ...content } = message;
  return queueMail(db, {
    recipient: to,
    kind,
    body: mailer.box.seal(JSON.stringify(content), to),
    createdAt: now,
  });
}

export type SealedContent = Omit<Message, 'kind'>;

/** A queued message's content, or null if no configured key opens it. */
export function openMail(box: SecretBox, recipient: string, body: string): SealedContent | null {
  const opened = box.open(body, recipient);
  return opened === null ? null : (JSON.parse(opened) as SealedContent);
}
