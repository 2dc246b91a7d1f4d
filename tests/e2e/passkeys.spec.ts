import { createServer, type Server } from 'node:http';
import { logInThroughForm, registerAccount } from '../fixtures/accounts';
import { countSessionsOf, passkeyEventsOf, setPasskeyCounters } from '../fixtures/e2e-db';
import {
  addPasskeyThroughAccountPage,
  addVirtualAuthenticator,
  answerSupportChecks,
  autofillRequestsMade,
  fetchLoginOptions,
  holdAutofillSupportChecks,
  postAssertion,
  removePasskeyThroughAccountPage,
  setPresence,
  setUserVerified,
  sign,
  signInWithPasskeyButton,
  signOut,
  type VirtualAuthenticator,
} from '../fixtures/passkeys';
import { enrolThroughAccountPage } from '../fixtures/second-factor';
import { E2E_PORTS } from '../fixtures/servers';
import { expect, test } from '../fixtures/test';
import type { Page } from '@playwright/test';

// Passkeys in a real browser, with Chromium's virtual authenticator standing in for the device.
// Refused sign-ins are 401s from the API the page calls, which the browser logs.
test.use({ refusalsExpected: ['/api/auth/passkeys/login'] });

/** A new account with a passkey, added from the account page; still signed in. */
async function accountWithPasskey(page: Page) {
  const authenticator = await addVirtualAuthenticator(page);
  const { username, password } = await registerAccount(page, 'passkey');
  await addPasskeyThroughAccountPage(page, password);
  return { authenticator, username, password };
}

/** Where a test makes assertions itself: a page of the site with no autofill request waiting. */
async function readyToSign(page: Page, authenticator: VirtualAuthenticator): Promise<void> {
  await page.goto('/register');
  await setPresence(authenticator, true);
}

test('add a passkey, sign out, sign in with it and reach /protected, with no password and no code', async ({
  page,
}) => {
  const authenticator = await addVirtualAuthenticator(page);
  const { username, password } = await registerAccount(page, 'passkey');
  await enrolThroughAccountPage(page, password); // a passkey is both factors
  await addPasskeyThroughAccountPage(page, password);
  await signOut(page, authenticator);

  await signInWithPasskeyButton(page, authenticator);
  await expect(page).toHaveURL(/\/protected$/);
  const session = await page.request.get('/api/auth/session');
  expect((await session.json()).session.authMethod).toBe('passkey');
  await page.goto('/account');
  await expect(page.getByTestId('passkey-row')).not.toContainText('last used never');
  expect(await countSessionsOf(username)).toBe(1);
});

test('passkey autofill: the passkey the username field offers signs in, to the page asked for', async ({
  page,
}) => {
  const authenticator = await addVirtualAuthenticator(page);
  const { username, password } = await registerAccount(page, 'passkey');
  await enrolThroughAccountPage(page, password);
  await addPasskeyThroughAccountPage(page, password);
  await signOut(page, authenticator);

  await setPresence(authenticator, true); // the person picks the passkey from the suggestions
  await page.goto('/login?next=/account');
  await expect(page).toHaveURL((url) => url.pathname === '/account');
  const session = await page.request.get('/api/auth/session');
  expect((await session.json()).session.authMethod).toBe('passkey');
  expect(await countSessionsOf(username)).toBe(1);
});

test('passkey autofill with a passkey the server no longer knows says so and signs nobody in', async ({
  page,
}) => {
  const { authenticator, username, password } = await accountWithPasskey(page);
  await removePasskeyThroughAccountPage(page, password);
  await signOut(page, authenticator);

  await setPresence(authenticator, true);
  await page.goto('/login');
  await expect(page.getByRole('main').getByRole('alert')).toContainText(
    'That passkey did not sign you in',
  );
  await expect(page).toHaveURL((url) => url.pathname === '/login');
  expect(await countSessionsOf(username)).toBe(0);
});

test('a login page left open renews its autofill request before the challenge expires', async ({
  page,
}) => {
  const { authenticator, username } = await accountWithPasskey(page);
  const optionsAsked: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/api/auth/passkeys/login-options'))
      optionsAsked.push(request.url());
  });
  await page.clock.install();
  await signOut(page, authenticator);
  expect(optionsAsked).toHaveLength(1);

  await page.clock.fastForward('04:30');
  await autofillRequestsMade(page, 2);
  expect(optionsAsked).toHaveLength(2);
  await setPresence(authenticator, true); // the renewed request after this one is answered
  await page.clock.fastForward('04:30');
  await expect(page).toHaveURL((url) => url.pathname === '/protected');
  expect(optionsAsked).toHaveLength(3);
  expect(await countSessionsOf(username)).toBe(1);
});

