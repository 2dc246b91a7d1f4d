import {
  logInThroughForm,
  registerThroughForm,
  registerAccount,
  strongPassword,
  uniqueUsername,
} from '../fixtures/accounts';
import { countSessionsOf } from '../fixtures/e2e-db';
import { expect, test } from '../fixtures/test';

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? 'with JavaScript' : 'without JavaScript', () => {
    test.use({ javaScriptEnabled });

    test('register, reach the protected page, log out, log back in', async ({ page }) => {
      const username = uniqueUsername();
      const password = strongPassword();

      await registerThroughForm(page, username, password);
      await expect(page).toHaveURL(/\/protected$/);
      await expect(page.getByRole('main')).toContainText(`Signed in as ${username}`);

      await page.getByRole('button', { name: 'Log out' }).click();
      await expect(page).toHaveURL(/\/login$/);
      await page.goto('/protected');
      await expect(page).toHaveURL(/\/login\?next=%2Fprotected$/);

      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect(page).toHaveURL(/\/protected$/);
      await expect(page.getByRole('main')).toContainText(`Signed in as ${username}`);
    });
  });
}

test('the home page says who is signed in and offers a log-out button', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('link', { name: 'Create an account' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Log out' })).toHaveCount(0);

  const { username } = await registerAccount(page);
  await page.goto('/');
  await expect(page.getByRole('main')).toContainText(`Signed in as ${username}`);
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
});

test('API answers are never cached and never compressed; pages still are compressed', async ({
  request,
}) => {
  const gzip = { 'accept-encoding': 'gzip, deflate, br' };
  for (const response of [
    await request.get('/api/auth/session', { headers: gzip }),
    await request.post('/api/auth/passkeys/login-options', { headers: gzip, data: {} }),
  ]) {
    expect(response.status()).toBeLessThan(500);
    expect(response.headers()['cache-control']).toBe('no-store, no-transform');
    expect(response.headers()['content-encoding']).toBeUndefined();
  }
  const page = await request.get('/login', { headers: gzip });
  expect(page.headers()['content-encoding']).toBe('gzip');
});

test('the protected page shows the session times and is never cached', async ({ page }) => {
  await registerAccount(page);
  const response = await page.goto('/protected');
  expect(response?.headers()['cache-control']).toContain('no-store');

  const main = page.getByRole('main');
  await expect(main.getByText('Session started')).toBeVisible();
  const times = await main
    .locator('time')
    .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('datetime')!));
  const [started, idleEnds, absoluteEnds] = times.map((t) => Date.parse(t));
  expect(Math.abs(started! - Date.now())).toBeLessThan(60_000);
  expect(idleEnds! - started!).toBeGreaterThanOrEqual(30 * 60 * 1000 - 1000); // default 30 min idle
  expect(absoluteEnds! - started!).toBe(12 * 60 * 60 * 1000); // default 12 h lifetime
});

test('the session cookie is HttpOnly, Secure, SameSite=Lax, host-only and __Host- prefixed', async ({
  page,
  context,
}) => {
  await registerAccount(page);
  const cookies = await context.cookies();
  // The session cookie, and the device cookie that marks this browser as one the user logs in from.
  expect(cookies.map((c) => c.name).sort()).toEqual(['__Host-device', '__Host-session']);
  for (const cookie of cookies) {
    expect(cookie).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      path: '/',
      domain: 'localhost',
    });
  }
});

test('logging in twice gives two independent sessions', async ({ browser, page }) => {
  const { username, password } = await registerAccount(page);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await logInThroughForm(otherPage, username, password);
  await expect(otherPage).toHaveURL(/\/protected$/);
  expect(await countSessionsOf(username)).toBe(2);

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect(await countSessionsOf(username)).toBe(1);

  await otherPage.goto('/protected');
  await expect(otherPage.getByRole('main')).toContainText(`Signed in as ${username}`);
  await other.close();
});

test('a 64-character ASCII password is accepted', async ({ page }) => {
  const username = uniqueUsername();
  const password = `${strongPassword()}${'x'.repeat(64)}`.slice(-64);
  await registerThroughForm(page, username, password);
  await expect(page).toHaveURL(/\/protected$/);
  await page.getByRole('button', { name: 'Log out' }).click();
  await logInThroughForm(page, username, password);
  await expect(page).toHaveURL(/\/protected$/);
});

test('unknown pages get a plain 404 page', async ({ page }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});
