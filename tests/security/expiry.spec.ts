import { registerAccount } from '../fixtures/accounts';
import { countSessionsOf } from '../fixtures/e2e-db';
import { SHORT_TIMEOUTS, shortExpiryURL } from '../fixtures/servers';
import { expect, test } from '../fixtures/test';

// These run against a server started with SESSION_IDLE_TIMEOUT=3 and SESSION_ABSOLUTE_TIMEOUT=7.
test.use({ baseURL: shortExpiryURL });

const idleMs = SHORT_TIMEOUTS.idleSeconds * 1000;
const absoluteMs = SHORT_TIMEOUTS.absoluteSeconds * 1000;

async function expectSignedIn(page: import('@playwright/test').Page, username: string) {
  await page.goto('/protected');
  await expect(page.getByRole('main')).toContainText(`Signed in as ${username}`);
}

test('an idle session ends after the idle timeout and its row is deleted', async ({ page }) => {
  const { username } = await registerAccount(page);
  await page.waitForTimeout(idleMs + 500);
  await page.goto('/protected');
  await expect(page).toHaveURL(/\/login\?next=%2Fprotected$/);
  expect(await countSessionsOf(username, 'short-expiry')).toBe(0);
});

test('activity slides the idle window', async ({ page }) => {
  const { username } = await registerAccount(page);
  // Past the idle timeout (the session began before registerAccount returned), well short of the lifetime.
  const signedUp = Date.now();
  while (Date.now() - signedUp < idleMs + 1000) {
    await page.waitForTimeout(1000);
    await expectSignedIn(page, username);
  }
});

test('an active session still ends at the absolute lifetime', async ({ page }) => {
  // The session begins somewhere inside registerAccount, which can take seconds on a slow machine: the
  // checks stop short of the earliest end it can have, the last wait goes past the latest.
  const beforeSignUp = Date.now();
  const { username } = await registerAccount(page);
  const afterSignUp = Date.now();
  while (Date.now() - beforeSignUp < absoluteMs - 1500) {
    await expectSignedIn(page, username);
    await page.waitForTimeout(500);
  }
  await page.waitForTimeout(Math.max(0, afterSignUp + absoluteMs + 500 - Date.now()));
  await page.goto('/protected');
  await expect(page).toHaveURL(/\/login\?next=%2Fprotected$/);
});
