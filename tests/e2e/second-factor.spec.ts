import type { Browser, Page } from '@playwright/test';
import { logInThroughForm, registerAccount } from '../fixtures/accounts';
import { ageReauthentication, countSessionsOf, expirePendingLogins } from '../fixtures/e2e-db';
import {
  enrolThroughAccountPage,
  enterCode,
  totpCode,
  untilNextStep,
} from '../fixtures/second-factor';
import { expect, test } from '../fixtures/test';

// Two-step sign-in as a person meets it, with codes computed from the secret the page shows,
// as an authenticator app would.

const STEP_MS = 30_000;

async function freshPage(browser: Browser, javaScriptEnabled = true): Promise<Page> {
  return (await browser.newContext({ javaScriptEnabled })).newPage();
}

async function logOut(page: Page): Promise<void> {
  await page.goto('/account');
  await page.getByRole('button', { name: 'Log out', exact: true }).first().click();
  await expect(page).toHaveURL(/\/login/);
}

test('enrol, then sign in with the password and a code; the code field suits one-time codes', async ({
  page,
  browser,
}) => {
  const { username, password } = await registerAccount(page, 'totp');
  const { secret } = await enrolThroughAccountPage(page, password);
  await expect(page.getByTestId('second-factor-status')).toContainText('10 recovery codes left');

  const other = await freshPage(browser);
  await logInThroughForm(other, username, password);
  await expect(other).toHaveURL(/\/login\/second-factor$/);
  expect(await countSessionsOf(username)).toBe(1); // the password alone opened nothing
  await expect(other.goto('/protected').then(() => other.url())).resolves.toMatch(/\/login\?next=/);

  await logInThroughForm(other, username, password);
  const field = other.getByLabel('Code from your authenticator app');
  await expect(field).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(field).toHaveAttribute('inputmode', 'numeric');
  await enterCode(other, totpCode(secret));
  await expect(other).toHaveURL(/\/protected$/);
  expect(await countSessionsOf(username)).toBe(2);
});

test('a code works once: replayed, or sent from two browsers at once, it signs in one of them', async ({
  page,
  browser,
}) => {
  // Enrolment used the step before this one, so this step's code is fresh.
  const { username, password } = await registerAccount(page, 'totp');
  const { secret } = await enrolThroughAccountPage(page, password);
  const code = totpCode(secret);

  const first = await freshPage(browser);
  await logInThroughForm(first, username, password);
  await enterCode(first, code);
  await expect(first).toHaveURL(/\/protected$/);

  const replay = await freshPage(browser);
  await logInThroughForm(replay, username, password);
  await enterCode(replay, code);
  await expect(replay.locator('main').getByRole('alert')).toContainText('That code is not right');
  await expect(replay).toHaveURL(/\/login\/second-factor$/);

  const together = totpCode(secret, Date.now() + STEP_MS); // the next step's, not used yet
  const [a, b] = [await freshPage(browser), await freshPage(browser)];
  for (const p of [a, b]) {
    await logInThroughForm(p, username, password);
    await expect(p).toHaveURL(/\/login\/second-factor$/);
    await p.getByLabel('Code from your authenticator app').fill(together);
  }
  await Promise.all([a, b].map((p) => p.getByRole('button', { name: 'Verify' }).click()));
  await expect
    .poll(async () => [a.url(), b.url()].filter((url) => url.endsWith('/protected')).length)
    .toBe(1);
  await expect(
    [a, b]
      .find((p) => !p.url().endsWith('/protected'))!
      .locator('main')
      .getByRole('alert'),
  ).toContainText('That code is not right');
});

test('a code from the step before is accepted (a phone clock a little behind)', async ({
  page,
  browser,
}) => {
  test.slow(); // waits for the next 30-second step
  const { username, password } = await registerAccount(page, 'totp');
  const { secret } = await enrolThroughAccountPage(page, password);
  await untilNextStep();
  const other = await freshPage(browser);
  await logInThroughForm(other, username, password);
  await enterCode(other, totpCode(secret, Date.now() - STEP_MS));
  await expect(other).toHaveURL(/\/protected$/);
});

test('wrong codes are refused, then throttled, and a pending login takes only a few', async ({
  page,
  browser,
}) => {
  const { username, password } = await registerAccount(page, 'totp');
  const { secret } = await enrolThroughAccountPage(page, password);
  const wrong = totpCode(secret) === '000000' ? '111111' : '000000';
  const other = await freshPage(browser);
  await logInThroughForm(other, username, password);
  const alert = other.locator('main').getByRole('alert');
  const expected = [
    'That code is not right. 4 tries left.',
    'That code is not right. 3 tries left.',
    'That code is not right. 2 tries left.',
    // Blocked now for a time step and more, right code or not; each answer still counts.
    /^Too many failed attempts. Try again in \d+ seconds?\.$/,
    /^Too many failed attempts. Try again in \d+ seconds?\.$/,
  ];
  for (const message of expected) {
    await enterCode(other, wrong);
    await expect(alert).toHaveText(message);
    await expect(other.getByRole('button', { name: 'Verify' })).toBeEnabled();
  }
  await enterCode(other, totpCode(secret));
  await expect(other).toHaveURL(/\/login\?expired=1$/);
  expect(await countSessionsOf(username)).toBe(1);
});

