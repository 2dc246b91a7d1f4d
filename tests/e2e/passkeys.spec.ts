import { createServer, type Server } from 'node:http';
import type { Page } from '@playwright/test';
import { logInThroughForm, registerAccount } from '../fixtures/accounts';
import { countSessionsOf, passkeyEventsOf, setPasskeyCounters } from '../fixtures/e2e-db';
import {
  addPasskeyThroughAccountPage,
  addVirtualAuthenticator,
  fetchLoginOptions,
  postAssertion,
  setUserVerified,
  sign,
} from '../fixtures/passkeys';
import { enrolThroughAccountPage } from '../fixtures/second-factor';
import { expect, test } from '../fixtures/test';

// Passkeys in a real browser, with Chromium's virtual authenticator standing in for the device.
// Refused sign-ins are 401s from the API the page calls, which the browser logs.
test.use({ refusalsExpected: ['/api/auth/passkeys/login'] });

async function signOut(page: Page): Promise<void> {
  await page.goto('/account');
  await page.getByRole('banner').getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login/);
}

async function signInWithPasskey(page: Page): Promise<void> {
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
}

test('add a passkey, sign out, sign in with it and reach /protected, with no password and no code', async ({
  page,
}) => {
  await addVirtualAuthenticator(page);
  const { username, password } = await registerAccount(page, 'passkey');
  await enrolThroughAccountPage(page, password); // a passkey is both factors
  await addPasskeyThroughAccountPage(page, password);
  await signOut(page);

  await signInWithPasskey(page);
  await expect(page).toHaveURL(/\/protected$/);
  const session = await page.request.get('/api/auth/session');
  expect((await session.json()).session.authMethod).toBe('passkey');
  await page.goto('/account');
  await expect(page.getByTestId('passkey-row')).not.toContainText('last used never');
  expect(await countSessionsOf(username)).toBe(1);
});

test('without user verification the sign-in is refused', async ({ page }) => {
  const authenticator = await addVirtualAuthenticator(page);
  const { username, password } = await registerAccount(page, 'passkey');
  await addPasskeyThroughAccountPage(page, password);
  await signOut(page);

  await setUserVerified(authenticator, false);
  await signInWithPasskey(page);
  await expect(page.getByRole('main').getByRole('alert')).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
  expect(await countSessionsOf(username)).toBe(0);
});

test('an assertion works once: replayed, or answered to another challenge, it is refused', async ({
  page,
}) => {
  await addVirtualAuthenticator(page);
  const { username, password } = await registerAccount(page, 'passkey');
  await addPasskeyThroughAccountPage(page, password);
  await signOut(page);

  const assertion = await sign(page, await fetchLoginOptions(page));
  expect(await postAssertion(page, assertion)).toBe(200);
  expect(await postAssertion(page, assertion)).toBe(401);
  await fetchLoginOptions(page); // a fresh challenge in the cookie: the old answer is not for it
  expect(await postAssertion(page, assertion)).toBe(401);
  expect(await countSessionsOf(username)).toBe(1);
});

test('a signature counter that goes backwards is refused and recorded', async ({ page }) => {
  await addVirtualAuthenticator(page);
  const { username, password } = await registerAccount(page, 'passkey');
  await addPasskeyThroughAccountPage(page, password);
  await signOut(page);

  await setPasskeyCounters(username, 1_000_000); // as if a copy had been used that many times
  await signInWithPasskey(page);
  await expect(page.getByRole('main').getByRole('alert')).toContainText(
    'That passkey did not sign you in',
  );
  expect(await countSessionsOf(username)).toBe(0);
  expect(await passkeyEventsOf(username)).toContain('passkey_counter_regressed');
});

test('a removed passkey no longer signs in', async ({ page }) => {
  await addVirtualAuthenticator(page);
  const { username, password } = await registerAccount(page, 'passkey');
  await addPasskeyThroughAccountPage(page, password);
  const row = page.getByTestId('passkey-row');
  await row.getByLabel('Current password').fill(password);
  await row.getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('passkey-row')).toHaveCount(0);
  await signOut(page);

  await signInWithPasskey(page);
  await expect(page.getByRole('main').getByRole('alert')).toBeVisible();
  await expect(page.getByRole('main').getByRole('alert')).toContainText(
    'That passkey did not sign you in',
  );
  expect(await countSessionsOf(username)).toBe(0);
  expect(await passkeyEventsOf(username)).toEqual(['passkey_added', 'passkey_removed']);
});

test.describe('another origin', () => {
  let other: Server;
  const otherOrigin = 'http://localhost:3197';
  test.beforeAll(async () => {
    other = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<!doctype html><title>Another site</title><p>Another site</p>');
    });
    await new Promise<void>((resolve) => other.listen(3197, '127.0.0.1', resolve));
  });
  test.afterAll(() => new Promise<void>((resolve) => other.close(() => resolve())));

  test('an assertion made on another origin is refused, even for the same relying party id', async ({
    page,
  }) => {
    await addVirtualAuthenticator(page);
    const { username, password } = await registerAccount(page, 'passkey');
    await addPasskeyThroughAccountPage(page, password);
    await signOut(page);

    const options = await fetchLoginOptions(page);
    await page.goto(otherOrigin);
    const assertion = await sign(page, options); // the browser allows it: rp id localhost
    await page.goto('/login');
    expect(await postAssertion(page, assertion)).toBe(401);
    expect(await countSessionsOf(username)).toBe(0);
    expect(await passkeyEventsOf(username)).toEqual(['passkey_added', 'passkey_failure']);
  });
});

test('the password form keeps working beside the passkey button', async ({ page }) => {
  await addVirtualAuthenticator(page);
  const { username, password } = await registerAccount(page, 'passkey');
  await addPasskeyThroughAccountPage(page, password);
  await signOut(page);
  await logInThroughForm(page, username, password);
  await expect(page).toHaveURL(/\/protected$/);
});
