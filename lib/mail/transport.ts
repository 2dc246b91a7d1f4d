import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { MailSettings } from '../config';
import type { SealedContent } from './outbox';

export type MailTransport = {
  send(to: string, content: SealedContent): Promise<void>;
  close(): void;
};
type Log = (fields: Record<string, unknown>, message: string) => void;

// Generous but bounded: a stalled SMTP server costs a retry, never a sender stuck for good.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * SMTP (SMTP_URL), or outside production without it, .eml files in data/mail/ with each link
 * printed in the log, so development needs no mail server.
 */
export function createMailTransport(settings: MailSettings, log: Log): MailTransport {
  const { transport } = settings;
  if (transport.kind === 'smtp') {
    const url = new URL(transport.url);
    const local =
      url.hostname === 'localhost' || url.hostname.startsWith('127.') || url.hostname === '[::1]';
    // Plain smtp:// to another machine must upgrade to TLS (STARTTLS) before any credential goes.
    const smtp = nodemailer.createTransport({
      url: transport.url,
      requireTLS: url.protocol === 'smtp:' && !local,
      ...TIMEOUTS,
    });
    return {
      send: async (to, content) =>
        void (await smtp.sendMail({ from: settings.from, to, ...content })),
      close: () => smtp.close(),
    };
  }
  const files = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'unix',
  });
  return {
    async send(to, content) {
      const info = await files.sendMail({ from: settings.from, to, ...content });
      await mkdir(transport.dir, { recursive: true });
      const file = path.join(
        transport.dir,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}.eml`,
      );
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      log(
        { event: 'mail_written', file, links: content.text.match(/https?:\/\/\S+/g) ?? [] },
        'mail written to a file (no SMTP_URL)',
      );
    },
    close: () => files.close(),
  };
}
