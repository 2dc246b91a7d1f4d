import type { Db } from './types';

// Writes that must happen together or not at all (a reset link and the mail that carries it; a
// consumed link and the new password it set), on either dialect. better-sqlite3's transactions
// are synchronous, so the writes are given as query builders, made against the handle passed in,
// and run in order: on SQLite each by its synchronous run() or all(), inside one IMMEDIATE
// transaction; on PostgreSQL awaited inside one transaction.

type Orm = Db['orm'];
/** A write whose result does not matter. */
type Write = { write: (orm: Orm) => { run(): unknown } & PromiseLike<unknown> };
type Returning = { all(): unknown[] } & PromiseLike<unknown[]>;
/** A conditional write (UPDATE ... RETURNING) that must change a row, or nothing happens at all. */
type Requirement = { require: (orm: Orm) => Returning };
/** A write (... RETURNING) whose rows are handed to `into` as it runs: how many it deleted, say. */
type Collection = { collect: (orm: Orm) => Returning; into: (rows: unknown[]) => void };
export type TransactionStep = Write | Requirement | Collection;

class Unmet extends Error {}

/** Runs the steps as one transaction; false (and nothing written) when a requirement was not met. */
export async function runTransaction(db: Db, steps: TransactionStep[]): Promise<boolean> {
  if (db.sqlite) {
    try {
      db.sqlite
        .transaction(() => {
          for (const step of steps) {
            if ('write' in step) step.write(db.orm).run();
            else if ('collect' in step) step.into(step.collect(db.orm).all());
            else if (step.require(db.orm).all().length === 0) throw new Unmet();
          }
        })
        .immediate();
      return true;
    } catch (error) {
      if (error instanceof Unmet) return false;
      throw error;
    }
  }
  try {
    await db.orm.transaction(async (tx) => {
      const orm = tx as unknown as Orm;
      for (const step of steps) {
        if ('write' in step) await step.write(orm);
        else if ('collect' in step) step.into(await step.collect(orm));
        else if ((await step.require(orm)).length === 0) throw new Unmet();
      }
    });
    return true;
  } catch (error) {
    if (error instanceof Unmet) return false;
    throw error;
  }
}
