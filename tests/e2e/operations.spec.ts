import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { strongPassword, uniqueUsername } from '../fixtures/accounts';
import { e2eDatabaseUrl } from '../fixtures/e2e-db';
import { E2E_PORTS, startServer, type RunningServer } from '../fixtures/servers';
import { expect, test } from '../fixtures/test';

// What an operator runs beside Gatehouse: probes from a load balancer, a Prometheus scraper, and
// the start command itself.
test.describe.configure({ mode: 'serial' });
test.use({ baseURL: `http://localhost:${E2E_PORTS.operations}` });

const METRICS_TOKEN = 'a-scraper-token-of-thirty-two-chars-or-more';
const metricsUrl = `http://127.0.0.1:${E2E_PORTS.operationsMetrics}/metrics`;
let server: RunningServer;

test.beforeAll(async () => {
  server = await startServer(E2E_PORTS.operations, {
    SESSION_SECRET: process.env.E2E_SESSION_SECRET!,
    DATABASE_URL: e2eDatabaseUrl('operations'),
    BCRYPT_COST: '10',
    THROTTLE_ACCOUNT_FREE_FAILURES: '2',
    METRICS_PORT: String(E2E_PORTS.operationsMetrics),
    METRICS_TOKEN,
  });
});
test.afterAll(async () => {
  await server.stop();
});

const scrape = async (token = METRICS_TOKEN) =>
  fetch(metricsUrl, { headers: token ? { authorization: `Bearer ${token}` } : {} });
/** One sample's value from the Prometheus text, 0 when the series is absent. */
const sample = (text: string, series: string) =>
  Number(
    text
      .split('\n')
      .find((line) => line.startsWith(`${series} `))
      ?.slice(series.length + 1) ?? 0,
  );

test('/healthz and /readyz answer at once, without a session, a page or a log line', async ({
  request,
}) => {
  const before = server.output();
  for (const [path, body] of [
    ['/healthz', { status: 'ok' }],
    ['/readyz', { status: 'ready' }],
  ] as const) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    expect(response.headers()['content-type']).toBe('application/json');
    expect(response.headers()['cache-control']).toBe('no-store');
    expect(response.headers()['set-cookie']).toBeUndefined();
    expect(await response.json()).toEqual(body);
  }
  expect((await request.post('/healthz')).status()).toBe(405);
  expect(server.output()).toBe(before);
});

test('a path with a broken percent-escape is refused and logged, before Next.js', async ({
  request,
}) => {
  const response = await request.delete('/api/auth/sessions/%E0%A4%A');
  expect(response.status()).toBe(400);
  expect(response.headers()['content-type']).toBe('application/json');
  expect((await request.get('/account/%ZZ')).status()).toBe(400);
  await expect
    .poll(() => server.output())
    .toContain('"event":"malformed_path","method":"DELETE","path":"/api/auth/sessions/%E0%A4%A"');
});

test('/metrics is served on its own listener only, bound to localhost, and asks for the token', async ({
  request,
}) => {
  expect((await request.get('/metrics')).status()).toBe(404);
  expect((await scrape('')).status).toBe(401);
  expect((await scrape('not-the-token-at-all-but-as-long-as-it')).status).toBe(401);
  const response = await scrape();
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  for (const name of [
    'gatehouse_logins_total',
    'gatehouse_registrations_total',
    'gatehouse_sessions_created_total',
    'gatehouse_sessions_ended_total',
    'gatehouse_throttle_refusals_total',
    'gatehouse_password_hash_queue_depth',
    'gatehouse_password_hash_wait_seconds_count',
    'gatehouse_database_errors_total',
    'nodejs_eventloop_lag_p99_seconds',
    'process_resident_memory_bytes',
  ]) {
    expect(text, name).toContain(`\n${name}`);
  }
  // Another loopback address is another machine's view: nothing listens there.
  const reached = await new Promise<boolean>((resolve) => {
    const socket = connect(E2E_PORTS.operationsMetrics, '127.0.0.2', () => resolve(true));
    socket.on('error', () => resolve(false));
  });
  expect(reached).toBe(false);
});

test('metrics count logins by outcome, registrations, sessions and throttle refusals', async ({
  request,
}) => {
  const before = await (await scrape()).text();
  const username = uniqueUsername('metrics');
  const password = strongPassword();
  expect(
    (await request.post('/api/auth/register', { data: { username, password } })).status(),
  ).toBe(201);
  expect((await request.post('/api/auth/logout')).status()).toBe(204);
  expect((await request.post('/api/auth/login', { data: { username, password } })).status()).toBe(
    200,
  );
  for (let i = 0; i < 2; i++) {
    expect(
      (
        await request.post('/api/auth/login', { data: { username, password: `wrong ${password}` } })
      ).status(),
    ).toBe(401);
  }
  expect((await request.post('/api/auth/login', { data: { username, password } })).status()).toBe(
    429,
  );
  const after = await (await scrape()).text();
  const grew = (series: string) => sample(after, series) - sample(before, series);
  expect(grew('gatehouse_registrations_total{outcome="success"}')).toBe(1);
  expect(grew('gatehouse_logins_total{outcome="success"}')).toBe(1);
  expect(grew('gatehouse_logins_total{outcome="failure"}')).toBe(2);
  expect(grew('gatehouse_logins_total{outcome="throttled"}')).toBe(1);
  expect(grew('gatehouse_throttle_refusals_total{scope="account"}')).toBe(1);
  expect(grew('gatehouse_sessions_created_total')).toBe(2);
  expect(grew('gatehouse_sessions_ended_total{reason="logout"}')).toBe(1);
  expect(grew('gatehouse_password_hash_wait_seconds_count')).toBeGreaterThanOrEqual(4);
});

test('security.txt (RFC 9116) and robots.txt are served as plain text', async ({ request }) => {
  const securityTxt = await request.get('/.well-known/security.txt');
  expect(securityTxt.status()).toBe(200);
  expect(securityTxt.headers()['content-type']).toMatch(/^text\/plain/);
  const fields = await securityTxt.text();
  expect(fields).toMatch(/^Contact: (mailto|https):\S+$/m);
  expect(fields).toMatch(/^Expires: \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
  const robots = await request.get('/robots.txt');
  expect(robots.status()).toBe(200);
  expect(await robots.text()).toContain('Disallow: /account');
});

test('plain `next start` refuses to run in production, naming the command that works', async () => {
  const child = spawn(
    process.execPath,
    ['node_modules/next/dist/bin/next', 'start', '-p', String(E2E_PORTS.plainNextStart)],
    {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        SESSION_SECRET: process.env.E2E_SESSION_SECRET!,
        ENCRYPTION_KEYS: process.env.E2E_ENCRYPTION_KEYS!,
        DATABASE_URL: e2eDatabaseUrl('next-start'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).not.toBe(0);
  expect(output).toContain('cannot see client addresses. Start it with `npm start`');
});
