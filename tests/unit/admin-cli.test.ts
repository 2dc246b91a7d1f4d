import { execFile } from 'node:child_process';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTarget, openDatabase, type Db } from '@/db';
import { insertPasskey } from '@/db/queries/passkeys';
import type { AuthPolicies, User } from '@/lib/auth/context';
import { listRecentEvents } from '@/lib/auth/events';
import { completeSecondFactor, logIn } from '@/lib/auth/login';
import { requestPasswordReset } from '@/lib/auth/password-reset';
import { confirmTotpEnrolment, startTotpEnrolment } from '@/lib/auth/second-factor';
import { listPasskeys } from '@/lib/auth/passkeys';
import { createSession, validateSessionToken } from '@/lib/auth/session';
import { getUser, registerUser } from '@/lib/auth/users';
import { parseConfig, type Config } from '@/lib/config';
import { createTestDatabase, dropTestDatabase, postgresPrefix } from '../fixtures/postgres';
import { createSoftwarePasskey } from '../fixtures/software-authenticator';
import { sha1Hex, startBreachedPasswordsStub } from '../fixtures/breached-passwords-stub';
import {
  PASSWORD_SIGN_IN,
  createEmptyDatabase,
  queuedMail,
  registerWithVerifiedEmail,
  targetOf,
  TEST_POLICIES,
  testContext,
  testMailer,
} from '../fixtures/test-db';

const at = (from: Date, ms: number) => new Date(from.getTime() + ms);

// The command line end to end: real processes on a fresh database of the suite's backend.
const HOUR = 3600_000;
const policy = { idleTimeoutMs: HOUR / 2, absoluteTimeoutMs: 12 * HOUR };
const password = 'violet lanterns drift slowly';
let database: Awaited<ReturnType<typeof createEmptyDatabase>>;

beforeAll(async () => {
  database = await createEmptyDatabase();
});
afterAll(() => database.remove());

type Run = { code: number; stdout: string; stderr: string };

