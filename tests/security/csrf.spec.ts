import type { Page } from '@playwright/test';
import { logInThroughForm, registerAccount } from '../fixtures/accounts';
import { countSessionsOf } from '../fixtures/e2e-db';
import { expect, test } from '../fixtures/test';

const EVIL = 'http://evil.test';

/** Serves an attacker's page that auto-submits `fields` to `target`, and opens it. */
async function submitFromAttackerSite(
  page: Page,
  target: string,
  fields: Record<string, string>,
): Promise<number> {
  const inputs = Object.entries(fields)
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${name}" value="${value.replaceAll('"', '&quot;')}">`,
    )
    .join('');
  await page.route(`${EVIL}/**`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<form id="f" method="post" action="${target}">${inputs}</form><script>f.submit()</script>`,
    }),
  );
  const response = page.waitForResponse(
    (r) => r.url() === target && r.request().method() === 'POST',
  );
  await page.goto(`${EVIL}/attack`);
  return (await response).status();
}

test('a cross-site form cannot log a user out', async ({ page, baseURL }) => {
  const { username } = await registerAccount(page);
  page.on('console', () => {}); // the attacker's page may log its own errors
  expect(await submitFromAttackerSite(page, `${baseURL}/logout`, {})).toBe(403);
  expect(await countSessionsOf(username)).toBe(1);
  await page.goto('/protected');
  await expect(page.getByRole('main')).toContainText(`Signed in as ${username}`);
});

test('a cross-site copy of an account form (server action) is refused', async ({
  page,
  browser,
  baseURL,
}) => {
  const { username, password } = await registerAccount(page);
  const other = await (await browser.newContext()).newPage();
  await logInThroughForm(other, username, password); // a second session, for the attacker to end
  await expect(other).toHaveURL(/\/protected$/);
  await page.goto('/account');
  // The attacker copies the real form, server-action id included, onto their own site.
  const fields = await page
    .locator('form', { hasText: 'Log out all other sessions' })
    .evaluate((form) =>
      Object.fromEntries(
        [...new FormData(form as HTMLFormElement)].map(([k, v]) => [k, String(v)]),
      ),
    );
  // The button's own field too, as pressing it would send: ending every other session.
  expect(
    await submitFromAttackerSite(page, `${baseURL}/account`, { ...fields, end: 'others' }),
  ).toBe(403);
  expect(await countSessionsOf(username)).toBe(2);
});

test.describe('state-changing requests need a same-origin Origin', () => {
  const paths = ['/login', '/register', '/logout', '/account'];
  const refused: [string, Record<string, string>][] = [
    ['a foreign Origin', { origin: EVIL }],
    ['Origin: null', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
    ['no Origin at all (only the JSON API takes those)', {}],
  ];
  for (const [name, headers] of refused) {
    test(`refused with ${name}`, async ({ request }) => {
      for (const path of paths) {
        const response = await request.post(path, {
          headers,
          form: { username: 'x', password: 'y' },
          maxRedirects: 0,
        });
        expect(response.status(), path).toBe(403);
        expect(await response.text()).toBe('Cross-site request refused.');
      }
    });
  }

  test('a same-origin POST gets through', async ({ request, baseURL }) => {
    const response = await request.post('/logout', {
      headers: { origin: baseURL! },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(303);
  });
});
