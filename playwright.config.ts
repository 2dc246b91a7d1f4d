import { chromium, defineConfig, devices } from '@playwright/test';

import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { E2E_BACKEND, e2eDatabaseUrl } from './tests/fixtures/e2e-db';
import {
  E2E_PORTS,
  PRODUCTION_NODE_FLAGS,
  SHORT_TIMEOUTS,
  THROTTLE_LIMITS,
} from './tests/fixtures/servers';

// The suite runs against the production build (`next build` first) with fresh databases: SQLite
// files in a temporary folder, or (GATEHOUSE_TEST_BACKEND=postgres) databases on the run's
// PostgreSQL. Set once in the runner process; workers inherit it, so tests open the same ones.
process.env.E2E_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), 'gatehouse-e2e-'));
process.env.E2E_SESSION_SECRET ??= randomBytes(32).toString('base64url');
// No server the tests start looks passwords up on the internet (processes they spawn inherit this);
// tests/e2e/breached-passwords.spec.ts points its own server at a stub.
process.env.BREACHED_PASSWORD_API = '';
process.env.E2E_ENCRYPTION_KEYS ??= randomBytes(32).toString('base64url');

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

function chromiumExecutable(): string | undefined {
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  if (existsSync(chromium.executablePath())) return undefined; // Playwright's own download
  throw new Error(
    `No Chromium found: install Debian's package (apt-get install -y chromium) so ${SYSTEM_CHROMIUM} exists, ` +
      'or run `npx playwright install chromium` where downloads are allowed.',
  );
}

function server(port: number, name: string, extraEnv: Record<string, string> = {}) {
  return {
    // The production server as `npm start` runs it (`npm run build` made dist/server.js).
    command: `${E2E_BACKEND === 'postgres' ? 'npx tsx tests/fixtures/ensure-database.ts && ' : ''}node ${PRODUCTION_NODE_FLAGS} dist/server.js`,
    url: `http://localhost:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    env: {
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(port),
      SESSION_SECRET: process.env.E2E_SESSION_SECRET!,
      ENCRYPTION_KEYS: process.env.E2E_ENCRYPTION_KEYS!,
      DATABASE_URL: e2eDatabaseUrl(name),
      BCRYPT_COST: '10',
      BREACHED_PASSWORD_API: '',
      // The tests enter the code of the step before, as an app whose clock is a little behind.
      TOTP_DRIFT_STEPS: '1',
      ...extraEnv,
    },
  };
}

// Upper bounds, not expectations: on a slow two-core machine running two workers, their browsers and
// three servers, a test of many logins has taken 30 s. E2E_TEST_TIMEOUT_MS raises the limit further.
const TEST_TIMEOUT_MS = Number(process.env.E2E_TEST_TIMEOUT_MS) || 60_000;

export default defineConfig({
  testDir: './tests',
  testMatch: ['e2e/**/*.spec.ts', 'security/**/*.spec.ts'],
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  timeout: TEST_TIMEOUT_MS,
  expect: { timeout: 10_000 },
  use: {
    baseURL: `http://localhost:${E2E_PORTS.main}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromiumExecutable(),
      args: [
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: [
    // All browser tests share one client IP; the per-IP limits are lifted here and tested on
    // their own servers (throttle.spec.ts) so they cannot leak between tests.
    server(E2E_PORTS.main, 'main', {
      THROTTLE_REGISTER_PER_IP: '100000',
      THROTTLE_IP_FAILURES: '100000',
    }),
    // Trusts one proxy hop, so each throttle test can be its own client through X-Forwarded-For.
    server(E2E_PORTS.throttle, 'throttle', {
      TRUST_PROXY: '1',
      THROTTLE_IP_FAILURES: String(THROTTLE_LIMITS.ipFailures),
      THROTTLE_ACCOUNT_MAX_DELAY: String(THROTTLE_LIMITS.accountMaxDelaySeconds),
    }),
    server(E2E_PORTS.shortExpiry, 'short-expiry', {
      SESSION_IDLE_TIMEOUT: String(SHORT_TIMEOUTS.idleSeconds),
      SESSION_ABSOLUTE_TIMEOUT: String(SHORT_TIMEOUTS.absoluteSeconds),
    }),
  ],
});
