import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findUserById, insertUser } from '@/db/queries/users';
import { createTestDb, TEST_BACKEND, type TestDb } from '../fixtures/test-db';

// db/sqlite.ts keeps each statement Drizzle prepares by its SQL text.
let testDb: TestDb | undefined;
afterEach(async () => testDb?.close());

describe.skipIf(TEST_BACKEND !== 'sqlite')("Drizzle's statements on SQLite", () => {
  it('are prepared once per SQL text, and each query still reads its own rows', async () => {
    testDb = await createTestDb();
    const { db } = testDb;
    const created = await Promise.all(
      ['ada', 'grace'].map((username) =>
        insertUser(db, { username, passwordHash: 'x', createdAt: new Date() }),
      ),
    );
    const [ada, grace] = created.map((result) => (result.ok ? result.user : null));
    const prepare = vi.spyOn(db.sqlite!, 'prepare');
    expect((await findUserById(db, ada!.id))?.username).toBe('ada');
    expect((await findUserById(db, grace!.id))?.username).toBe('grace');
    expect(await findUserById(db, 999_999)).toBeUndefined();
    expect(prepare).toHaveBeenCalledTimes(1);
  });

  it('answers in objects again after the same text was read as arrays', async () => {
    testDb = await createTestDb();
    const { db } = testDb;
    const result = await insertUser(db, {
      username: 'ada',
      passwordHash: 'x',
      createdAt: new Date(),
    });
    const id = result.ok ? result.user.id : 0;
    const query = sql`select "username" from "users" where "id" = ${id}`;
    expect(db.orm.values(query)).toEqual([['ada']]); // raw mode on the shared statement
    expect(db.orm.all(query)).toEqual([{ username: 'ada' }]);
  });
});
