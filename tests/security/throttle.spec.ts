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

test('after five wrong passwords the account waits ever longer, even for the right password', async ({ page }) => {
  const { username, password } = await signUp(page);
  await page.getByRole('button', { name: 'Log out' }).click();
  const alert = page.getByRole('main').getByRole('alert');

  for (let i = 0; i < 5; i++) {
    await loginThroughForm(page, username, `wrong password number ${i}`);
    await expect(alert).toHaveText('Invalid username or password.');
  }
  // From here each failure doubles the wait (1 s, 2 s, 4 s ... up to 8 s on this server); keep
  // guessing until the account refuses with a wait long enough to try the right password in.
  const waitIn = (text: string | null) => Number(/Try again in (\d+) second/.exec(text ?? '')?.[1] ?? 0);
  for (let i = 5; waitIn(await alert.textContent()) < 3; i++) {
    expect(i, 'the account should be refusing by now').toBeLessThan(25);
    await loginThroughForm(page, username, `wrong password number ${i}`);
    await expect(alert).toHaveText(/Invalid username or password\.|Too many failed attempts/);
  }
  await loginThroughForm(page, username, password);
  await expect(alert).toHaveText(refusal);
  await expect(page.getByLabel('Username')).toHaveValue(username);

  const seconds = Number(/in (\d+) second/.exec((await alert.textContent())!)![1]);
  await page.waitForTimeout(seconds * 1000 + 500);
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
