import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTarget, openDatabase, type Db } from '@/db';
import { insertPasskey } from '@/db/queries/passkeys';
import type { User } from '@/lib/auth/context';
import { listRecentEvents } from '@/lib/auth/events';
import { logIn } from '@/lib/auth/login';
import { listPasskeys } from '@/lib/auth/passkeys';
import { createSession, validateSessionToken } from '@/lib/auth/session';
import { registerUser } from '@/lib/auth/users';
import { createTestDatabase, dropTestDatabase, postgresPrefix } from '../fixtures/postgres';
import { createSoftwarePasskey } from '../fixtures/software-authenticator';
import { sha1Hex, startBreachedPasswordsStub } from '../fixtures/breached-passwords-stub';
import {
  PASSWORD_SIGN_IN,
  createEmptyDatabase,
  targetOf,
  TEST_POLICIES,
  testContext,
} from '../fixtures/test-db';

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
