import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The unit suite runs once on SQLite and once on PostgreSQL. The PostgreSQL pass needs the run
// prefix that tests/postgres-run.ts sets when a server answers (npm run test:unit goes through it).
const withPostgres = Boolean(process.env.GATEHOUSE_TEST_POSTGRES_PREFIX);
const backends = withPostgres ? ['sqlite', 'postgres'] : ['sqlite'];
if (!withPostgres)
  console.warn(
    'Unit tests on PostgreSQL skipped: no PostgreSQL for this run (see tests/postgres-run.ts).',
  );

export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('.', import.meta.url)) } },
  test: {
    projects: backends.map((backend) => ({
      extends: true,
      test: {
        name: backend,
        include: ['tests/unit/**/*.test.ts'],
        environment: 'node',
        // No breach check reaches the internet: tests that want one point it at their stub.
        env: { LOG_LEVEL: 'silent', GATEHOUSE_TEST_BACKEND: backend, BREACHED_PASSWORD_API: '' },
      },
    })),
  },
});