function npm(
  args: string[],
  { stdin = '', env = {} }: { stdin?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      'npm',
      ['run', '--silent', ...args],
      {
        env: {
          ...process.env,
          NODE_ENV: 'production',
          SESSION_SECRET: 's'.repeat(32),
          ENCRYPTION_KEYS: 'e'.repeat(32),
          DATABASE_URL: database.url,
          BCRYPT_COST: '10',
          ...env,
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}
const admin = (args: string[], options?: Parameters<typeof npm>[1]) =>
  npm(['admin', '--', ...args], options);

describe('npm run db:setup', () => {
  it('creates the database and its schema', { timeout: 30_000 }, async () => {
    const setup = await npm(['db:setup']);
    expect(setup.stdout).toContain(`Database ready: ${describeTarget(targetOf(database.url))}`);
  });
});

describe('npm run admin', { timeout: 30_000 }, () => {
  it('lists its commands with --help', async () => {
    const help = await admin(['--help']);
    expect(help.code).toBe(0);
    const commands = [
      'users:list',
      'users:create',
      'users:delete',
      'sessions:list',
      'sessions:revoke',
      'passkeys:list',
      'passkeys:remove',
      'db:setup',
      'db:purge',
    ];
    for (const command of commands) {
      expect(help.stdout).toContain(command);
    }
  });

  it('creates a user from a password on stdin, applying the same rules as the web form', async () => {
    expect(await admin(['users:create', 'Carol'], { stdin: `${password}\n` })).toMatchObject({
      code: 0,
      stdout: 'Created user "carol".\n',
    });
    const weak = await admin(['users:create', 'dave'], { stdin: 'short\n' });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('Password must be at least 15 characters long.');
    const taken = await admin(['users:create', 'CAROL'], { stdin: `${password}\n` });
    expect(taken).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('That username is taken.'),
    });
    expect((await admin(['users:list'])).stdout).toMatch(
      /^id\s+username\s+created\n1\s+carol\s+\d{4}-/,
    );
  });

  it('refuses a breached password for a new user, asking only for a prefix of its hash', async () => {
    const stub = await startBreachedPasswordsStub();
    try {
      const breached = 'correct horse battery staple forever';
      stub.breach(breached);
      const refused = await admin(['users:create', 'erin'], {
        stdin: `${breached}\n`,
        env: { BREACHED_PASSWORD_API: stub.url },
      });
      expect(refused).toMatchObject({
        code: 1,
        stderr: expect.stringContaining(
          'This password has appeared in a data breach. Choose another.',
        ),
      });
      expect(stub.requests.map((r) => r.path)).toEqual([`/range/${sha1Hex(breached).slice(0, 5)}`]);
      expect((await admin(['users:list'])).stdout).not.toContain('erin');
    } finally {
      await stub.close();
    }
  });

  it('lists and revokes sessions', async () => {
    const db = openDatabase(targetOf(database.url));
    const ua =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
    await createSession(
      db,
      1,
      PASSWORD_SIGN_IN,
      { ip: '203.0.113.4', userAgent: ua },
      new Date(),
      policy,
    );
    await createSession(
      db,
      1,
      PASSWORD_SIGN_IN,
      { ip: '203.0.113.5', userAgent: null },
      new Date(),
      policy,
    );
    await db.close();

    const list = await admin(['sessions:list', 'carol']);
    expect(list.stdout).toContain('203.0.113.4');
    expect(list.stdout).toContain('Chrome 156 on Linux');
    expect(await admin(['sessions:revoke', 'carol'])).toMatchObject({
      code: 0,
      stdout: 'Ended 2 sessions of "carol".\n',
    });
    expect((await admin(['sessions:list'])).stdout).toBe('No live sessions.\n');
  });

  it("ends every user's sessions with --all, and asks for a user or --all", async () => {
    expect(await admin(['users:create', 'gwen'], { stdin: `${password}\n` })).toMatchObject({
      code: 0,
    });
    const db = openDatabase(targetOf(database.url));
    const gwen = (await getUser(db, 'gwen'))!;
    const tokens = [];
    for (const userId of [1, 1, gwen.id]) {
      const client = { ip: null, userAgent: null };
      tokens.push(
        (await createSession(db, userId, PASSWORD_SIGN_IN, client, new Date(), policy)).token,
      );
    }

    expect(await admin(['sessions:revoke'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Name one user, or pass --all to end every session.'),
    });
    expect(await admin(['sessions:revoke', 'carol', '--all'])).toMatchObject({ code: 1 });
    expect(await db.orm.select().from(db.tables.sessions)).toHaveLength(3);

    expect(await admin(['sessions:revoke', '--all'])).toMatchObject({
      code: 0,
      stdout: 'Ended 3 sessions of every user.\n',
    });
    for (const token of tokens) {
      expect((await validateSessionToken(db, token, new Date(), policy)).session).toBeNull();
    }
    await db.close();
    expect(await admin(['users:delete', 'gwen'])).toMatchObject({ code: 0 });
  });

  it('requires a second factor of one user with users:require-second-factor, recorded, and no longer with --off', async () => {
    expect(await admin(['users:create', 'hugo'], { stdin: `${password}\n` })).toMatchObject({
      code: 0,
    });
    const db = openDatabase(targetOf(database.url));
    const hugo = (await getUser(db, 'hugo'))!;
    const client = { ip: null, userAgent: null };
    const { token } = await createSession(
      db,
      hugo.id,
      PASSWORD_SIGN_IN,
      client,
      new Date(),
      policy,
    );
    const required = async () => {
      const found = await validateSessionToken(db, token, new Date(), policy);
      return found.session ? found.secondFactorRequired : null;
    };
    expect(await required()).toBe(false);

    expect(await admin(['users:require-second-factor', 'hugo'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('A second factor is now required of "hugo"'),
    });
    expect(await required()).toBe(true);
    expect(await admin(['users:require-second-factor', 'hugo'])).toMatchObject({
      code: 1,
      stderr: 'A second factor is already required of "hugo".\n',
    });
    expect(await listRecentEvents(db, hugo.id)).toContainEqual(
      expect.objectContaining({
        type: 'second_factor_requirement_changed',
        detail: 'required',
        userAgent: 'gatehouse-admin',
      }),
    );

    expect(await admin(['users:require-second-factor', 'hugo', '--off'])).toMatchObject({
      code: 0,
      stdout: 'A second factor is no longer required of "hugo".\n',
    });
    expect(await required()).toBe(false);
    expect(await admin(['users:require-second-factor', 'nobody-here'])).toMatchObject({
      code: 1,
      stderr: 'No user named "nobody-here".\n',
    });
    await db.close();
    expect(await admin(['users:delete', 'hugo'])).toMatchObject({ code: 0 });
  });

  it('purges expired sessions and keeps live ones', async () => {
    const db = openDatabase(targetOf(database.url));
    await createSession(
      db,
      1,
      PASSWORD_SIGN_IN,
      { ip: null, userAgent: null },
      new Date(Date.now() - HOUR),
      policy,
    );
    await createSession(db, 1, PASSWORD_SIGN_IN, { ip: null, userAgent: null }, new Date(), policy);
    const purge = await npm(['db:purge']);
    expect(purge.stdout).toMatch(/^Removed 1 expired session\(s\)/);
    expect(await db.orm.select().from(db.tables.sessions)).toHaveLength(1);
    await db.close();
  });

  it.skipIf(!postgresPrefix())(
    'copies users, sessions and events into an empty PostgreSQL database with db:copy',
    async () => {
      const source = openDatabase(targetOf(database.url));
      const { token } = await createSession(
        source,
        1,
        PASSWORD_SIGN_IN,
        { ip: null, userAgent: null },
        new Date(),
        policy,
      );
      await source.close();
      const targetUrl = await createTestDatabase();
      try {
        const copy = await admin(['db:copy', '--to', targetUrl]);
        expect(copy).toMatchObject({
          code: 0,
          stdout: expect.stringMatching(
            /^Copied 1 user\(s\), 2 session\(s\) and \d+ event\(s\) to postgres:\/\//,
          ),
        });
        expect(
          (await admin(['users:list'], { env: { DATABASE_URL: targetUrl } })).stdout,
        ).toContain('carol');

        const target = openDatabase(targetOf(targetUrl));
        try {
          // Hashes and sessions arrive intact: the same password logs in, the same cookie still works.
          const login = await logIn(
            target,
            { username: 'carol', password },
            testContext(new Date()),
            TEST_POLICIES,
          );
          expect(login.ok).toBe(true);
          expect(
            (await validateSessionToken(target, token, new Date(), policy)).user?.username,
          ).toBe('carol');
        } finally {
          await target.close();
        }
        const again = await admin(['db:copy', '--to', targetUrl]);
        expect(again).toMatchObject({
          code: 1,
          stderr: 'The target database already has users: copy only into an empty one.\n',
        });
      } finally {
        await dropTestDatabase(targetUrl);
      }
    },
  );

  it('deletes a user with their sessions', async () => {
    expect(await admin(['users:delete', 'carol'])).toMatchObject({
      code: 0,
      stdout: 'Deleted user "carol".\n',
    });
    expect((await admin(['users:list'])).stdout).toBe('No users.\n');
  });

  it('exits non-zero with a clear message on bad input, never a stack trace', async () => {
    const cases: [string[], string][] = [
      [['users:delete', 'nobody'], 'No user named "nobody".'],
      [['users:delete'], "missing required argument 'username'"],
      [['no-such-command'], "unknown command 'no-such-command'"],
      [['db:copy'], "required option '--to <url>' not specified"],
      [['db:copy', '--to', 'file:/tmp/elsewhere.db'], '--to must be a postgres:// URL.'],
    ];
    for (const [args, message] of cases) {
      const run = await admin(args);
      expect(run.code, args.join(' ')).not.toBe(0);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    const badConfig = await admin(['users:list'], { env: { SESSION_SECRET: 'short' } });
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toContain(
      'SESSION_SECRET: each secret must be at least 32 characters',
    );
  });
});

// After the suite above has deleted carol: two fresh accounts, and passkeys stored with the query a
// registration uses (a software authenticator's key), for the operator's commands to find.
describe('npm run admin passkeys', { timeout: 60_000 }, () => {
  const added = new Date('2026-01-02T03:04:05Z');
  let erin: User;
  let frank: User;
  let laptop: number;
  let phone: number;

  async function withDb<T>(work: (db: Db) => Promise<T>): Promise<T> {
    const db = openDatabase(targetOf(database.url));
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }
  const passkeyIds = (user: User) =>
    withDb(async (db) => (await listPasskeys(db, user.id)).map((p) => p.id));
  const removals = (user: User) =>
    withDb(async (db) =>
      (await listRecentEvents(db, user.id)).filter((e) => e.type === 'passkey_removed'),
    );

  beforeAll(async () => {
    await withDb(async (db) => {
      const register = async (username: string) => {
        const result = await registerUser(
          db,
          { username, password, confirmPassword: password },
          testContext(added),
          TEST_POLICIES,
        );
        if (!result.ok) throw new Error(`could not register ${username}`);
        return result.user;
      };
      erin = await register('erin');
      frank = await register('frank');
      for (const [name, createdAt] of [
        ['Laptop', added],
        ['Work phone', new Date(added.getTime() + HOUR)],
      ] as const) {
        const key = createSoftwarePasskey(`frank-${name}`);
        await insertPasskey(db, {
          userId: frank.id,
          credentialId: key.credentialId,
          publicKey: key.publicKey,
          counter: 0,
          transports: null,
          name,
          createdAt,
          lastUsedAt: null,
        });
      }
      [laptop, phone] = (await listPasskeys(db, frank.id)).map((p) => p.id) as [number, number];
    });
  });

  it("lists a user's passkeys: id, name, when added and last used, or says there are none", async () => {
    expect(await admin(['passkeys:list', 'Erin'])).toMatchObject({
      code: 0,
      stdout: '"erin" has no passkeys.\n',
    });
    const list = await admin(['passkeys:list', 'frank']);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^id\s+name\s+added\s+last used$/);
    expect(lines[1]).toMatch(new RegExp(`^${laptop}\\s+Laptop\\s+2026-01-02 03:04:05\\s+never$`));
    expect(lines[2]).toMatch(
      new RegExp(`^${phone}\\s+Work phone\\s+2026-01-02 04:04:05\\s+never$`),
    );
  });

  it("removes one passkey, records it as the operator's, and lists it no more", async () => {
    expect(await admin(['passkeys:remove', 'frank', String(phone)])).toMatchObject({
      code: 0,
      stdout: `Removed the passkey "Work phone" (id ${phone}) of "frank".\n`,
    });
    const list = await admin(['passkeys:list', 'frank']);
    expect(list.stdout).not.toContain('Work phone');
    expect(list.stdout).toMatch(new RegExp(`^${laptop}\\s+Laptop\\s`, 'm'));
    expect(await passkeyIds(frank)).toEqual([laptop]);
    expect(await removals(frank)).toEqual([
      expect.objectContaining({
        type: 'passkey_removed',
        userId: frank.id,
        detail: 'Work phone (operator)',
        userAgent: 'gatehouse-admin',
      }),
    ]);
  });

  it(
    'exits non-zero with a one-line message on bad input, and removes nothing',
    { timeout: 90_000 },
    async () => {
      const cases: [string[], string][] = [
        [['passkeys:list', 'nobody'], 'No user named "nobody".\n'],
        [['passkeys:remove', 'nobody', String(laptop)], 'No user named "nobody".\n'],
        [['passkeys:remove', 'frank', 'laptop'], 'The id is a number, as passkeys:list shows.\n'],
        [
          ['passkeys:remove', 'frank', `0x${laptop.toString(16)}`],
          'The id is a number, as passkeys:list shows.\n',
        ],
        [
          ['passkeys:remove', 'erin', String(laptop)],
          `"erin" has no passkey with the id ${laptop}.\n`,
        ],
        [['passkeys:remove', 'frank', '999999'], '"frank" has no passkey with the id 999999.\n'],
      ];
      for (const [args, message] of cases) {
        expect(await admin(args), args.join(' ')).toMatchObject({
          code: 1,
          stdout: '',
          stderr: message,
        });
      }
      const missing = await admin(['passkeys:remove', 'frank']);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain("missing required argument 'id'");
      expect(missing.stderr).not.toMatch(/\n\s+at /);

      expect(await passkeyIds(frank)).toEqual([laptop]);
      expect((await admin(['passkeys:list', 'frank'])).stdout).toMatch(
        new RegExp(`^${laptop}\\s+Laptop\\s`, 'm'),
      );
      expect(await removals(frank)).toHaveLength(1);
      expect(await removals(erin)).toHaveLength(0);
    },
  );
});

// docs/configuration.md's rotations, followed as written, on a database of their own: an account
// with an authenticator app and mail in the outbox must come through each with its codes working
// and its mail readable.
describe('the documented key rotations, step by step', { timeout: 120_000 }, () => {
  const STEP = 30_000;
  const start = new Date('2026-03-01T00:00:00Z');
  const session1 = `session-secret-one-${'1'.repeat(24)}`;
  const session2 = `session-secret-two-${'2'.repeat(24)}`;
  const key1 = `encryption-key-one-${'1'.repeat(24)}`;
  const key2 = `encryption-key-two-${'2'.repeat(24)}`;
  let own: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let db: Db;
  beforeAll(async () => {
    own = await createEmptyDatabase();
    db = openDatabase(targetOf(own.url));
    await db.migrate();
  });
  afterAll(async () => {
    await db.close();
    await own.remove();
  });

  /** The configuration a restarted server reads from these settings. */
  const restartWith = (env: { SESSION_SECRET: string; ENCRYPTION_KEYS: string }) =>
    parseConfig({ NODE_ENV: 'production', DATABASE_URL: own.url, ...env });
  const policiesOf = (config: Config): AuthPolicies => ({
    ...TEST_POLICIES,
    secondFactor: config.secondFactor,
  });
  const rotateKeys = (env: { SESSION_SECRET: string; ENCRYPTION_KEYS: string }) =>
    admin(['keys:rotate'], { env: { ...env, DATABASE_URL: own.url } });

  /** Registers the user with a verified address, turns on an authenticator, and queues a reset link. */
  async function enrolAndQueueMail(username: string, config: Config): Promise<string> {
    const mailer = testMailer({}, config.encryptionKeys);
    const email = `${username}@example.com`;
    // (Its verification link under the tests' own key, which registerWithVerifiedEmail reads.)
    await registerWithVerifiedEmail(db, testMailer(), { username, password, email }, start);
    const user = (await getUser(db, username))!;
    const actor = {
      user,
      session: { id: 'a-session', authMethod: 'password' as const, reauthenticatedAt: start },
    };
    const started = await startTotpEnrolment(
      db,
      actor,
      { currentPassword: password },
      testContext(start),
      policiesOf(config),
    );
    if (!started.ok) throw new Error('enrolment did not start');
    const secret = started.secret.replaceAll(' ', '');
    const confirmed = await confirmTotpEnrolment(
      db,
      actor,
      { enrolment: started.enrolment, code: codeAt(secret, start) },
      testContext(start),
      policiesOf(config),
      mailer,
    );
    if (!confirmed.ok) throw new Error('enrolment failed');
    await requestPasswordReset(
      db,
      { identifier: username },
      testContext(start),
      TEST_POLICIES,
      mailer,
    );
    return secret;
  }
  const codeAt = (secret: string, when: Date) =>
    new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: when.getTime() });

  /** Signs in with the password and a code, under this configuration, at `when`. */
  async function signsInWithCode(username: string, secret: string, config: Config, when: Date) {
    const policies = policiesOf(config);
    const first = await logIn(db, { username, password }, testContext(when), policies);
    if (first.ok || first.reason !== 'second_factor_required') return false;
    const second = await completeSecondFactor(
      db,
      first.pendingToken,
      { code: codeAt(secret, when) },
      testContext(when),
      policies,
    );
    return second.ok;
  }
  /** Whether the user's queued reset link opens under this configuration alone. */
  const resetMailOpens = async (username: string, config: Config) => {
    const mail = (await queuedMail(db, config.encryptionKeys)).find(
      (m) => m.recipient === `${username}@example.com` && m.kind === 'password_reset',
    );
    return Boolean(mail?.content?.text.includes('/reset-password?token='));
  };

  it("an operator's users:reset-second-factor ends pending logins, is recorded as the operator's and mailed to the verified address", async () => {
    const env = { SESSION_SECRET: session1, ENCRYPTION_KEYS: key1 };
    const config = restartWith(env);
    const secret = await enrolAndQueueMail('ivan', config);
    const ivan = (await getUser(db, 'ivan'))!;
    const pending = await logIn(
      db,
      { username: 'ivan', password },
      testContext(start),
      TEST_POLICIES,
    );
    if (pending.ok || pending.reason !== 'second_factor_required') throw new Error('no prompt');

    // Email on, as in a deployment: the command queues the notice for a server to send.
    const mailOn = { SMTP_URL: 'smtp://127.0.0.1:1', APP_ORIGIN: 'https://gatehouse.example' };
    const reset = (name: string) =>
      admin(['users:reset-second-factor', name], {
        env: { ...env, ...mailOn, DATABASE_URL: own.url },
      });
    expect(await reset('ivan')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Turned off two-step sign-in for "ivan"'),
    });

    // The login in flight, which had the password, cannot finish with the old code.
    const late = at(start, STEP);
    expect(
      await completeSecondFactor(
        db,
        pending.pendingToken,
        { code: codeAt(secret, late) },
        testContext(late),
        policiesOf(config),
      ),
    ).toMatchObject({ ok: false });
    expect(await listRecentEvents(db, ivan.id)).toContainEqual(
      expect.objectContaining({
        type: 'second_factor_disabled',
        detail: 'operator',
        userAgent: 'gatehouse-admin',
      }),
    );
    const notice = (await queuedMail(db, config.encryptionKeys)).find(
      (m) => m.recipient === 'ivan@example.com' && m.kind === 'notice_second_factor_disabled',
    );
    expect(notice?.content?.text).toContain('an operator turned it off.');
    expect(await reset('ivan')).toMatchObject({
      code: 1,
      stderr: '"ivan" has no second factor.\n',
    });
  });

  it('rotating SESSION_SECRET, then ENCRYPTION_KEYS, as docs/configuration.md says, keeps codes working and mail readable', async () => {
    const before = { SESSION_SECRET: session1, ENCRYPTION_KEYS: key1 };
    const secret = await enrolAndQueueMail('grace', restartWith(before));

    // Rotating the session secret: 2. the new one first, the old after it; 3. the old one dropped.
    restartWith({ ...before, SESSION_SECRET: `${session2},${session1}` });
    const sessionRotated = restartWith({ ...before, SESSION_SECRET: session2 });
    expect(await signsInWithCode('grace', secret, sessionRotated, at(start, STEP))).toBe(true);
    expect(await resetMailOpens('grace', sessionRotated)).toBe(true);

    // Rotating the encryption keys: 2. the new key first, the old after it; 3. keys:rotate;
    // 4. the old key dropped.
    const both = { SESSION_SECRET: session2, ENCRYPTION_KEYS: `${key2},${key1}` };
    restartWith(both);
    const rotated = await rotateKeys(both);
    expect(rotated).toMatchObject({ code: 0 });
    expect(rotated.stdout).toMatch(/^Re-sealed [1-9]\d* queued message\(s\) and 1 authenticator/);
    const keysRotated = restartWith({ SESSION_SECRET: session2, ENCRYPTION_KEYS: key2 });
    expect(await signsInWithCode('grace', secret, keysRotated, at(start, 2 * STEP))).toBe(true);
    expect(await resetMailOpens('grace', keysRotated)).toBe(true);
  });

  it('moving a deployment that ran without ENCRYPTION_KEYS (its data sealed under SESSION_SECRET) to a key of its own, as documented, keeps codes working and mail readable', async () => {
    // What such a deployment sealed: under its session secret, then the default.
    const secret = await enrolAndQueueMail('heidi', {
      ...restartWith({ SESSION_SECRET: session1, ENCRYPTION_KEYS: key1 }),
      encryptionKeys: [session1],
      secondFactor: { ...TEST_POLICIES.secondFactor, keys: [session1] },
    });
    // 1. ENCRYPTION_KEYS: a new key, then the SESSION_SECRET list; 2. keys:rotate; 3. the new key alone.
    const upgrading = { SESSION_SECRET: session1, ENCRYPTION_KEYS: `${key2},${session1}` };
    restartWith(upgrading);
    expect(await rotateKeys(upgrading)).toMatchObject({ code: 0 });
    const upgraded = restartWith({ SESSION_SECRET: session1, ENCRYPTION_KEYS: key2 });
    expect(await signsInWithCode('heidi', secret, upgraded, at(start, STEP))).toBe(true);
    expect(await resetMailOpens('heidi', upgraded)).toBe(true);
  });
});
