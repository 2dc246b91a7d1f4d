import { openDatabase, type Db, type DbHooks } from '@/db';
import { isDatabaseUnavailable, noteDatabaseFailure } from '@/db/health';
import { orBusy, verifyDummyPassword } from './auth/password';
import { closeHashPool, configureHashPool } from './auth/password-hashing';
import { getConfig } from './config';
import { startedThroughServer } from './http/vouched-headers';
import { getLogger } from './logger';
import { messagesFor } from './mail/messages';
import type { Mailer } from './mail/outbox';
import { startMailSender, type MailSender } from './mail/sender';
import { createMailTransport } from './mail/transport';
import { metrics } from './metrics';
import { createSecretBox } from './secret-box';

// The composition root: the parts one server (or command-line) process shares, made once from
// the configuration. Pages, actions, route handlers, the server and the command line reach the
// database through getDb(), never by opening it themselves. Kept on globalThis: Next.js bundles
// instrumentation and the routes apart, each with its own copy of this module, and dev-mode
// reloads would otherwise leak handles.

type Runtime = { db?: Db; migrated: boolean; mailer?: Mailer | null; sender?: MailSender };
const holder = globalThis as typeof globalThis & { gatehouseRuntime?: Runtime };
const runtime = (): Runtime => (holder.gatehouseRuntime ??= { migrated: false });

const hooks: DbHooks = {
  log: (level, fields, message) => getLogger()[level](fields, message),
  onUnreachable: () => metrics().databaseErrors.inc(),
};

/** The process's database handle: one SQLite connection or one PostgreSQL pool. */
export function getDb(): Db {
  const current = runtime();
  current.db ??= openDatabase(getConfig().database, hooks);
  return current.db;
}

/** What the core needs to mail people, or null when email is off (production without SMTP_URL). */
export function getMailer(): Mailer | null {
  const current = runtime();
  if (current.mailer === undefined) {
    const { mail, appName, appOrigin, encryptionKeys } = getConfig();
    current.mailer = mail && {
      settings: mail,
      appOrigin,
      messages: messagesFor(appName, appOrigin),
      box: createSecretBox(encryptionKeys, 'mail-outbox'),
      wake: () => runtime().sender?.wake(),
    };
  }
  return current.mailer;
}

/** Whether this process has brought the database's schema up to date (readiness checks). */
export const isMigrated = (): boolean => runtime().migrated;

/**
 * A server process's start (instrumentation.ts): checks it was started by Gatehouse's server,
 * sizes the hashing pool, applies pending migrations, and makes the dummy password hash now, so
 * even the first login for an unknown name takes no longer than any other. If the database cannot
 * be reached, the server starts anyway (answering 503 meanwhile) and keeps trying to migrate every
 * `retryMs` until it can.
 */
export async function startServerRuntime(retryMs = 2000): Promise<void> {
  const config = getConfig();
  checkStartCommand(config.nodeEnv);
  configureHashPool(config.passwordHash);
  const db = getDb();
  const migrated = () => {
    runtime().migrated = true;
  };
  try {
    await db.migrate();
    migrated();
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    noteDatabaseFailure(error, hooks);
    const retry = () =>
      db.migrate().then(
        () => {
          migrated();
          getLogger().info(
            { event: 'database_migrated' },
            'migrations applied once the database answered',
          );
        },
        (again: unknown) => {
          if (!isDatabaseUnavailable(again))
            return getLogger().error({ event: 'migration_failed', err: again }, 'migration failed');
          setTimeout(() => void retry(), retryMs).unref();
        },
      );
    setTimeout(() => void retry(), retryMs).unref();
  }
  startSendingMail();
  // If the hashing thread is too slow to start, the first such login makes it instead.
  await orBusy(verifyDummyPassword('', config.user.bcryptCost));
}

/** Each server process sends the outbox's mail; without email on, it says so once. */
function startSendingMail(): void {
  const { mail } = getConfig();
  const mailer = getMailer();
  const current = runtime();
  if (!mail || !mailer) {
    getLogger().warn(
      { event: 'email_off' },
      'Email is off (no SMTP_URL): no address verification, password reset or notices.',
    );
    return;
  }
  current.sender ??= startMailSender({
    db: getDb(),
    box: mailer.box,
    transport: createMailTransport(mail, (fields, message) => getLogger().info(fields, message)),
    retryMaxDelayMs: mail.retryMaxDelayMs,
    log: hooks.log,
  });
}

/**
 * Under plain `next start` or `next dev` no client address reaches the app, so every client would
 * share one per-IP bucket, and strangers filling it would refuse every login: production does not
 * start that way, development says so once.
 */
function checkStartCommand(nodeEnv: string): void {
  if (startedThroughServer()) return;
  const message =
    'Gatehouse was started without its server (plain `next start` or `next dev`), so it cannot see client addresses';
  if (nodeEnv === 'production') {
    console.error(`${message}. Start it with \`npm start\` (node dist/server.js) instead.`);
    process.exit(1);
  }
  getLogger().warn(
    { event: 'no_client_address' },
    `${message}: every client counts as one address for throttling. Use \`npm run dev\`.`,
  );
}

/**
 * A command-line process's start: the pool has the process to itself, so its hashes wait as long
 * as a thread takes to start; and the database, brought up to date once.
 */
export async function startCommandRuntime(): Promise<Db> {
  configureHashPool({ ...getConfig().passwordHash, queueTimeoutMs: Infinity });
  const current = runtime();
  if (!current.migrated) {
    await getDb().migrate();
    current.migrated = true;
  }
  return getDb();
}

/** Closes what this process opened (the command line, before it exits). */
export async function closeRuntime(): Promise<void> {
  const current = runtime();
  const db = current.db;
  current.db = undefined;
  await current.sender?.stop();
  current.sender = undefined;
  current.migrated = false;
  await Promise.all([db?.close(), closeHashPool()]);
}
