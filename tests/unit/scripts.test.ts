import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@/db/connection';
import { insertUser } from '@/db/queries/users';
import { createSession } from '@/lib/auth/session';

const run = promisify(execFile);
const HOUR = 3600_000;

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-scripts-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function npmRun(script: string, env: Record<string, string>) {
  return run('npm', ['run', '--silent', script], {
    env: { ...process.env, NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32), ...env },
  });
}

describe('npm run db:setup and db:purge', () => {
  it('creates the schema, then purges only expired sessions', { timeout: 30_000 }, async () => {
    const file = path.join(dir, 'nested', 'app.db');
    const setup = await npmRun('db:setup', { DATABASE_URL: `file:${file}` });
    expect(setup.stdout).toContain(`Database ready: ${file}`);

    const db = openDatabase(file);
    const inserted = insertUser(db, { username: 'alice', passwordHash: 'x', createdAt: new Date() });
    if (!inserted.ok) throw new Error('setup failed');
    const policy = { idleTimeoutMs: HOUR / 2, absoluteTimeoutMs: 12 * HOUR };
    createSession(db, inserted.user.id, { ip: null, userAgent: null }, new Date(Date.now() - HOUR), policy);
    createSession(db, inserted.user.id, { ip: null, userAgent: null }, new Date(), policy);

    const purge = await npmRun('db:purge', { DATABASE_URL: file });
    expect(purge.stdout).toContain('Removed 1 expired session.');
    expect(db.$client.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 1 });
    db.$client.close();
  });

  it('exits non-zero with a readable message on bad configuration', { timeout: 30_000 }, async () => {
    const failure = await npmRun('db:setup', { DATABASE_URL: path.join(dir, 'x.db'), SESSION_SECRET: 'short' }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain('SESSION_SECRET: must be at least 32 characters');
    expect((failure as { stderr: string }).stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
