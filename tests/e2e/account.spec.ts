import type { Browser, Page } from '@playwright/test';
import {
  logInThroughForm,
  sessionCookieOf,
  registerAccount,
  strongPassword,
} from '../fixtures/accounts';
import {
  ageReauthentication,
  allStoredEventText,
  countSessionsOf,
  countUsersNamed,
  sessionIdsOf,
} from '../fixtures/e2e-db';
import { expect, test } from '../fixtures/test';

/** A second browser, logged in as the same user. */
async function secondBrowser(browser: Browser, username: string, password: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await logInThroughForm(page, username, password);
  await expect(page).toHaveURL(/\/protected$/);
  return page;
}

async function expectSentToLogin(page: Page, path = '/protected'): Promise<void> {
  await page.goto(path);
  await expect(page).toHaveURL(new RegExp(`/login\\?next=${encodeURIComponent(path)}$`));
}

const sessionRows = (page: Page) => page.getByTestId('session-row');

async function changePasswordThroughForm(
  page: Page,
  current: string,
  next: string,
  confirm = next,
): Promise<void> {
  const form = page.getByRole('region', { name: 'Change password' });
  await form.getByLabel('Current password').fill(current);
  await form.getByLabel('New password', { exact: true }).fill(next);
  await form.getByLabel('Confirm new password').fill(confirm);
  await form.getByRole('button', { name: 'Change password' }).click();
}

test('a user sees every session and ends another at once', async ({ page, browser }) => {
  const { username, password } = await registerAccount(page);
  const other = await secondBrowser(browser, username, password);

  const response = await page.goto('/account');
  expect(response?.headers()['cache-control']).toContain('no-store');
  await expect(sessionRows(page)).toHaveCount(2);
  const mine = sessionRows(page).filter({ hasText: 'This device' });
  await expect(mine).toHaveCount(1);
  await expect(mine).toContainText('Chrome');
  await expect(mine.getByRole('button', { name: 'Log out' })).toHaveCount(0);

  await sessionRows(page)
    .filter({ hasNotText: 'This device' })
    .getByRole('button', { name: 'Log out' })
    .click();
  await expect(sessionRows(page)).toHaveCount(1);
  await expectSentToLogin(other);
  await page.goto('/protected');
  await expect(page.getByRole('main')).toContainText(`Signed in as ${username}`);
});

test('"Log out all other sessions" ends every other browser and keeps this one', async ({
  page,
  browser,
}) => {
  const { username, password } = await registerAccount(page);
  const others = [
    await secondBrowser(browser, username, password),
    await secondBrowser(browser, username, password),
  ];
  await page.goto('/account');
  await expect(sessionRows(page)).toHaveCount(3);

  await page.getByRole('button', { name: 'Log out all other sessions' }).click();
  await expect(sessionRows(page)).toHaveCount(1);
  for (const other of others) await expectSentToLogin(other);
  expect(await countSessionsOf(username)).toBe(1);
});

test('once the sign-in is older than REAUTH_WINDOW, ending another session asks for the password (ASVS 7.5.2)', async ({
  page,
  browser,
}) => {
  const { username, password } = await registerAccount(page);
  const other = await secondBrowser(browser, username, password);
  await page.goto('/account');
  const sessions = page.getByRole('region', { name: 'Active sessions' });
  await expect(sessions.getByLabel('Current password')).toHaveCount(0); // just signed in

  await ageReauthentication(username);
  await page.goto('/account');
  const endOther = sessionRows(page)
    .filter({ hasNotText: 'This device' })
    .getByRole('button', { name: 'Log out' });
  await endOther.click();
  await expect(sessions.getByText('Enter your password.')).toBeVisible();
  await sessions.getByLabel('Current password').fill('not my password at all');
  await endOther.click();
  await expect(sessions.getByText('That password is not correct.')).toBeVisible();
  await expect(sessionRows(page)).toHaveCount(2);
  await other.goto('/protected');
  await expect(other.getByRole('main')).toContainText(`Signed in as ${username}`);

  await sessions.getByLabel('Current password').fill(password);
  await endOther.click();
  await expect(sessionRows(page)).toHaveCount(1);
  await expectSentToLogin(other);
  expect(await countSessionsOf(username)).toBe(1);
});

test('a forged session id of another user ends nothing', async ({ page, browser }) => {
  const victimPage = await (await browser.newContext()).newPage();
  const { username: victim } = await registerAccount(victimPage, 'victim');
  const [victimSessionId] = await sessionIdsOf(victim);

  const { username, password } = await registerAccount(page);
  await secondBrowser(browser, username, password);
  await page.goto('/account');
  const button = sessionRows(page)
    .filter({ hasNotText: 'This device' })
    .getByRole('button', { name: 'Log out' });
  await button.evaluate(
    (element, id) => ((element as HTMLButtonElement).value = id),
    victimSessionId!,
  );
  await button.click();

  await expect(sessionRows(page)).toHaveCount(2);
  expect(await countSessionsOf(victim)).toBe(1);
  await victimPage.goto('/protected');
  await expect(victimPage.getByRole('main')).toContainText(`Signed in as ${victim}`);
});

