import { registerThroughForm, strongPassword, uniqueUsername } from '../fixtures/accounts';
import {
  sha1Hex,
  startBreachedPasswordsStub,
  type BreachedPasswordsStub,
} from '../fixtures/breached-passwords-stub';
import { countUsersNamed, e2eDatabaseUrl } from '../fixtures/e2e-db';
import { E2E_PORTS, startServer, type RunningServer } from '../fixtures/servers';
import { expect, test } from '../fixtures/test';

// A server of its own whose breach check asks a stub on this machine, never the internet.
test.describe.configure({ mode: 'serial' });
test.use({ baseURL: `http://localhost:${E2E_PORTS.breachedPasswords}` });

const BREACHED = 'correct horse battery staple forever';
const metricsUrl = `http://127.0.0.1:${E2E_PORTS.breachedPasswordsMetrics}/metrics`;
let stub: BreachedPasswordsStub;
let server: RunningServer;

test.beforeAll(async () => {
  stub = await startBreachedPasswordsStub();
  stub.breach(BREACHED, 51_259);
  server = await startServer(E2E_PORTS.breachedPasswords, {
    SESSION_SECRET: process.env.E2E_SESSION_SECRET!,
    DATABASE_URL: e2eDatabaseUrl('breached-passwords'),
    BCRYPT_COST: '10',
    BREACHED_PASSWORD_API: stub.url,
    BREACHED_PASSWORD_TIMEOUT: '1000',
    METRICS_PORT: String(E2E_PORTS.breachedPasswordsMetrics),
  });
});
test.afterAll(async () => {
  await server?.stop();
  await stub?.close();
});

/** Every request the stub was sent named a five-digit prefix and nothing else of a password. */
function expectOnlyPrefixesSent(...passwords: string[]) {
  expect(stub.requests.length).toBeGreaterThan(0);
  for (const request of stub.requests) {
    expect(request.path).toMatch(/^\/range\/[0-9A-F]{5}$/);
    expect(request.headers['add-padding']).toBe('true');
    for (const password of passwords) {
      expect(JSON.stringify(request)).not.toContain(password);
      expect(JSON.stringify(request).toUpperCase()).not.toContain(sha1Hex(password).slice(0, 6));
    }
  }
}

test('registration refuses a breached password on its field, keeps the username, stores nothing', async ({
  page,
}) => {
  const username = uniqueUsername('breach');
  await registerThroughForm(page, username, BREACHED);
  const message = 'This password has appeared in a data breach. Choose another.';
  await expect(page.getByText(message)).toBeVisible();
  await expect(page.getByLabel('Password', { exact: true })).toHaveAccessibleDescription(
    new RegExp(message.replace(/\./g, '\\.')),
  );
  await expect(page).toHaveURL(/\/register$/);
  await expect(page.getByLabel('Username')).toHaveValue(username);
  expect(await countUsersNamed(username, 'breached-passwords')).toBe(0);

  const password = strongPassword();
  await registerThroughForm(page, username, password);
  await page.waitForURL('**/protected');
  expectOnlyPrefixesSent(BREACHED, password);
  expect(stub.requests.map((r) => r.path)).toContain(`/range/${sha1Hex(BREACHED).slice(0, 5)}`);
  expect(server.output()).not.toContain(BREACHED);
  expect(server.output()).not.toContain(password);
});

test('when the breach check gets no answer in time, the account is still made, and the failure is logged and counted', async ({
  page,
}) => {
  stub.behaviour = 'slow';
  const failures = async () => {
    const text = await (await fetch(metricsUrl)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('gatehouse_breached_password_checks_total{outcome="failed"} '));
    return Number(line?.split(' ')[1]);
  };
  const before = await failures();
  const password = strongPassword();
  const started = Date.now();
  await registerThroughForm(page, uniqueUsername('slow'), password);
  await page.waitForURL('**/protected');
  expect(Date.now() - started).toBeLessThan(8000); // the stub would have answered after 10 s
  expect(await failures()).toBe(before + 1);
  const event = server
    .output()
    .split('\n')
    .find((line) => line.includes('"event":"breach_check_failed"'));
  expect(JSON.parse(event!)).toMatchObject({ detail: 'timeout; password accepted' });
  expect(server.output()).not.toContain(password);
  expect(server.output()).not.toContain(sha1Hex(password));
  stub.behaviour = 'answer';
});
