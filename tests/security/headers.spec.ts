import { registerAccount } from '../fixtures/accounts';
import { throttleURL } from '../fixtures/servers';
import { expect, test } from '../fixtures/test';

test('pages carry a nonce-based CSP that Next.js scripts follow, fresh per response', async ({
  request,
  page,
}) => {
  const first = await request.get('/login');
  const csp = first.headers()['content-security-policy']!;
  for (const directive of [
    /script-src 'nonce-[A-Za-z0-9+/=]{22,}' 'strict-dynamic'(;|$)/,
    /object-src 'none'/,
    /base-uri 'none'/,
    /frame-ancestors 'none'/,
    /form-action 'self'/,
  ]) {
    expect(csp).toMatch(directive);
  }
  expect(csp).not.toContain('unsafe-eval');
  expect(csp).not.toContain('unsafe-inline');

  const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
  const html = await first.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  expect(scripts.length).toBeGreaterThan(0);
  for (const script of scripts) expect(script).toContain(`nonce="${nonce}"`);

  const second = await request.get('/login');
  expect(second.headers()['content-security-policy']).not.toBe(csp);

  // The fixture fails the test on any console error, CSP violations included.
  await page.goto('/register');
  await registerAccount(page);
  await page.goto('/account');
});

test('every response has the static security headers and no X-Powered-By', async ({ request }) => {
  for (const path of ['/', '/login', '/no-such-page']) {
    const headers = (await request.get(path)).headers();
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(headers['permissions-policy']).toContain('camera=()');
    expect(headers['x-powered-by']).toBeUndefined();
    expect(headers['strict-transport-security']).toBeUndefined(); // plain HTTP here
  }
});

test('HSTS is sent when a trusted proxy says the client used HTTPS, and only then', async ({
  request,
}) => {
  const viaTrustedProxy = await request.get(`${throttleURL}/login`, {
    headers: { 'x-forwarded-proto': 'https' },
  });
  expect(viaTrustedProxy.headers()['strict-transport-security']).toBe(
    'max-age=63072000; includeSubDomains',
  );
  // The main server trusts no proxy: a client claiming HTTPS changes nothing.
  const claimed = await request.get('/login', { headers: { 'x-forwarded-proto': 'https' } });
  expect(claimed.headers()['strict-transport-security']).toBeUndefined();
});

test('logout clears site data, and Back shows no protected content', async ({ page }) => {
  const { username } = await registerAccount(page);
  const logout = page.waitForResponse((r) => r.url().endsWith('/logout'));
  await page.getByRole('button', { name: 'Log out' }).click();
  expect((await (await logout).allHeaders())['clear-site-data']).toBe(
    '"cache", "cookies", "storage"',
  );
  await expect(page).toHaveURL(/\/login$/);

  await page.goBack();
  await expect(page.getByRole('main')).not.toContainText(`Signed in as ${username}`);
  await expect(page).toHaveURL(/\/login/);
});
