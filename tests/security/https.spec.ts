import { signUp } from '../fixtures/accounts';
import { e2eDatabaseUrl } from '../fixtures/e2e-db';
import { E2E_PORTS, startServer, type RunningServer } from '../fixtures/servers';
import { expect, test } from '../fixtures/test';

// The production build served over real TLS (npm run start:https), as a browser meets it.
test.use({ baseURL: `https://localhost:${E2E_PORTS.https}`, ignoreHTTPSErrors: true });

let server: RunningServer;
test.beforeAll(async () => {
  const env = {
    SESSION_SECRET: process.env.E2E_SESSION_SECRET!,
    DATABASE_URL: e2eDatabaseUrl('https'),
    BCRYPT_COST: '10',
  };
  server = await startServer(E2E_PORTS.https, env, { https: true });
});
test.afterAll(async () => {
  await server.stop();
});

test('register, reach the protected page and log out over HTTPS, with HSTS and a __Host- Secure cookie', async ({
  page,
  context,
}) => {
  const home = await page.goto('/');
  expect(home?.url()).toMatch(/^https:/);
  expect(home?.headers()['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');

  const { username } = await signUp(page, 'tls');
  await expect(page.getByRole('main')).toContainText(`Signed in as ${username}`);
  const cookie = (await context.cookies()).find((c) => c.name === '__Host-session');
  expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });

  const protectedPage = await page.goto('/protected');
  expect(protectedPage?.headers()['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/protected');
  await expect(page).toHaveURL(/\/login\?next=%2Fprotected$/);
});
