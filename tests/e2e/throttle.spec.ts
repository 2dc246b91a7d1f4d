import { randomInt } from 'node:crypto';
import { loginThroughForm, signUp, uniqueUsername } from '../fixtures/accounts';
import { THROTTLE_LIMITS, throttleURL } from '../fixtures/servers';
import { expect, test } from '../fixtures/test';

// This server trusts one proxy hop, so each test arrives from its own address, as a real
// client behind a load balancer would, and the tests' counters cannot mix.
test.use({
  baseURL: throttleURL,
  extraHTTPHeaders: { 'x-forwarded-for': `198.18.${randomInt(256)}.${randomInt(1, 255)}` },
});

const refusal = /Too many failed attempts\. Try again in \d+ (second|minute)s?\./;

test('after five wrong passwords even the right one waits, then works', async ({ page }) => {
  const { username, password } = await signUp(page);
  await page.getByRole('button', { name: 'Log out' }).click();

  for (let i = 0; i < 5; i++) {
    await loginThroughForm(page, username, `wrong password number ${i}`);
    await expect(page.getByRole('main').getByRole('alert')).toHaveText('Invalid username or password.');
  }
  await loginThroughForm(page, username, password);
  await expect(page.getByRole('main').getByRole('alert')).toHaveText('Too many failed attempts. Try again in 1 second.');
  await expect(page.getByLabel('Username')).toHaveValue(username);

  await page.waitForTimeout(1100);
  await loginThroughForm(page, username, password);
  await expect(page).toHaveURL(/\/protected$/);
});

test('password spraying from one address is capped across accounts', async ({ page, browser }) => {
  const setup = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': '198.19.0.1' } });
  const { username, password } = await signUp(await setup.newPage());
  await setup.close();

  for (let i = 0; i < THROTTLE_LIMITS.ipFailures; i++) {
    await loginThroughForm(page, uniqueUsername('sprayed'), 'Summer2026!Summer2026!');
    await expect(page.getByRole('main').getByRole('alert')).toHaveText('Invalid username or password.');
  }
  await loginThroughForm(page, username, password);
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(refusal);
  await expect(page).toHaveURL(/\/login$/);
});
