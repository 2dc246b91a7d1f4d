import * as pg from 'drizzle-orm/pg-core';
import * as sqlite from 'drizzle-orm/sqlite-core';

// What the two dialects do differently, and all of it: how a table is declared, how an id is
// generated, how an instant and a number past 32 signed bits are stored. ./tables.ts writes every table once over one of these.

/** SQLite: rowid ids; instants as milliseconds since the epoch, which drizzle maps to Date. */
export const sqliteKit = {
  table: sqlite.sqliteTable,
  id: () => sqlite.integer('id').primaryKey({ autoIncrement: true }),
  instant: <Name extends string>(name: Name) => sqlite.integer(name, { mode: 'timestamp_ms' }),
  text: sqlite.text,
  integer: sqlite.integer,
  // SQLite's integers are 64-bit already.
  bigint: <Name extends string>(name: Name) => sqlite.integer(name, { mode: 'number' }),
  index: sqlite.index,
  uniqueIndex: sqlite.uniqueIndex,
};

/** PostgreSQL: identity ids; instants as timestamptz, to the millisecond. */
export const postgresKit = {
  table: pg.pgTable,
  id: () => pg.integer('id').primaryKey().generatedAlwaysAsIdentity(),
  instant: <Name extends string>(name: Name) =>
    pg.timestamp(name, { withTimezone: true, mode: 'date', precision: 3 }),
  text: pg.text,
  integer: pg.integer,
  // integer is 32-bit signed; bigint read as a JavaScript number, exact up to 2^53.
  bigint: <Name extends string>(name: Name) => pg.bigint(name, { mode: 'number' }),
  index: pg.index,
  uniqueIndex: pg.uniqueIndex,
};

/**
 * The kit ./tables.ts is written against. PostgreSQL's is passed in as one: the queries are typed
 * against SQLite's builders anyway (db/types.ts), and the check below proves that what each kit's
 * columns hold, as JavaScript values, is the same.
 */
export type ColumnKit = typeof sqliteKit;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<Column> = Column extends { _: { data: infer Data } } ? Data : never;
type Agree<Sqlite, Postgres> = Same<Holds<Sqlite>, Holds<Postgres>>;
type AllTrue<T extends true[]> = T;
export type KitsAgree = AllTrue<
  [
    Agree<ReturnType<typeof sqliteKit.id>, ReturnType<typeof postgresKit.id>>,
    Agree<ReturnType<typeof sqliteKit.instant<'at'>>, ReturnType<typeof postgresKit.instant<'at'>>>,
    Agree<
      ReturnType<typeof sqliteKit.text<'t', string, [string, ...string[]], undefined, 'text'>>,
      ReturnType<typeof postgresKit.text<'t', string, [string, ...string[]]>>
    >,
    Agree<
      ReturnType<typeof sqliteKit.integer<'n', 'number'>>,
      ReturnType<typeof postgresKit.integer<'n'>>
    >,
    Agree<ReturnType<typeof sqliteKit.bigint<'n'>>, ReturnType<typeof postgresKit.bigint<'n'>>>,
  ]
>;
