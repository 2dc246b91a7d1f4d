import { connect, type ConnectionOptions } from 'node:tls';
import { registerAccount } from '../fixtures/accounts';
import { e2eDatabaseUrl } from '../fixtures/e2e-db';
import { E2E_PORTS, startServer, type RunningServer } from '../fixtures/servers';
import { expect, test } from '../fixtures/test';

// The production build served over real TLS (npm run start:https), as a browser meets it. One
// server on one port: the tests run in one worker, one after the other, so that no worker's
// afterAll stops the server under another's test.
test.describe.configure({ mode: 'serial' });
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

  const { username } = await registerAccount(page, 'tls');
  await expect(page.getByRole('main')).toContainText(`Signed in as ${username}`);
  const cookie = (await context.cookies()).find((c) => c.name === '__Host-session');
  expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });

  const protectedPage = await page.goto('/protected');
  expect(protectedPage?.headers()['strict-transport-security']).toBe(
    'max-age=63072000; includeSubDomains',
  );

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/protected');
  await expect(page).toHaveURL(/\/login\?next=%2Fprotected$/);
});

/** The protocol and suite a handshake settles on, or null when the server refuses it. */
function handshake(options: ConnectionOptions): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect(
      { host: 'localhost', port: E2E_PORTS.https, rejectUnauthorized: false, ...options },
      () => {
        const settled = `${socket.getProtocol()} ${socket.getCipher().name}`;
        socket.end();
        resolve(settled);
      },
    );
    socket.on('error', () => resolve(null));
  });
}

test('TLS offers only TLS 1.2 with forward secrecy and AEAD, and TLS 1.3', async () => {
  // Refused: CBC suites, with or without ECDHE; AES-GCM without forward secrecy; TLS 1.1.
  for (const ciphers of [
    'AES128-SHA',
    'AES256-SHA256',
    'ECDHE-RSA-AES128-SHA',
    'ECDHE-RSA-AES256-SHA384',
    'AES128-GCM-SHA256',
    'AES256-GCM-SHA384',
  ]) {
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers }), ciphers).toBeNull();
  }
  expect(
    await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
  ).toBeNull();
  // Accepted: the modern suites.
  expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' })).toBe(
    'TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256',
  );
  expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' })).toBe(
    'TLSv1.2 ECDHE-RSA-CHACHA20-POLY1305',
  );
  expect(await handshake({ minVersion: 'TLSv1.3' })).toMatch(
    /^TLSv1\.3 TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/,
  );
});
