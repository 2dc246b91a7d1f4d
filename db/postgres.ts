import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import path from 'node:path';
import pg from 'pg';
import { noteDatabaseFailure, noteDatabaseSuccess } from './health';
import * as tables from './schema/postgres';
import type { Db, DbHooks, PostgresTarget, Tables } from './types';

const MIGRATIONS_FOLDER = path.resolve(
  /*turbopackIgnore: true*/ process.cwd(),
  'drizzle',
  'postgres',
);
// Any fixed number: every Gatehouse server takes this lock to migrate, so only one does at a time.
const MIGRATION_LOCK_ID = 0x6761_7465; // "gate"

/** A pool that records whether the database is answering (db/health.ts). */
class ObservedPool extends pg.Pool {
  constructor(
    config: pg.PoolConfig,
    private readonly hooks: DbHooks,
  ) {
    super(config);
  }

  // pg's query() has many overloads; drizzle only uses the promise-returning ones.
  override query(...args: unknown[]): never {
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (!(result instanceof Promise)) return result as never;
    return result.then(
      (value: unknown) => {
        noteDatabaseSuccess(this.hooks);
        return value;
      },
      (error: unknown) => {
        noteDatabaseFailure(error, this.hooks);
        // Drizzle puts a failed query's parameters into its error message, which Next.js logs:
        // they can be password hashes. drizzle passes the same array here, so blank it first.
        if (Array.isArray(args[1])) args[1].fill('[redacted]');
        throw error;
      },
    ) as never;
  }
}

export function openPostgres(target: PostgresTarget, hooks: DbHooks): Db {
  const connection = {
    connectionString: target.url,
    connectionTimeoutMillis: target.connectTimeoutMs,
    ssl: target.ssl === 'disable' ? false : { rejectUnauthorized: target.ssl === 'verify-full' },
    application_name: 'gatehouse',
  };
  const pool = new ObservedPool(
    {
      ...connection,
      max: target.poolSize,
      // The server cancels a slow statement; the client gives up too if the server has gone quiet.
      statement_timeout: target.statementTimeoutMs,
      query_timeout: target.statementTimeoutMs + 1000,
      idle_in_transaction_session_timeout: target.statementTimeoutMs,
    },
    hooks,
  );
  // An idle connection that breaks (server restart) must not crash the process; the pool replaces it.
  pool.on('error', (error) => noteDatabaseFailure(error, hooks));
  const orm = drizzle(pool, { schema: tables });
  return {
    dialect: 'postgres',
    // See the Db type: the same queries run on both dialects' builders.
    orm: orm as unknown as Db['orm'],
    tables: tables as unknown as Tables,
    sqlite: null,
    // Its own connection, without the request timeouts: a migration may take a while.
    migrate: () => migrateLocked(new pg.Client(connection)),
    ping: async () =>
      void (await (pool as pg.Pool).query({ name: 'gatehouse_ping', text: 'SELECT 1' })),
    catchUp: async () => {},
    close: () => pool.end(),
  };
}

// Several servers may start together: the advisory lock lets one migrate while the others wait,
// then each finds nothing left to do.
async function migrateLocked(client: pg.Client): Promise<void> {
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    await client.end();
  }
}