test('after a refused sign-in, the username field offers passkeys again when it next gets the focus', async ({
  page,
}) => {
  const { authenticator } = await accountWithPasskey(page);
  await signOut(page, authenticator);
  await setUserVerified(authenticator, false);
  await signInWithPasskeyButton(page, authenticator);
  await expect(page.getByRole('main').getByRole('alert')).toContainText('No passkey was used');

  await setUserVerified(authenticator, true);
  await page.getByLabel('Username').focus(); // the person picks the passkey this time
  await expect(page).toHaveURL((url) => url.pathname === '/protected');
  const session = await page.request.get('/api/auth/session');
  expect((await session.json()).session.authMethod).toBe('passkey');
});

test('an answer counts only in the browser that asked: from another browser it is refused and uses nothing up', async ({
  page,
  browser,
  baseURL,
}) => {
  const { authenticator, username } = await accountWithPasskey(page);
  await signOut(page, authenticator);

  await readyToSign(page, authenticator);
  const assertion = await sign(page, await fetchLoginOptions(page));
  const stranger = await (await browser.newContext({ baseURL })).newPage();
  await stranger.goto('/register');
  expect(await postAssertion(stranger, assertion)).toBe(401);
  expect(await postAssertion(page, assertion)).toBe(200);
  expect(await countSessionsOf(username)).toBe(1);
});

test('login pages in two tabs keep their own challenges: the first tab answers its own', async ({
  page,
}) => {
  const { authenticator, username } = await accountWithPasskey(page);
  await signOut(page, authenticator);

  await readyToSign(page, authenticator);
  const first = await fetchLoginOptions(page);
  const other = await page.context().newPage();
  await other.goto('/register');
  await fetchLoginOptions(other); // the second tab asks too, with the same cookies
  expect(await postAssertion(page, await sign(page, first))).toBe(200);
  expect(await countSessionsOf(username)).toBe(1);
});

test('login pages in two tabs asking at the same moment each keep their challenge, and both sign in', async ({
  page,
}) => {
  const { authenticator, username } = await accountWithPasskey(page);
  await signOut(page, authenticator);

  await readyToSign(page, authenticator);
  const other = await page.context().newPage();
  await other.goto('/register');
  const heldBefore = await challengeCookies(page); // the login page's, as the test signed out
  const [mine, theirs] = await Promise.all([fetchLoginOptions(page), fetchLoginOptions(other)]);
  expect(await challengeCookies(page)).toHaveLength(heldBefore.length + 2);
  // The virtual authenticator is the first tab's; each tab sends the answer to its own options.
  expect(await postAssertion(other, await sign(page, theirs))).toBe(200);
  expect(await postAssertion(page, await sign(page, mine))).toBe(200);
  expect(await countSessionsOf(username)).toBe(1); // one browser: the second replaced the first
  expect(await challengeCookies(page)).toEqual(heldBefore); // each answered one is cleared
});

test('a browser holds only its newest few challenges, and the newest still signs in', async ({
  page,
}) => {
  const { authenticator, username } = await accountWithPasskey(page);
  await signOut(page, authenticator);

  await readyToSign(page, authenticator);
  let newest = await fetchLoginOptions(page);
  for (let i = 0; i < 8; i++) newest = await fetchLoginOptions(page);
  expect((await challengeCookies(page)).length).toBeGreaterThan(1);
  expect((await challengeCookies(page)).length).toBeLessThanOrEqual(5);
  expect(await postAssertion(page, await sign(page, newest))).toBe(200);
  expect(await countSessionsOf(username)).toBe(1);
});

test('the button pressed while the browser is still checking for autofill stops the autofill request before it starts', async ({
  page,
}) => {
  const { authenticator, username } = await accountWithPasskey(page);
  await signOut(page, authenticator);

  await holdAutofillSupportChecks(page);
  await page.goto('/login');
  await page.waitForFunction(() => (window as unknown as Held).supportChecksWaiting > 0);
  await answerSupportChecks(page);
  // The autofill request is on its way: made, or waiting for the browser's support check.
  await page.waitForFunction(() => {
    const held = window as unknown as Held;
    return held.autofillRequests > 0 || held.supportChecksWaiting > 0;
  });
  await setPresence(authenticator, true);
  const lateRequests = await page.evaluate(async () => {
    const held = window as unknown as Held;
    const before = held.autofillRequests;
    const button = [...document.querySelectorAll('button')].find(
      (b) => b.textContent === 'Sign in with a passkey',
    );
    button!.click();
    held.answerSupportChecks(); // the browser's check answers only after the press
    await new Promise((resolve) => setTimeout(resolve, 0));
    return held.autofillRequests - before;
  });
  expect(lateRequests).toBe(0);
  await expect(page).toHaveURL(/\/protected$/);
  expect(await countSessionsOf(username)).toBe(1);
});

