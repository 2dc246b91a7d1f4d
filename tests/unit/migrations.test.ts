import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '@/db';
import { createEmptyDatabase, targetOf, TEST_BACKEND } from '../fixtures/test-db';

// Every server applies pending migrations at start; several may start at once on one database.
let database: Awaited<ReturnType<typeof createEmptyDatabase>> | undefined;
const handles: Db[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((db) => db.close()));
  await database?.remove();
});

describe(`migrations on ${TEST_BACKEND}`, () => {
  it('six servers migrating one fresh database at once all succeed, and the schema is applied once', async () => {
    database = await createEmptyDatabase();
    handles.push(...Array.from({ length: 6 }, () => openDatabase(targetOf(database!.url))));
    await Promise.all(handles.map((db) => db.migrate()));

    const [db] = handles;
    const { users } = db!.tables;
    expect(await db!.orm.select().from(users)).toEqual([]);
    // Running again finds nothing to do.
    await db!.migrate();
  });
});
