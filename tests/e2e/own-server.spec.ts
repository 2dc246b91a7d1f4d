import type { Page } from '@playwright/test';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  logInThroughForm,
  registerThroughForm,
  sessionCookieOf,
  registerAccount,
  strongPassword,
  uniqueUsername,
} from '../fixtures/accounts';
import { e2eDatabaseUrl } from '../fixtures/e2e-db';
import { E2E_PORTS, startServer, type RunningServer } from '../fixtures/servers';
import { expect, test } from '../fixtures/test';

// One server of its own, restarted between steps: default TRUST_PROXY (none), tight limits, and
// its log output captured.
test.describe.configure({ mode: 'serial' });
test.use({ baseURL: `http://localhost:${E2E_PORTS.ownServer}` });

const env: Record<string, string> = {
  SESSION_SECRET: process.env.E2E_SESSION_SECRET!,
  DATABASE_URL: e2eDatabaseUrl('own-server'),
  BCRYPT_COST: '10',
  THROTTLE_IP_FAILURES: '3',
  THROTTLE_REGISTER_PER_IP: '4',
};
let server: RunningServer;
let earlierOutput = '';
const restart = async () => {
  await server.stop();
  earlierOutput += server.output();
  server = await startServer(E2E_PORTS.ownServer, env);
};
// The first request after a restart may still meet the old listener closing on a loaded machine.
const gotoAfterRestart = (page: Page, path: string) =>
  expect(() => page.goto(path)).toPass({ timeout: 10_000 });
const secrets: string[] = [];
const BUSY_MESSAGE = 'Gatehouse is busy checking other passwords. Try again in a moment.';

test.beforeAll(async () => {
  server = await startServer(E2E_PORTS.ownServer, env);
});
test.afterAll(async () => {
  await server.stop();
});

test('sessions survive a server restart', async ({ page, context }) => {
  const { username, password } = await registerAccount(page, 'restart');
  secrets.push(password, await sessionCookieOf(context));
  await page.goto('about:blank'); // nothing in flight when the server goes away
  await restart();
  await gotoAfterRestart(page, '/protected');
  await expect(page.getByRole('main')).toContainText(`Signed in as ${username}`);
});

test('a rotating X-Forwarded-For does not reset the per-IP count, and the count survives a restart', async ({
  page,
}) => {
  const { username, password } = await registerAccount(page, 'sprayed');
  await page.getByRole('button', { name: 'Log out' }).click();
  for (let i = 0; i < 3; i++) {
    await page.setExtraHTTPHeaders({
      'x-forwarded-for': `203.0.113.${i + 1}`,
      'x-real-ip': `203.0.113.${i + 1}`,
    });
    const wrong = `wrong ${strongPassword()}`;
    secrets.push(wrong);
    await logInThroughForm(page, uniqueUsername('nobody'), wrong);
    await expect(page.getByRole('main').getByRole('alert')).toHaveText(
      'Invalid username or password.',
    );
  }
  await page.setExtraHTTPHeaders({ 'x-forwarded-for': '203.0.113.99' });
  await logInThroughForm(page, username, password);
  await expect(page.getByRole('main').getByRole('alert')).toContainText(
    'Too many failed attempts.',
  );

  await page.goto('about:blank');
  await restart();
  await gotoAfterRestart(page, '/login');
  await logInThroughForm(page, username, password);
  await expect(page.getByRole('main').getByRole('alert')).toContainText(
    'Too many failed attempts.',
  );
});

test('a rotated SESSION_SECRET keeps older cookies working until the old secret is dropped', async ({
  page,
  browser,
}) => {
  const oldSecret = env.SESSION_SECRET;
  const newSecret = `rotated-${'n'.repeat(40)}`;
  const { username: sealedWithOld } = await registerAccount(page, 'old-seal');

  env.SESSION_SECRET = `${newSecret},${oldSecret}`;
  await page.goto('about:blank');
  await restart();
  await gotoAfterRestart(page, '/protected');
  await expect(page.getByRole('main')).toContainText(`Signed in as ${sealedWithOld}`);
  const newer = await (await browser.newContext()).newPage();
  const { username: sealedWithNew } = await registerAccount(newer, 'new-seal');

  env.SESSION_SECRET = newSecret;
  await page.goto('about:blank');
  await newer.goto('about:blank');
  await restart();
  await gotoAfterRestart(newer, '/protected');
  await expect(newer.getByRole('main')).toContainText(`Signed in as ${sealedWithNew}`);
  await page.goto('/protected');
  await expect(page).toHaveURL(/\/login\?next=%2Fprotected$/);
});

