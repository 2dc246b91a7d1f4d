import { randomInt } from 'node:crypto';
import type { Page } from '@playwright/test';
import { logInThroughForm, registerAccount, uniqueUsername } from '../fixtures/accounts';
import { THROTTLE_LIMITS, throttleURL } from '../fixtures/servers';
import { expect, test } from '../fixtures/test';

// This server trusts one proxy hop, so each browser arrives from its own address, as a real
// client behind a load balancer would, and the tests' counters cannot mix.
test.use({ baseURL: throttleURL });
const anAddress = () => `198.18.${randomInt(256)}.${randomInt(1, 255)}`;
test.beforeEach(async ({ context }) => {
  await context.setExtraHTTPHeaders({ 'x-forwarded-for': anAddress() });
});

const refusal = /Too many failed attempts\. Try again in \d+ (second|minute)s?\./;

/**
 * Five wrong passwords pass as plain failures; from then on each failure doubles the wait (1 s,
 * 2 s, 4 s ... up to 8 s on this server). Guesses until the account refuses with a wait long
 * enough to try the right password within it.
 */
async function guessUntilRefused(page: Page, username: string): Promise<void> {
  const alert = page.getByRole('main').getByRole('alert');
  for (let i = 0; i < 5; i++) {
    await logInThroughForm(page, username, `wrong password number ${i}`);
    await expect(alert).toHaveText('Invalid username or password.');
  }
  const waitIn = (text: string | null) =>
    Number(/Try again in (\d+) second/.exec(text ?? '')?.[1] ?? 0);
  for (let i = 5; waitIn(await alert.textContent()) < 3; i++) {
    expect(i, 'the account should be refusing by now').toBeLessThan(25);
    await logInThroughForm(page, username, `wrong password number ${i}`);
    await expect(alert).toHaveText(/Invalid username or password\.|Too many failed attempts/);
  }
}

test('after five wrong passwords the account waits ever longer, even for the right password', async ({
  page,
}) => {
  test.slow(); // form logins until refused, then the wait: up to 50 s on a slow two-core machine
  const { username, password } = await registerAccount(page);
  await page.getByRole('button', { name: 'Log out' }).click();
  const alert = page.getByRole('main').getByRole('alert');
  await guessUntilRefused(page, username);
  await logInThroughForm(page, username, password);
  await expect(alert).toHaveText(refusal);
  await expect(page.getByLabel('Username')).toHaveValue(username);

  const seconds = Number(/in (\d+) second/.exec((await alert.textContent())!)![1]);
  await page.waitForTimeout(seconds * 1000 + 500);
  await logInThroughForm(page, username, password);
  await expect(page).toHaveURL(/\/protected$/);
});

test('password spraying from one address is capped across accounts', async ({ page, browser }) => {
  test.slow(); // dozens of form logins at cost 10: up to 50 s on a slow two-core machine
  const setup = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': anAddress() } });
  const { username, password } = await registerAccount(await setup.newPage());
  await setup.close();

  for (let i = 0; i < THROTTLE_LIMITS.ipFailures; i++) {
    await logInThroughForm(page, uniqueUsername('sprayed'), 'Summer2026!Summer2026!');
    await expect(page.getByRole('main').getByRole('alert')).toHaveText(
      'Invalid username or password.',
    );
  }
  await logInThroughForm(page, username, password);
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(refusal);
  await expect(page).toHaveURL(/\/login$/);
});

test("a stranger's guessing does not lock the owner out of a browser they logged in from before", async ({
  page,
  context,
  browser,
}) => {
  const { username, password } = await registerAccount(page);
  await context.clearCookies({ name: '__Host-session' }); // the session ends; the device cookie stays

  const stranger = await browser.newContext({
    extraHTTPHeaders: { 'x-forwarded-for': anAddress() },
  });
  const strangerPage = await stranger.newPage();
  await guessUntilRefused(strangerPage, username);
  await logInThroughForm(strangerPage, username, password);
  await expect(strangerPage.getByRole('main').getByRole('alert')).toHaveText(refusal);
  await stranger.close();

  await logInThroughForm(page, username, password);
  await expect(page).toHaveURL(/\/protected$/);
});

test("a password spray from the owner's own address does not lock their trusted browser out", async ({
  page,
  context,
  browser,
}) => {
  test.slow(); // a dozen form logins at cost 10
  // The owner and the strangers share one address, as in an office or behind a mobile carrier.
  const shared = anAddress();
  await context.setExtraHTTPHeaders({ 'x-forwarded-for': shared });
  const { username, password } = await registerAccount(page);
  await context.clearCookies({ name: '__Host-session' }); // the session ends; the device cookie stays

  const stranger = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': shared } });
  const strangerPage = await stranger.newPage();
  for (let i = 0; i < THROTTLE_LIMITS.ipFailures; i++) {
    await logInThroughForm(strangerPage, uniqueUsername('sprayed'), 'Summer2026!Summer2026!');
    await expect(strangerPage.getByRole('main').getByRole('alert')).toHaveText(
      'Invalid username or password.',
    );
  }
  await logInThroughForm(strangerPage, username, password);
  await expect(strangerPage.getByRole('main').getByRole('alert')).toHaveText(refusal);
  await stranger.close();

  await logInThroughForm(page, username, password);
  await expect(page).toHaveURL(/\/protected$/);
});
