// npm run admin -- <command>: account administration over the same core as the web app.
import { Command, CommanderError } from 'commander';
import { read } from 'read';
import { describeTarget, openDatabase, type Db } from '@/db';
import { copyDatabase, CopyRefused } from '@/db/copy';
import { isDatabaseUnavailable } from '@/db/health';
import { listMail, requeueMail } from '@/db/queries/mail-outbox';
import { listUsers } from '@/db/queries/users';
import type { RequestContext, User } from '@/lib/auth/context';
import { setEmailByOperator } from '@/lib/auth/email';
import { purgeExpiredData, rotateEncryptionKeys } from '@/lib/auth/maintenance';
import { listPasskeys, removePasskeyByOperator } from '@/lib/auth/passkeys';
import { setSecondFactorRequiredByOperator } from '@/lib/auth/required-second-factor';
import { resetSecondFactorByOperator } from '@/lib/auth/second-factor';
import { listAllSessions, revokeEverySession, revokeOtherSessions } from '@/lib/auth/session';
import { normalizeUsername } from '@/lib/auth/username';
import { createUser, deleteAccount, getUser } from '@/lib/auth/users';
import { ConfigError, getConfig, parseConfig } from '@/lib/config';
import { logToStderr } from '@/lib/logger';
import { closeRuntime, getMailer, startCommandRuntime } from '@/lib/runtime';
import { describeUserAgent } from '@/lib/user-agent';

logToStderr();

class UsageError extends Error {}

const context = (): RequestContext => ({
  now: new Date(),
  client: { ip: null, userAgent: 'gatehouse-admin' },
});

/** The configured database, brought up to date once per command. */
const db = (): Promise<Db> => startCommandRuntime();

async function requireUser(name: string): Promise<User> {
  const user = await getUser(await db(), name);
  if (!user) throw new UsageError(`No user named "${normalizeUsername(name)}".`);
  return user;
}

function printTable(rows: Record<string, string>[], empty: string): void {
  if (rows.length === 0) return void console.log(empty);
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(line(columns));
  for (const row of rows) console.log(line(columns.map((c) => row[c]!)));
}

const iso = (date: Date) => date.toISOString().replace('T', ' ').slice(0, 19);

// Never from argv: it would sit in shell history and in every process listing.
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const password = await read({ prompt: 'Password: ', silent: true, replace: '*' });
    const again = await read({ prompt: 'Repeat password: ', silent: true, replace: '*' });
    if (password !== again) throw new UsageError('The passwords do not match.');
    return password;
  }
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  return input.replace(/\r?\n$/, '');
}

const program = new Command('admin')
  .description('Gatehouse administration. Uses DATABASE_URL and the other settings of the web app.')
  .exitOverride();

program
  .command('users:list')
  .description('list every user')
  .action(async () => {
    const users = await listUsers(await db());
    printTable(
      users.map((u) => ({ id: String(u.id), username: u.username, created: iso(u.createdAt) })),
      'No users.',
    );
  });

program
  .command('users:create')
  .description('create a user; the password is read from a prompt, or from stdin when piped')
  .argument('<username>')
  .action(async (username: string) => {
    const password = await readPassword();
    const result = await createUser(
      await db(),
      { username, password, confirmPassword: password },
      context(),
      getConfig(),
    );
    if (!result.ok)
      throw new UsageError(
        result.reason === 'invalid' ? Object.values(result.fieldErrors).join(' ') : result.message,
      );
    console.log(`Created user "${result.user.username}".`);
  });

program
  .command('users:delete')
  .description('delete a user with their sessions and activity')
  .argument('<username>')
  .action(async (username: string) => {
    const user = await requireUser(username);
    await deleteAccount(await db(), user, context(), { byOperator: true });
    console.log(`Deleted user "${user.username}".`);
  });

program
  .command('users:email')
  .description("set a user's email address (verified: no mail is sent), or clear it with --clear")
  .argument('<username>')
  .argument('[address]')
  .option('--clear', 'remove the address')
  .action(async (username: string, address: string | undefined, { clear }: { clear?: boolean }) => {
    if (!address === !clear) throw new UsageError('Give an address, or --clear, but not both.');
    const user = await requireUser(username);
    const result = await setEmailByOperator(await db(), user, clear ? null : address!, context());
    if (!result.ok) throw new UsageError(result.message);
    console.log(
      clear
        ? `Cleared the email address of "${user.username}".`
        : `Set the email address of "${user.username}".`,
    );
  });