test('registrations per address are limited', async ({ page }) => {
  // The tests above made four accounts from this address, the limit: the fifth is refused.
  await registerThroughForm(page, uniqueUsername('fifth'), strongPassword());
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    /Too many accounts were created from your network\. Try again in \d+ minutes\./,
  );
});

// Runs the steps on the server restarted with these settings, then restarts it as it was.
async function withSettings(
  page: Page,
  changes: Record<string, string>,
  steps: () => Promise<void>,
) {
  const kept = { ...env };
  Object.assign(env, changes);
  await page.goto('about:blank');
  await restart();
  try {
    await steps();
  } finally {
    for (const name of Object.keys(changes)) delete env[name];
    Object.assign(env, kept);
    await page.goto('about:blank');
    await restart();
  }
}

test('when the hashing thread stays busy, a login is told to try again: a 503 from the API, a message on the form', async ({
  page,
  request,
}) => {
  test.slow(); // three times the configured limit
  // One thread, cost 15 (each check holds it for about two seconds), and a one-second wait limit.
  // Each step is retried: on a loaded machine the thread (at SCHED_IDLE) may itself start late.
  const settings = {
    PASSWORD_HASH_THREADS: '1',
    BCRYPT_COST: '15',
    PASSWORD_HASH_QUEUE_TIMEOUT: '1000',
    THROTTLE_IP_FAILURES: '1000',
  };
  await withSettings(page, settings, async () => {
    // Unknown names: each is a full comparison against the dummy hash.
    const password = `wrong ${strongPassword()}`;
    secrets.push(password);
    const tryApi = () =>
      request.post('/api/auth/login', { data: { username: uniqueUsername('nobody'), password } });

    await expect(async () => {
      const answers = await Promise.all([tryApi(), tryApi(), tryApi()]);
      const statuses = answers.map((answer) => answer.status());
      expect(statuses).toContain(401); // the one that got the thread
      expect(statuses).toContain(503);
      expect(statuses.every((status) => status === 401 || status === 503)).toBe(true);
      const busy = answers.find((answer) => answer.status() === 503)!;
      expect(busy.headers()['retry-after']).toBe('5');
      expect(await busy.json()).toEqual({ error: { code: 'busy', message: BUSY_MESSAGE } });
    }).toPass({ timeout: 40_000 });

    // The form keeps what was typed and says what happened; once the thread is free, it works.
    // A fresh name each try: a try whose check did run counts a failure against its name.
    let username = '';
    const alert = page.getByRole('main').getByRole('alert');
    await expect(async () => {
      username = uniqueUsername('patient');
      const holding = tryApi();
      await logInThroughForm(page, username, password);
      await expect(alert).toHaveText(BUSY_MESSAGE, { timeout: 5000 });
      await expect(page.getByLabel('Username')).toHaveValue(username);
      await holding;
    }).toPass({ timeout: 40_000 });
    await expect(async () => {
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect(alert).toHaveText('Invalid username or password.', { timeout: 10_000 });
    }).toPass({ timeout: 30_000 });
    expect(server.output()).toContain('"event":"password_check_busy"');
  });
});

test('without chrt, hashing still works at nice 19 and the log says SCHED_IDLE could not be set', async ({
  page,
  request,
}) => {
  const bin = mkdtempSync(path.join(tmpdir(), 'gatehouse-path-'));
  symlinkSync(process.execPath, path.join(bin, 'node')); // a PATH with node and nothing else
  try {
    await withSettings(page, { PATH: bin, THROTTLE_IP_FAILURES: '1000' }, async () => {
      const password = `wrong ${strongPassword()}`;
      secrets.push(password);
      const answer = await request.post('/api/auth/login', {
        data: { username: uniqueUsername('nobody'), password },
      });
      expect(answer.status()).toBe(401);
      const warnings = server
        .output()
        .split('\n')
        .filter((line) => line.includes('"event":"hashing_threads_not_idle"'));
      expect(warnings).toHaveLength(1);
    });
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
  expect(server.output()).not.toContain('hashing_threads_not_idle'); // with chrt on the PATH again
});

test('every security event is one JSON line on stdout, with no password or cookie in it', () => {
  const output = earlierOutput + server.output();
  const lines = output.split('\n').filter((line) => line.startsWith('{'));
  const events = lines.map((line) => JSON.parse(line) as { msg: string; event?: string });
  expect(events.filter((e) => e.msg === 'security event').map((e) => e.event)).toEqual(
    expect.arrayContaining(['registered', 'login_failure', 'throttled']),
  );
  for (const secret of secrets) expect(output).not.toContain(secret);
});
