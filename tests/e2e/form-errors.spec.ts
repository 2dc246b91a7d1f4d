import {
  registerThroughForm,
  logInThroughForm,
  registerAccount,
  strongPassword,
  uniqueUsername,
} from '../fixtures/accounts';
import { countUsersNamed } from '../fixtures/e2e-db';
import { expect, test } from '../fixtures/test';

type Case = {
  name: string;
  password: (username: string) => string;
  confirm?: string;
  message: string | RegExp;
};

const registrationCases: Case[] = [
  {
    name: 'a short password',
    password: () => 'short pass 12',
    message: 'Password must be at least 15 characters long.',
  },
  {
    name: 'a common password',
    password: () => '123456789987654321',
    message: 'That password is on a list of commonly used passwords. Choose another.',
  },
  {
    name: 'a password over 72 bytes',
    password: () => '🔒'.repeat(19), // 19 characters, 76 bytes
    message: /Password is too long: at most 72 bytes/,
  },
  {
    name: 'a password containing the username',
    password: (username) => `my name is ${username}!`,
    message: 'Password must not contain your username.',
  },
  {
    name: 'a mismatched confirmation',
    password: () => strongPassword(),
    confirm: 'something else entirely',
    message: 'Passwords do not match.',
  },
];

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? 'with JavaScript' : 'without JavaScript', () => {
    test.use({ javaScriptEnabled });

    for (const c of registrationCases) {
      test(`registration refuses ${c.name}, keeps the username, stores nothing`, async ({
        page,
      }) => {
        const username = uniqueUsername();
        const password = c.password(username);
        await registerThroughForm(page, username, password, c.confirm ?? password);
        await expect(page.getByText(c.message)).toBeVisible();
        await expect(page).toHaveURL(/\/register$/);
        await expect(page.getByLabel('Username')).toHaveValue(username);
        expect(await countUsersNamed(username)).toBe(0);
      });
    }

    test('registration refuses a taken username, whatever its case', async ({ page, browser }) => {
      const other = await browser.newContext();
      const { username } = await registerAccount(await other.newPage());
      await other.close();

      const shouted = username.toUpperCase();
      await registerThroughForm(page, shouted, strongPassword());
      await expect(page.getByText('That username is taken. Choose another.')).toBeVisible();
      await expect(page.getByLabel('Username')).toHaveValue(shouted);
      expect(await countUsersNamed(username)).toBe(1);
    });

    test('login says the same for a wrong password and an unknown user', async ({
      page,
      browser,
    }) => {
      const other = await browser.newContext();
      const { username } = await registerAccount(await other.newPage());
      await other.close();

      for (const name of [username, uniqueUsername('ghost')]) {
        await logInThroughForm(page, name, strongPassword());
        await expect(page.getByRole('main').getByRole('alert')).toHaveText(
          'Invalid username or password.',
        );
        await expect(page.getByLabel('Username')).toHaveValue(name);
        await expect(page).toHaveURL(/\/login$/);
      }
    });
  });
}

test('registration refuses a malformed username with a clear message', async ({ page }) => {
  await registerThroughForm(page, 'no spaces <b>', strongPassword());
  await expect(
    page.getByText('Username may contain only letters a-z, digits, dots, underscores and hyphens.'),
  ).toBeVisible();
});

test('where email is off, nothing offers it: no reset link, no page, no API', async ({
  page,
  request,
}) => {
  await page.goto('/login');
  await expect(page.getByRole('link', { name: 'Forgot your password?' })).toHaveCount(0);
  await page.goto('/register');
  await expect(page.getByLabel('Email (optional)')).toHaveCount(0);
  expect((await request.get('/forgot-password')).status()).toBe(404);
  const api = await request.post('/api/auth/password-reset', { data: { identifier: 'anyone' } });
  expect(api.status()).toBe(404);
  expect(await api.json()).toEqual({
    error: { code: 'email_disabled', message: 'This server sends no mail.' },
  });
});