test('changing the password ends other sessions and keeps this one on a new cookie', async ({
  page,
  browser,
  context,
}) => {
  const { username, password } = await registerAccount(page);
  const other = await secondBrowser(browser, username, password);
  const cookieBefore = await sessionCookieOf(context);
  const newPassword = strongPassword();

  await page.goto('/account');
  await changePasswordThroughForm(page, 'not my password at all', newPassword);
  await expect(page.getByText('That password is not correct.')).toBeVisible();

  await changePasswordThroughForm(page, password, newPassword);
  await expect(page.getByRole('status')).toHaveText(
    'Password changed. Every other session has been logged out.',
  );

  expect(await sessionCookieOf(context)).not.toBe(cookieBefore);
  await expectSentToLogin(other);
  await page.goto('/protected');
  await expect(page.getByRole('main')).toContainText(`Signed in as ${username}`);

  await logInThroughForm(other, username, password);
  await expect(other.getByRole('main').getByRole('alert')).toHaveText(
    'Invalid username or password.',
  );
  await logInThroughForm(other, username, newPassword);
  await expect(other).toHaveURL(/\/protected$/);
});

test('deleting the account signs out every browser and removes its rows', async ({
  page,
  browser,
}) => {
  const { username, password } = await registerAccount(page);
  const other = await secondBrowser(browser, username, password);

  await page.goto('/account');
  const deletion = page.getByRole('region', { name: 'Delete account' });
  await deletion.getByLabel('Password').fill('not my password at all');
  await deletion.getByRole('button', { name: 'Delete account' }).click();
  await expect(deletion.getByText('That password is not correct.')).toBeVisible();
  expect(await countUsersNamed(username)).toBe(1);

  await deletion.getByLabel('Password').fill(password);
  await deletion.getByRole('button', { name: 'Delete account' }).click();
  await expect(page.getByRole('status')).toHaveText('Your account has been deleted.');
  await expect(page.getByRole('button', { name: 'Log out' })).toHaveCount(0);
  await expectSentToLogin(page, '/account');
  await expectSentToLogin(other);
  expect(await countUsersNamed(username)).toBe(0);
  expect(await countSessionsOf(username)).toBe(0);
});

test('recent activity lists the security events in order, and no secret is stored', async ({
  page,
}) => {
  const { username, password } = await registerAccount(page);
  await page.getByRole('button', { name: 'Log out' }).click();
  const wrong = `wrong-${strongPassword()}`;
  await logInThroughForm(page, username, wrong);
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'Invalid username or password.',
  );
  await logInThroughForm(page, username, password);
  await expect(page).toHaveURL(/\/protected$/);
  await page.goto('/account');

  const rows = page.getByTestId('activity-row');
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(0)).toContainText('Logged in');
  await expect(rows.nth(1)).toContainText('Wrong password');
  await expect(rows.nth(2)).toContainText('Logged out');
  await expect(rows.nth(3)).toContainText('Account created');
  await expect(rows.nth(0)).toContainText('Chrome');

  const stored = await allStoredEventText();
  const cookie = await sessionCookieOf(page.context());
  for (const secret of [password, wrong, cookie]) expect(stored).not.toContain(secret);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('ending another session and changing the password work as plain form posts', async ({
    page,
    browser,
  }) => {
    const { username, password } = await registerAccount(page);
    const other = await secondBrowser(browser, username, password);
    await page.goto('/account');
    await sessionRows(page)
      .filter({ hasNotText: 'This device' })
      .getByRole('button', { name: 'Log out' })
      .click();
    await expect(sessionRows(page)).toHaveCount(1);
    await expectSentToLogin(other);

    const newPassword = strongPassword();
    await changePasswordThroughForm(page, password, newPassword, 'does not match at all');
    await expect(page.getByText('Passwords do not match.')).toBeVisible();

    await changePasswordThroughForm(page, password, newPassword);
    await expect(page.getByRole('status')).toHaveText(
      'Password changed. Every other session has been logged out.',
    );
    await page.goto('/protected');
    await expect(page.getByRole('main')).toContainText(`Signed in as ${username}`);
  });

  test('"Log out all other sessions" asks for the password once the sign-in is not recent', async ({
    page,
    browser,
  }) => {
    const { username, password } = await registerAccount(page);
    const other = await secondBrowser(browser, username, password);
    await ageReauthentication(username);
    await page.goto('/account');
    const sessions = page.getByRole('region', { name: 'Active sessions' });
    const endAll = sessions.getByRole('button', { name: 'Log out all other sessions' });
    await endAll.click();
    await expect(sessions.getByText('Enter your password.')).toBeVisible();
    await sessions.getByLabel('Current password').fill('not my password at all');
    await endAll.click();
    await expect(sessions.getByText('That password is not correct.')).toBeVisible();
    expect(await countSessionsOf(username)).toBe(2);

    await sessions.getByLabel('Current password').fill(password);
    await endAll.click();
    await expect(sessionRows(page)).toHaveCount(1);
    await expectSentToLogin(other);
  });
});