program
  .command('users:reset-second-factor')
  .description(
    "turn off a user's two-step sign-in (lost app and recovery codes): recorded, and mailed to them",
  )
  .argument('<username>')
  .action(async (username: string) => {
    const user = await requireUser(username);
    const reset = await resetSecondFactorByOperator(await db(), user, context(), getMailer());
    if (!reset) throw new UsageError(`"${user.username}" has no second factor.`);
    console.log(
      `Turned off two-step sign-in for "${user.username}": they sign in with the password alone until they set it up again.`,
    );
  });

program
  .command('users:require-second-factor')
  .description(
    'require a second factor of a user (they set one up at their next page), or no longer with --off',
  )
  .argument('<username>')
  .option('--off', 'no longer require it (REQUIRE_SECOND_FACTOR=all still does)')
  .action(async (username: string, { off }: { off?: boolean }) => {
    const user = await requireUser(username);
    const changed = await setSecondFactorRequiredByOperator(await db(), user, !off, context());
    if (!changed)
      throw new UsageError(
        off
          ? `A second factor was not required of "${user.username}".`
          : `A second factor is already required of "${user.username}".`,
      );
    console.log(
      off
        ? `A second factor is no longer required of "${user.username}"${getConfig().secondFactor.required === 'all' ? ' by name (REQUIRE_SECOND_FACTOR=all still requires it)' : ''}.`
        : `A second factor is now required of "${user.username}": without one, their sessions reach only the page that sets it up.`,
    );
  });

program
  .command('passkeys:list')
  .description("list a user's passkeys")
  .argument('<username>')
  .action(async (username: string) => {
    const user = await requireUser(username);
    const passkeys = await listPasskeys(await db(), user.id);
    printTable(
      passkeys.map((p) => ({
        id: String(p.id),
        name: p.name,
        added: iso(p.createdAt),
        'last used': p.lastUsedAt ? iso(p.lastUsedAt) : 'never',
      })),
      `"${user.username}" has no passkeys.`,
    );
  });

program
  .command('passkeys:remove')
  .description(
    "remove one of a user's passkeys (the id from passkeys:list): recorded, and mailed to them",
  )
  .argument('<username>')
  .argument('<id>')
  .action(async (username: string, id: string) => {
    if (!/^\d{1,15}$/.test(id)) throw new UsageError('The id is a number, as passkeys:list shows.');
    const user = await requireUser(username);
    const result = await removePasskeyByOperator(await db(), user, id, context(), getMailer());
    if (!result.ok) throw new UsageError(`"${user.username}" has no passkey with the id ${id}.`);
    console.log(`Removed the passkey "${result.name}" (id ${id}) of "${user.username}".`);
  });

program
  .command('mail:list')
  .description('list the outbox, newest first: messages waiting, failed, sent, or all')
  .option('--state <state>', 'pending, failed, sent or all', 'all')
  .option('--limit <n>', 'how many', '50')
  .action(async ({ state, limit }: { state: string; limit: string }) => {
    if (!['pending', 'failed', 'sent', 'all'].includes(state))
      throw new UsageError('--state must be pending, failed, sent or all.');
    const count = Number(limit);
    if (!Number.isInteger(count) || count < 1 || count > 10_000)
      throw new UsageError('--limit must be a whole number from 1 to 10000.');
    const rows = await listMail(await db(), state as 'all', count);
    printTable(
      rows.map((m) => ({
        id: String(m.id),
        kind: m.kind,
        to: m.recipient,
        queued: iso(m.createdAt),
        state: m.sentAt
          ? `sent ${iso(m.sentAt)}`
          : m.failedAt
            ? `failed ${iso(m.failedAt)}`
            : 'pending',
        attempts: String(m.attempts),
        'last error': m.lastError ?? '',
      })),
      'No mail.',
    );
  });

