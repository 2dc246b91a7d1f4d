import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import {
  logInThroughForm,
  registerThroughForm,
  registerAccount,
  strongPassword,
} from '../fixtures/accounts';
import { totpCode } from '../fixtures/second-factor';
import { expect, test } from '../fixtures/test';

// axe-core on every page people meet, in its error states too, with WCAG's AAA rules as well as
// A and AA: login pages are where people with low vision get locked out, so text keeps a
// contrast of 7:1 (the enhanced contrast rule) rather than AA's 4.5:1.
const WCAG = ['wcag2a', 'wcag2aa', 'wcag2aaa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

async function expectNoViolations(page: Page, label: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  const found = violations.flatMap((v) =>
    v.nodes.map((node) => `${v.id}: ${node.target.join(' ')}: ${node.failureSummary}`),
  );
  expect(found, label).toEqual([]);
}

test('pages signed out, with their error messages and hints, meet WCAG AAA contrast', async ({
  page,
}) => {
  await page.goto('/');
  await expectNoViolations(page, 'home');
  await logInThroughForm(page, 'nobody-at-all', 'not the password at all');
  await expect(page.getByRole('main').getByRole('alert')).toBeVisible();
  await expectNoViolations(page, 'login with an error');
  await registerThroughForm(page, 'ab', 'short', 'different');
  await expect(page.getByText('Passwords do not match.')).toBeVisible();
  await expectNoViolations(page, 'register with field errors');
  await page.goto('/no-such-page');
  await expectNoViolations(page, 'not found');
});

test('pages signed in, with sessions and activity listed, meet WCAG AAA contrast', async ({
  page,
  browser,
}) => {
  const { username, password } = await registerAccount(page);
  await expectNoViolations(page, 'protected');
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await logInThroughForm(otherPage, username, password);
  await otherPage.waitForURL('**/protected');
  await page.goto('/account');
  await expect(page.getByTestId('session-row')).toHaveCount(2);
  await expectNoViolations(page, 'account');
  const newPassword = strongPassword();
  const change = page.getByRole('region', { name: 'Change password' });
  await change.getByLabel('Current password').fill('not my password at all');
  await change.getByLabel('New password', { exact: true }).fill(newPassword);
  await change.getByLabel('Confirm new password').fill(newPassword);
  await change.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('That password is not correct.')).toBeVisible();
  await expectNoViolations(page, 'account with an error');
  await other.close();
});

test('two-step sign-in, from the QR code to the code prompt, meets WCAG AAA contrast', async ({
  page,
  browser,
}) => {
  const { username, password } = await registerAccount(page);
  await page.goto('/account');
  const section = page.getByRole('region', { name: 'Two-step sign-in' });
  await section.getByLabel('Current password').fill(password);
  await section.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await expect(section.getByRole('img', { name: /QR code/ })).toBeVisible();
  await expectNoViolations(page, 'account, enrolling');
  const secret = (await section.getByTestId('totp-secret').textContent())!;
  await section.getByLabel('Code from your authenticator app').fill(totpCode(secret));
  await section.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(section.getByTestId('recovery-codes')).toBeVisible();
  await expectNoViolations(page, 'account, recovery codes shown');

  const otherPage = await (await browser.newContext()).newPage();
  await logInThroughForm(otherPage, username, password);
  await otherPage.waitForURL('**/login/second-factor');
  await otherPage.getByText('Use a recovery code instead').click();
  await expectNoViolations(otherPage, 'code prompt');
  await otherPage.getByLabel('Code from your authenticator app').fill('000000');
  await otherPage.getByRole('button', { name: 'Verify' }).click();
  await expect(otherPage.getByRole('main').getByRole('alert')).toBeVisible();
  await expectNoViolations(otherPage, 'code prompt with an error');
});