type Held = { autofillRequests: number; supportChecksWaiting: number; answerSupportChecks(): void };

/** The names of the passkey-challenge cookies the browser holds. */
async function challengeCookies(page: Page): Promise<string[]> {
  return (await page.context().cookies())
    .map((cookie) => cookie.name)
    .filter((name) => name.includes('passkey-challenge'));
}

test('without user verification the sign-in is refused', async ({ page }) => {
  const { authenticator, username } = await accountWithPasskey(page);
  await signOut(page, authenticator);

  await setUserVerified(authenticator, false);
  await signInWithPasskeyButton(page, authenticator);
  await expect(page.getByRole('main').getByRole('alert')).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
  expect(await countSessionsOf(username)).toBe(0);
});

test('an assertion works once: replayed, or answered to another challenge, it is refused', async ({
  page,
}) => {
  const { authenticator, username } = await accountWithPasskey(page);
  await signOut(page, authenticator);

  await readyToSign(page, authenticator);
  const assertion = await sign(page, await fetchLoginOptions(page));
  expect(await postAssertion(page, assertion)).toBe(200);
  expect(await postAssertion(page, assertion)).toBe(401);
  await fetchLoginOptions(page); // a fresh challenge in the cookie does not revive the used one
  expect(await postAssertion(page, assertion)).toBe(401);
  expect(await countSessionsOf(username)).toBe(1);
});

test('a signature counter that goes backwards is refused and recorded', async ({ page }) => {
  const { authenticator, username } = await accountWithPasskey(page);
  await signOut(page, authenticator);

  await setPasskeyCounters(username, 1_000_000); // as if a copy had been used that many times
  await signInWithPasskeyButton(page, authenticator);
  await expect(page.getByRole('main').getByRole('alert')).toContainText(
    'That passkey did not sign you in',
  );
  expect(await countSessionsOf(username)).toBe(0);
  expect(await passkeyEventsOf(username)).toContain('passkey_counter_regressed');
});

test('a removed passkey no longer signs in', async ({ page }) => {
  const { authenticator, username, password } = await accountWithPasskey(page);
  await removePasskeyThroughAccountPage(page, password);
  await signOut(page, authenticator);

  await signInWithPasskeyButton(page, authenticator);
  await expect(page.getByRole('main').getByRole('alert')).toBeVisible();
  await expect(page.getByRole('main').getByRole('alert')).toContainText(
    'That passkey did not sign you in',
  );
  expect(await countSessionsOf(username)).toBe(0);
  expect(await passkeyEventsOf(username)).toEqual(['passkey_added', 'passkey_removed']);
});

test.describe('another origin', () => {
  let other: Server;
  const otherOrigin = `http://localhost:${E2E_PORTS.otherOrigin}`;
  test.beforeAll(async () => {
    other = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<!doctype html><title>Another site</title><p>Another site</p>');
    });
    await new Promise<void>((resolve) => other.listen(E2E_PORTS.otherOrigin, '127.0.0.1', resolve));
  });
  test.afterAll(() => new Promise<void>((resolve) => other.close(() => resolve())));

  test('an assertion made on another origin is refused, even for the same relying party id', async ({
    page,
  }) => {
    const authenticator = await addVirtualAuthenticator(page);
    const { username, password } = await registerAccount(page, 'passkey');
    await addPasskeyThroughAccountPage(page, password);
    await signOut(page, authenticator);

    await readyToSign(page, authenticator);
    const options = await fetchLoginOptions(page);
    await page.goto(otherOrigin);
    const assertion = await sign(page, options); // the browser allows it: rp id localhost
    await page.goto('/register');
    expect(await postAssertion(page, assertion)).toBe(401);
    expect(await countSessionsOf(username)).toBe(0);
    expect(await passkeyEventsOf(username)).toEqual(['passkey_added', 'passkey_failure']);
  });
});

test('the password form keeps working beside the passkey button', async ({ page }) => {
  const { authenticator, username, password } = await accountWithPasskey(page);
  await signOut(page, authenticator);
  await logInThroughForm(page, username, password);
  await expect(page).toHaveURL(/\/protected$/);
});
