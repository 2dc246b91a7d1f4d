import type { Page } from '@playwright/test';
import { logInThroughForm, registerAccount } from '../fixtures/accounts';
import { requireSecondFactorOf } from '../fixtures/e2e-db';
import { addVirtualAuthenticator, signOut } from '../fixtures/passkeys';
import { enrolIn } from '../fixtures/second-factor';
import { expect, test } from '../fixtures/test';

// A second factor required of an account (here by the operator's flag, which the site-wide
// REQUIRE_SECOND_FACTOR=all shares its path with): until it has one, its session reaches the
// enrolment page and nothing else, in pages, forms and the API.

const ENROLMENT = /\/account\/second-factor\?next=/;

async function logOutFromEnrolment(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Log out', exact: true }).first().click();
  await expect(page).toHaveURL(/\/login/);
}

test('an account that must have a second factor reaches only the enrolment page, and its API only enrolment, until it sets up an app', async ({
  page,
}) => {
  const { username, password } = await registerAccount(page, 'required');
  await requireSecondFactorOf(username);

  // The session already open is held from its next request.
  for (const path of ['/account', '/protected']) {
    await page.goto(path);
    await expect(page).toHaveURL(ENROLMENT);
    await expect(page.getByTestId('enrolment-required')).toBeVisible();
  }
  const api = page.request;
  expect(await (await api.get('/api/auth/session')).json()).toMatchObject({
    user: { username },
    secondFactorEnrolmentRequired: true,
  });
  for (const call of [
    api.get('/api/auth/sessions'),
    api.get('/api/auth/email'),
    api.post('/api/auth/password', {
      data: { currentPassword: password, newPassword: `${password} again` },
    }),
  ]) {
    const refused = await call;
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.code).toBe('second_factor_enrolment_required');
  }

  // A fresh login lands on the same page, and comes back to where it was going once enrolled.
  await logOutFromEnrolment(page);
  await logInThroughForm(page, username, password, '/login?next=%2Faccount');
  await expect(page).toHaveURL(/\/account\/second-factor\?next=%2Faccount$/);
  await enrolIn(page.getByRole('region', { name: 'An authenticator app' }), password);
  await page.getByRole('link', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/account$/);
  expect(await (await api.get('/api/auth/session')).json()).toMatchObject({
    secondFactorEnrolmentRequired: false,
    session: { authMethod: 'password+totp' },
  });
  expect((await api.get('/api/auth/sessions')).status()).toBe(200);
});

test('a passkey added on the enrolment page lets the session on; from then on the password alone is told to use the passkey', async ({
  page,
}) => {
  const authenticator = await addVirtualAuthenticator(page);
  const { username, password } = await registerAccount(page, 'required-passkey');
  await requireSecondFactorOf(username);
  await page.goto('/protected');
  await expect(page).toHaveURL(ENROLMENT);

  const passkey = page.getByRole('region', { name: 'Or a passkey' });
  await passkey.getByLabel('Name').fill('Test laptop');
  await passkey.getByLabel('Current password').fill(password);
  await passkey.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(page.getByTestId('enrolment-done')).toBeVisible();
  await page.getByRole('link', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/protected$/);
  expect(await (await page.request.get('/api/auth/session')).json()).toMatchObject({
    secondFactorEnrolmentRequired: false,
    session: { authMethod: 'passkey' },
  });

  await signOut(page, authenticator);
  await logInThroughForm(page, username, password);
  await expect(page.locator('main').getByRole('alert')).toContainText('use the passkey to log in');
  await expect(page).toHaveURL(/\/login/);
  const login = await page.request.post('/api/auth/login', { data: { username, password } });
  expect(login.status()).toBe(403);
  expect((await login.json()).error.code).toBe('passkey_required');
});
