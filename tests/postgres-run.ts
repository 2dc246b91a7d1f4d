// Runs a test command with PostgreSQL: `tsx tests/postgres-run.ts [--skip-without] <command...>`.
// Gives the run a unique prefix, lets the tests create databases under it, and drops them all
// when the command ends, however it ends. With no server answering it prints why PostgreSQL
// tests are skipped and runs the command without them (or, with --skip-without, not at all);
// GATEHOUSE_REQUIRE_POSTGRES=1 (set by .ci/run) makes that a failure instead.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  adminUrl,
  ADMIN_URL_VARIABLE,
  dropDatabasesWithPrefix,
  PREFIX_VARIABLE,
  withAdmin,
} from './fixtures/postgres';

const args = process.argv.slice(2);
const skipWithout = args[0] === '--skip-without';
const command = skipWithout ? args.slice(1) : args;
if (command.length === 0) {
  console.error('usage: tsx tests/postgres-run.ts [--skip-without] <command...>');
  process.exit(2);
}

function run(env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))),
  );
}

async function main(): Promise<number> {
  const where = new URL(adminUrl());
  try {
    await withAdmin((client) => client.query('SELECT 1'));
  } catch (error) {
    const reason = `no PostgreSQL answers at ${where.host} (${(error as Error).message}); set ${ADMIN_URL_VARIABLE} to use another server`;
    if (process.env.GATEHOUSE_REQUIRE_POSTGRES === '1') {
      console.error(
        `PostgreSQL is required for this run (GATEHOUSE_REQUIRE_POSTGRES=1), but ${reason}.`,
      );
      return 1;
    }
    console.warn(`\n*** PostgreSQL tests skipped: ${reason}. ***\n`);
    return skipWithout ? 0 : run(process.env);
  }

  const stamp = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const prefix = `gatehouse_test_${stamp}_${randomBytes(4).toString('hex')}`;
  console.log(`PostgreSQL at ${where.host}: this run's databases are named ${prefix}_*`);
  let code = 1;
  try {
    code = await run({ ...process.env, [PREFIX_VARIABLE]: prefix });
  } finally {
    const dropped = await dropDatabasesWithPrefix(prefix);
    console.log(`Dropped ${dropped.length} test database(s) named ${prefix}_*`);
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
