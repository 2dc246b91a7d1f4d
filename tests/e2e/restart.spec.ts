import path from 'node:path';
import { signUp } from '../fixtures/accounts';
import { E2E_PORTS, startServer } from '../fixtures/servers';
import { expect, test } from '../fixtures/test';

test.use({ baseURL: `http://localhost:${E2E_PORTS.restart}` });

test('sessions survive a server restart', async ({ page }) => {
  const env = {
    SESSION_SECRET: process.env.E2E_SESSION_SECRET!,
    DATABASE_URL: path.join(process.env.E2E_DATA_DIR!, 'restart.db'),
    BCRYPT_COST: '10',
  };
  let server = await startServer(E2E_PORTS.restart, env);
  try {
    const { username } = await signUp(page, 'restart');
    await page.goto('about:blank'); // nothing in flight when the server goes away
    await server.stop();
    server = await startServer(E2E_PORTS.restart, env);
    await page.goto('/protected');
    await expect(page.getByRole('main')).toContainText(`Signed in as ${username}`);
  } finally {
    await server.stop();
  }
});