test('a recovery code signs in once; regenerating replaces them; a code turns it off', async ({
  page,
  browser,
}) => {
  const { username, password } = await registerAccount(page, 'totp');
  const { secret, recoveryCodes } = await enrolThroughAccountPage(page, password);

  const useRecoveryCode = async (code: string) => {
    const p = await freshPage(browser);
    await logInThroughForm(p, username, password);
    await p.getByText('Use a recovery code instead').click();
    await p.getByLabel('Recovery code').fill(code);
    await p.getByRole('button', { name: 'Use recovery code' }).click();
    return p;
  };
  const used = await useRecoveryCode(recoveryCodes[0]!);
  await expect(used).toHaveURL(/\/protected$/);
  const again = await useRecoveryCode(recoveryCodes[0]!);
  await expect(again.locator('main').getByRole('alert')).toContainText('That code is not right');

  await page.goto('/account');
  await expect(page.getByTestId('second-factor-status')).toContainText('9 recovery codes left');
  const section = page.getByRole('region', { name: 'Two-step sign-in' });
  await section.locator('#regenerate-password').fill(password);
  await section.getByRole('button', { name: 'Make new recovery codes' }).click();
  await expect(section.getByTestId('recovery-codes').locator('li')).toHaveCount(10);
  await expect(page.getByTestId('second-factor-status')).toContainText('10 recovery codes left');
  const old = await useRecoveryCode(recoveryCodes[1]!);
  await expect(old.locator('main').getByRole('alert')).toContainText('That code is not right');

  await section.locator('#disable-password').fill(password);
  await section.locator('#disable-code').fill(totpCode(secret, Date.now() + STEP_MS));
  await section.getByRole('button', { name: 'Turn off' }).click();
  await expect(section.getByRole('button', { name: 'Set up an authenticator app' })).toBeVisible();
  const plain = await freshPage(browser);
  await logInThroughForm(plain, username, password);
  await expect(plain).toHaveURL(/\/protected$/);
});

test('a pending login belongs to the browser that gave the password, and expires', async ({
  page,
  browser,
}) => {
  const { username, password } = await registerAccount(page, 'totp');
  const { secret } = await enrolThroughAccountPage(page, password);
  const a = await freshPage(browser);
  await logInThroughForm(a, username, password);
  await expect(a).toHaveURL(/\/login\/second-factor$/);

  // Another browser has no pending login: the code page sends it to log in.
  const b = await freshPage(browser);
  await b.goto('/login/second-factor');
  await expect(b).toHaveURL(/\/login\?expired=1$/);
  const response = await b.request.post('/api/auth/login/second-factor', {
    data: { code: totpCode(secret, Date.now() + STEP_MS) },
  });
  expect(response.status()).toBe(401);
  expect((await response.json()).error.code).toBe('pending_login_expired');

  await expirePendingLogins(username);
  await enterCode(a, totpCode(secret, Date.now() + STEP_MS));
  await expect(a).toHaveURL(/\/login\?expired=1$/);
  await expect(a.getByRole('status')).toContainText('That sign-in expired');
  expect(await countSessionsOf(username)).toBe(1);
});

test.describe('without JavaScript', () => {
  test('enrol and sign in with a code, the forms posting as plain HTML', async ({ browser }) => {
    const page = await freshPage(browser, false);
    const { username, password } = await registerAccount(page, 'nojs');
    const { secret } = await enrolThroughAccountPage(page, password);
    await logOut(page);
    await logInThroughForm(page, username, password);
    await enterCode(page, totpCode(secret, Date.now() + STEP_MS));
    await expect(page).toHaveURL(/\/protected$/);
  });
});

test('once REAUTH_WINDOW has passed, a sensitive change asks to confirm with the password and a code', async ({
  page,
}) => {
  const { username, password } = await registerAccount(page, 'totp');
  const { secret } = await enrolThroughAccountPage(page, password);
  await page.goto('/account');
  await expect(page.getByRole('region', { name: 'Confirm it is you' })).toHaveCount(0);

  await ageReauthentication(username);
  await page.goto('/account');
  const confirm = page.getByRole('region', { name: 'Confirm it is you' });
  await expect(confirm).toBeVisible();
  const change = page.getByRole('region', { name: 'Change password' });
  const newPassword = `${password} again`;
  await change.getByLabel('Current password').fill(password);
  await change.getByLabel('New password', { exact: true }).fill(newPassword);
  await change.getByLabel('Confirm new password').fill(newPassword);
  await change.getByRole('button', { name: 'Change password' }).click();
  await expect(change.getByRole('alert')).toContainText('Confirm it is you first');

  await confirm.getByLabel('Current password').fill(password);
  await confirm
    .getByLabel('Code from your authenticator app')
    .fill(totpCode(secret, Date.now() + STEP_MS));
  await confirm.getByRole('button', { name: 'Confirm it is you' }).click();
  await expect(page.getByRole('region', { name: 'Confirm it is you' })).toHaveCount(0);
  await change.getByLabel('Current password').fill(password);
  await change.getByLabel('New password', { exact: true }).fill(newPassword);
  await change.getByLabel('Confirm new password').fill(newPassword);
  await change.getByRole('button', { name: 'Change password' }).click();
  await expect(change.getByRole('status')).toContainText('Password changed');
});
