import { registerAccount, strongPassword, uniqueUsername } from '../fixtures/accounts';
import { E2E_BACKEND, e2eDatabaseUrl } from '../fixtures/e2e-db';
import { ensureDatabase } from '../fixtures/postgres';
import { E2E_PORTS, startServer, type RunningServer } from '../fixtures/servers';
import { TcpRelay } from '../fixtures/tcp-relay';
import { expect, test } from '../fixtures/test';

// PostgreSQL taken away and brought back under a running server: the server reaches its
// database through a TCP relay the test controls. Requests fail fast with 503 and a clear page,
// the log names the cause, and the server recovers by itself.
test.skip(
  E2E_BACKEND !== 'postgres',
  'needs PostgreSQL: the browser suite on PostgreSQL (npm run test:e2e:postgres) runs it',
);
test.describe.configure({ mode: 'serial' });
test.use({ baseURL: `http://localhost:${E2E_PORTS.outage}` });

const CONNECT_TIMEOUT_MS = 1000;
let relay: TcpRelay;
let server: RunningServer;

/** A relay to a fresh database of this run, and a server's settings for reaching it through the relay. */
async function relayedDatabase(
  name: string,
): Promise<{ relay: TcpRelay; env: Record<string, string> }> {
  const direct = new URL(e2eDatabaseUrl(name));
  await ensureDatabase(direct.toString());
  const relay = new TcpRelay({ host: direct.hostname, port: Number(direct.port || 5432) });
  await relay.up();
  const throughRelay = new URL(direct);
  throughRelay.port = String(relay.port);
  const env = {
    SESSION_SECRET: process.env.E2E_SESSION_SECRET!,
    DATABASE_URL: throughRelay.toString(),
    DATABASE_CONNECT_TIMEOUT: String(CONNECT_TIMEOUT_MS),
    DATABASE_STATEMENT_TIMEOUT: '2000',
    BCRYPT_COST: '10',
  };
  return { relay, env };
}

test.beforeAll(async () => {
  const relayed = await relayedDatabase('outage');
  relay = relayed.relay;
  server = await startServer(E2E_PORTS.outage, relayed.env);
});
test.afterAll(async () => {
  await server?.stop();
  await relay?.down();
});

test('a database that goes away gives 503s and a clear page, and the server recovers by itself', async ({
  page,
  request,
}) => {
  const { username } = await registerAccount(page);
  const cookie = (await page.context().cookies()).find((c) => c.name === '__Host-session')!;
  const asUser = { headers: { cookie: `${cookie.name}=${cookie.value}` } };

  await relay.down(); // connections refused, open ones cut
  const api = await request.get('/api/auth/session', asUser);
  expect(api.status()).toBe(503);
  expect(api.headers()['retry-after']).toBe('5');
  expect(await api.json()).toEqual({
    error: {
      code: 'service_unavailable',
      message: 'Gatehouse cannot reach its database right now. Try again shortly.',
    },
  });

  const pageResponse = await page.goto('/protected');
  expect(pageResponse?.status()).toBe(503);
  expect(pageResponse?.headers()['retry-after']).toBe('5');
  await expect(
    page.getByRole('heading', { name: 'Gatehouse is temporarily unavailable' }),
  ).toBeVisible();
  await expect(page.getByRole('main')).toContainText('It cannot reach its database right now.');
  expect(await page.content()).not.toContain('ECONNREFUSED');

  // A load balancer takes the server out of rotation meanwhile; the process itself is alive.
  const ready = await request.get('/readyz');
  expect(ready.status()).toBe(503);
  expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'database not answering' });
  expect((await request.get('/healthz')).status()).toBe(200);

  await relay.up();
  await expect(async () => {
    await page.goto('/protected');
    await expect(page.getByRole('main')).toContainText(`Signed in as ${username}`, {
      timeout: 1000,
    });
  }).toPass({ timeout: 15_000 });
  expect(await (await request.get('/readyz')).json()).toEqual({ status: 'ready' });

  const log = server.output();
  expect(log).toContain('"event":"database_unavailable"');
  expect(log).toMatch(/"event":"database_unavailable","cause":"[^"]+"/);
  expect(log).not.toContain(cookie.value);
  expect(log).toContain('"event":"database_recovered"');
});

test('a database that accepts connections but never answers costs a request the connect timeout, not a hang', async ({
  request,
}) => {
  await relay.blackhole();
  const attempt = () =>
    request.post('/api/auth/login', {
      data: { username: 'anyone', password: 'any password at all' },
    });
  const started = Date.now();
  expect((await attempt()).status()).toBe(503);
  expect(Date.now() - started).toBeLessThan(CONNECT_TIMEOUT_MS + 4000);
  await relay.up();
  await expect(async () => expect((await attempt()).status()).toBe(401)).toPass({
    timeout: 15_000,
  });
});

test('a server started while its database is down answers 503, then migrates and serves once it is back', async ({
  request,
}) => {
  const late = await relayedDatabase('starts-without-database');
  await late.relay.down();
  const lonely = await startServer(E2E_PORTS.startsWithoutDatabase, late.env, {
    waitUntil: 'live',
  });
  try {
    const url = `http://localhost:${E2E_PORTS.startsWithoutDatabase}`;
    const register = () =>
      request.post(`${url}/api/auth/register`, {
        data: { username: uniqueUsername('late'), password: strongPassword() },
      });
    expect((await register()).status()).toBe(503);
    expect(await (await request.get(`${url}/readyz`)).json()).toEqual({
      status: 'unavailable',
      reason: 'migrations not applied yet',
    });
    await late.relay.up();
    await expect(async () => expect((await register()).status()).toBe(201)).toPass({
      timeout: 20_000,
    });
    expect(lonely.output()).toContain('"event":"database_migrated"');
    expect((await request.get(`${url}/readyz`)).status()).toBe(200);
  } finally {
    await lonely.stop();
    await late.relay.down();
  }
});