program
  .command('mail:resend')
  .description(
    'send a pending or failed message again now (the servers send it; sent messages keep no body)',
  )
  .argument('<id>')
  .action(async (id: string) => {
    if (!/^\d{1,12}$/.test(id)) throw new UsageError('The id is a number, as mail:list shows.');
    if (!(await requeueMail(await db(), Number(id), new Date()))) {
      throw new UsageError(`No unsent message ${id}: sent messages keep no body to send again.`);
    }
    console.log(`Message ${id} is queued; a running server sends it within seconds.`);
  });

program
  .command('keys:rotate')
  .description('re-seal what is encrypted at rest under the newest of ENCRYPTION_KEYS')
  .action(async () => {
    const report = await rotateEncryptionKeys(await db(), getConfig().encryptionKeys);
    console.log(
      `Re-sealed ${report.mail} queued message(s) and ${report.totpSecrets} authenticator secret(s) under the newest key.`,
    );
  });

program
  .command('sessions:list')
  .description("list live sessions, everyone's or one user's")
  .argument('[username]')
  .action(async (username?: string) => {
    const only = username ? (await requireUser(username)).username : undefined;
    const rows = (await listAllSessions(await db(), new Date(), getConfig().session))
      .filter((s) => !only || s.username === only)
      .map((s) => ({
        username: s.username,
        started: iso(s.createdAt),
        'last active': iso(s.lastSeenAt),
        ip: s.ip ?? 'unknown',
        device: describeUserAgent(s.userAgent),
      }));
    printTable(rows, 'No live sessions.');
  });

program
  .command('sessions:revoke')
  .description('end every session of a user at once, or of every user with --all')
  .argument('[username]')
  .option('--all', "end everyone's sessions")
  .action(async (username: string | undefined, options: { all?: boolean }) => {
    if (Boolean(username) === Boolean(options.all)) {
      throw new UsageError('Name one user, or pass --all to end every session.');
    }
    if (options.all) {
      const count = await revokeEverySession(await db(), context());
      return void console.log(`Ended ${count} session${count === 1 ? '' : 's'} of every user.`);
    }
    const user = await requireUser(username!);
    const count = await revokeOtherSessions(await db(), user.id, undefined, context());
    console.log(`Ended ${count} session${count === 1 ? '' : 's'} of "${user.username}".`);
  });

program
  .command('db:setup')
  .description(
    'apply pending migrations to the database DATABASE_URL names (the server also does this at start)',
  )
  .action(async () => {
    await db();
    console.log(`Database ready: ${describeTarget(getConfig().database)}`);
  });

program
  .command('db:copy')
  .description(
    'copy users, sessions and events from the database DATABASE_URL names into an empty PostgreSQL database',
  )
  .requiredOption('--to <url>', 'the PostgreSQL database to fill (postgres://...)')
  .action(async ({ to }: { to: string }) => {
    const target = parseConfig({ ...process.env, DATABASE_URL: to }).database;
    if (target.dialect !== 'postgres') throw new UsageError('--to must be a postgres:// URL.');
    const destination = openDatabase(target);
    try {
      await destination.migrate();
      const report = await copyDatabase(await db(), destination);
      console.log(
        `Copied ${report.users} user(s), ${report.sessions} session(s) and ${report.events} event(s) to ${describeTarget(target)}.`,
      );
    } finally {
      await destination.close();
    }
  });

program
  .command('db:purge')
  .description(
    'delete expired sessions, lapsed throttle counters, used or expired links, and events and mail records older than EVENT_RETENTION_DAYS',
  )
  .action(async () => {
    const report = await purgeExpiredData(await db(), new Date(), getConfig());
    console.log(
      `Removed ${report.sessions} expired session(s), ${report.throttleCounters} throttle counter(s), ${report.events} old event(s), ` +
        `${report.links} used or expired link(s), ${report.mail} old mail record(s).`,
    );
  });

program
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help text).
      process.exitCode = error.exitCode;
      return;
    }
    const known =
      error instanceof UsageError || error instanceof ConfigError || error instanceof CopyRefused;
    if (known) console.error((error as Error).message);
    else if (isDatabaseUnavailable(error))
      console.error(`Cannot reach the database: ${(error as Error).message}`);
    else console.error(`Failed: ${(error as Error).message}`);
    process.exitCode = 1;
  })
  // A PostgreSQL pool would otherwise hold the process open.
  .finally(() => closeRuntime());
