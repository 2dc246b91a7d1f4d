import { sealData } from 'iron-session';
import type { Page } from '@playwright/test';
import {
  logInThroughForm,
  plantSessionCookie,
  registerThroughForm,
  sessionCookieOf,
  registerAccount,
  strongPassword,
  uniqueUsername,
} from '../fixtures/accounts';
import { countSessionsOf } from '../fixtures/e2e-db';
import { expect, test } from '../fixtures/test';

const COOKIE = '__Host-session';

async function expectSignedOut(page: Page): Promise<void> {
  const response = await page.goto('/protected');
  expect(response?.status()).toBeLessThan(500);
  await expect(page).toHaveURL(/\/login\?next=%2Fprotected$/);
  await expect(page.getByRole('main')).not.toContainText('Signed in as');
}

test('a cookie replayed after logout reaches nothing', async ({ page, context, browser }) => {
  await registerAccount(page);
  const oldCookie = await sessionCookieOf(context);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  const replay = await browser.newContext();
  await plantSessionCookie(replay, oldCookie);
  await expectSignedOut(await replay.newPage());
  await replay.close();
});

test('tampered, truncated, foreign and garbage cookies count as signed out', async ({
  page,
  context,
  browser,
}) => {
  await registerAccount(page);
  const real = await sessionCookieOf(context);
  const middle = Math.floor(real.length / 2);
  const flipped =
    real.slice(0, middle) + (real[middle] === 'a' ? 'b' : 'a') + real.slice(middle + 1);
  const foreign = await sealData(
    { token: 'A'.repeat(43) },
    { password: 'another-secret-another-secret-12345' },
  );

  for (const value of [flipped, real.slice(0, middle), foreign, 'garbage', '~2', `${real}x`]) {
    const attacker = await browser.newContext();
    await plantSessionCookie(attacker, value);
    await expectSignedOut(await attacker.newPage());
    await attacker.close();
  }
});

test('a cookie planted before login is discarded, never promoted (no fixation)', async ({
  browser,
  page,
}) => {
  // The attacker gets a valid session of their own and plants its cookie in the victim's browser.
  const attacker = await browser.newContext();
  const attackerPage = await attacker.newPage();
  const { username: attackerName } = await registerAccount(attackerPage, 'attacker');
  const planted = await sessionCookieOf(attacker);

  const victim = page.context();
  await plantSessionCookie(victim, planted);
  const { username: victimName } = await registerAccount(page, 'victim');

  expect(await sessionCookieOf(victim)).not.toBe(planted);
  expect(await countSessionsOf(attackerName)).toBe(0);
  expect(await countSessionsOf(victimName)).toBe(1);
  await expectSignedOut(attackerPage);
  await attacker.close();
});

test('the middleware-bypass header reaches nothing protected', async ({ request }) => {
  for (const value of [
    'proxy',
    'middleware',
    'proxy:proxy:proxy:proxy:proxy',
    'middleware:middleware:middleware:middleware:middleware',
  ]) {
    for (const cookie of [undefined, `${COOKIE}=garbage`]) {
      const response = await request.get('/protected', {
        headers: { 'x-middleware-subrequest': value, ...(cookie ? { cookie } : {}) },
        maxRedirects: 0,
      });
      expect(response.status(), `${value} ${cookie ?? ''}`).toBe(307);
      expect(response.headers().location).toMatch(/^\/login\?next=%2Fprotected/);
      expect(await response.text()).not.toContain('Signed in as');
    }
  }
});

test('a malformed form submission gets a 400, not a 500', async ({ request }) => {
  const response = await request.post('/login', {
    headers: {
      'content-type': 'multipart/form-data; boundary=zz',
      origin: test.info().project.use.baseURL!,
    },
    data: 'not multipart at all',
  });
  expect(response.status()).toBe(400);
});

test.describe('open redirects through ?next= land on /protected', () => {
  const attempts = [
    'https://evil.example/',
    '//evil.example/',
    '/\\evil.example/',
    '\\\\evil.example/',
    'javascript:alert(1)',
    '/\t/evil.example/',
    'http:evil.example',
  ];
  for (const next of attempts) {
    test(`next=${JSON.stringify(next)}`, async ({ page, browser }) => {
      const setup = await browser.newContext();
      const { username, password } = await registerAccount(await setup.newPage());
      await setup.close();

      await logInThroughForm(page, username, password, `/login?next=${encodeURIComponent(next)}`);
      await expect(page).toHaveURL('/protected');
    });
  }

  test('a same-origin path is honoured', async ({ page }) => {
    const username = uniqueUsername();
    const password = strongPassword();
    await registerThroughForm(page, username, password);
    await page.getByRole('button', { name: 'Log out' }).click();
    await logInThroughForm(
      page,
      username,
      password,
      `/login?next=${encodeURIComponent('/?from=login')}`,
    );
    await expect(page).toHaveURL('/?from=login');
  });
});
