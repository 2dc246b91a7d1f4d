import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@/db';
import { insertUser } from '@/db/queries/users';
import { TEST_BACKEND } from '../fixtures/test-db';

// A checkpoint copies the write-ahead log into the database file and ends in an fsync. Run inside
// a commit, that pause fell on whichever request committed; db/sqlite.ts runs it in a worker.
let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** How many users the database file holds by itself, without its write-ahead log. */
function usersInFileAlone(file: string): number {
  const copy = path.join(dir, 'file-alone.db');
  rmSync(`${copy}-wal`, { force: true });
  copyFileSync(file, copy);
  const reader = new Database(copy, { readonly: true });
  try {
    const hasTable = reader.prepare("SELECT 1 FROM sqlite_master WHERE name = 'users'").get();
    return hasTable
      ? (reader.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n
      : 0;
  } finally {
    reader.close();
  }
}

/** A migrated SQLite database in a folder of its own, and the path of its file. */
async function openTempDatabase() {
  dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-wal-'));
  const file = path.join(dir, 'gatehouse.db');
  const db = openDatabase({ dialect: 'sqlite', file });
  await db.migrate();
  return { db, file };
}

describe.skipIf(TEST_BACKEND !== 'sqlite')('SQLite write-ahead log', () => {
  it('reaches the database file in the background, though no commit filled the log enough to checkpoint it', async () => {
    const { db, file } = await openTempDatabase();
    try {
      for (let i = 0; i < 50; i++)
        await insertUser(db, { username: `user-${i}`, passwordHash: 'x', createdAt: new Date() });
      // Fifty small rows are a few pages of log, far below any automatic checkpoint.
      await expect.poll(() => usersInFileAlone(file), { timeout: 5000, interval: 100 }).toBe(50);
    } finally {
      await db.close();
    }
  });

  it('is in the database file once catchUp() resolves, as a purge waits for between batches', async () => {
    const { db, file } = await openTempDatabase();
    try {
      for (let round = 1; round <= 3; round++) {
        for (let i = 0; i < 20; i++)
          await insertUser(db, {
            username: `user-${round}-${i}`,
            passwordHash: 'x',
            createdAt: new Date(),
          });
        await db.catchUp();
        expect(usersInFileAlone(file)).toBe(round * 20);
      }
    } finally {
      await db.close();
    }
  });

  it('is gone once the handle closes, the checkpointing thread included', async () => {
    const { db, file } = await openTempDatabase();
    await insertUser(db, { username: 'someone', passwordHash: 'x', createdAt: new Date() });
    expect(existsSync(`${file}-wal`)).toBe(true);
    await db.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    expect(usersInFileAlone(file)).toBe(1);
  });
});
