import { request as httpRequest } from 'node:http';
import type { Browser, Page } from '@playwright/test';
import { logInThroughForm, strongPassword, uniqueUsername } from '../fixtures/accounts';
import { e2eDatabaseUrl, setPasskeyCounters } from '../fixtures/e2e-db';
import {
  addPasskeyThroughAccountPage,
  addVirtualAuthenticator,
  removePasskeyThroughAccountPage,
  signInWithPasskeyButton,
  signOut,
} from '../fixtures/passkeys';
import { E2E_PORTS, startServer, type RunningServer } from '../fixtures/servers';
import { enrolThroughAccountPage, enterCode, totpCode } from '../fixtures/second-factor';
import { openConnections, startRecordingProxy } from '../fixtures/recording-proxy';
import { linkIn, startSmtpSink, type SmtpSink } from '../fixtures/smtp-sink';
import { expect, test } from '../fixtures/test';

// Email over real SMTP: a server of its own, sending to an SMTP server this test process runs on
// 127.0.0.1, read back with mailparser. Links are built from APP_ORIGIN.
test.describe.configure({ mode: 'serial' });
const origin = `http://localhost:${E2E_PORTS.email}`;
test.use({ baseURL: origin });

let sink: SmtpSink;
let server: RunningServer;
let env: Record<string, string>;

test.beforeAll(async () => {
  sink = await startSmtpSink();
  env = {
    SESSION_SECRET: process.env.E2E_SESSION_SECRET!,
    DATABASE_URL: e2eDatabaseUrl('email'),
    BCRYPT_COST: '10',
    SMTP_URL: sink.url,
    APP_ORIGIN: origin,
    MAIL_RETRY_MAX_DELAY: '1',
    THROTTLE_REGISTER_PER_IP: '1000',
    THROTTLE_RESET_PER_IP: '1000',
    THROTTLE_RESET_PER_ACCOUNT: '1000',
  };
  server = await startServer(E2E_PORTS.email, env);
});
test.afterAll(async () => {
  await server.stop();
  await sink.stop();
});

const uniqueAddress = (prefix = 'person') => `${uniqueUsername(prefix)}@example.com`;

async function registerWithEmail(page: Page, email: string) {
  const username = uniqueUsername('mail');
  const password = strongPassword();
  await page.goto('/register');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email (optional)').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/protected');
  return { username, password };
}

async function verifyThroughLink(page: Page, email: string) {
  const mail = await sink.waitFor(email, (m) => /Confirm your email address/.test(m.subject ?? ''));
  await page.goto(linkIn(mail, '/verify-email').toString());
  // The mail and the page both name the account the address is for.
  const account = /for the account "([^"]+)"/.exec(mail.text ?? '')![1];
  await expect(page.getByRole('main')).toContainText(
    `Confirm that ${email} is the address of the account ${account}.`,
  );
  await page.getByRole('button', { name: 'Confirm this address' }).click();
  await expect(page.getByRole('status')).toHaveText(`Your address ${email} is verified.`);
}

async function requestReset(page: Page, identifier: string) {
  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByLabel('Username or email address').fill(identifier);
  await page.getByRole('button', { name: 'Send a reset link' }).click();
  await expect(page.getByRole('status')).toContainText(
    'If an account matches and has a verified email address',
  );
}

const resetMailTo = (email: string) =>
  sink.waitFor(email, (m) => /Reset your Gatehouse password/.test(m.subject ?? ''));

async function setNewPassword(page: Page, link: URL, password: string) {
  await page.goto(link.toString());
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('Confirm new password').fill(password);
  await page.getByRole('button', { name: 'Set the new password' }).click();
}

async function newPage(browser: Browser) {
  return (await browser.newContext()).newPage();
}

test('register with an email, verify it, forget the password, reset it by the mailed link, and log in with the new one', async ({
  page,
  browser,
}) => {
  test.slow();
  const email = uniqueAddress();
  const { username, password } = await registerWithEmail(page, email);
  await page.goto('/account');
  await expect(page.getByTestId('pending-email')).toContainText(email);
  await verifyThroughLink(page, email);
  await page.goto('/account');
  await expect(page.getByTestId('verified-email')).toHaveText(email);

  const laptop = await newPage(browser);
  await logInThroughForm(laptop, username, password);
  await laptop.waitForURL('**/protected');
  const notice = await sink.waitFor(email, (m) => /New sign-in/.test(m.subject ?? ''));
  expect(notice.text).toMatch(/Browser: Chrome \d+ on \w+\. IP address: 127\.0\.0\.1\./);
  expect(linkIn(notice, '/account').origin).toBe(origin);

  const other = await newPage(browser);
  await requestReset(other, email.toUpperCase());
  const link = linkIn(await resetMailTo(email), '/reset-password');
  expect(link.origin).toBe(origin);
  const newPassword = strongPassword();
  await setNewPassword(other, link, newPassword);
  await other.waitForURL('**/login?reset=1');
  await expect(other.getByRole('status')).toHaveText(
    'Your password has been changed. Log in with the new one.',
  );

  // Every session ended, both browsers'.
  for (const signedIn of [page, laptop]) {
    await signedIn.goto('/protected');
    await expect(signedIn).toHaveURL(/\/login\?next=%2Fprotected$/);
  }
  await sink.waitFor(email, (m) => /password was reset/.test(m.subject ?? ''));
  await logInThroughForm(other, username, password);
  await expect(other.getByRole('main').getByRole('alert')).toHaveText(
    'Invalid username or password.',
  );
  await logInThroughForm(other, username, newPassword);
  await other.waitForURL('**/protected');
});

test('with two-step sign-in on, a reset does not skip it: the next login still asks for the code, and a wrong code mails the owner', async ({
  page,
  browser,
}) => {
  const email = uniqueAddress('totp');
  const { username, password } = await registerWithEmail(page, email);
  await verifyThroughLink(page, email);
  const { secret } = await enrolThroughAccountPage(page, password);
  await sink.waitFor(email, (m) => /Two-step sign-in is on/.test(m.subject ?? ''));

  const other = await newPage(browser);
  await requestReset(other, username);
  const newPassword = strongPassword();
  await setNewPassword(other, linkIn(await resetMailTo(email), '/reset-password'), newPassword);
  await other.waitForURL('**/login?reset=1');
  await logInThroughForm(other, username, newPassword);
  await expect(other).toHaveURL(/\/login\/second-factor$/);
  await enterCode(other, totpCode(secret) === '000000' ? '111111' : '000000');
  await expect(other.getByRole('main').getByRole('alert')).toContainText('That code is not right');
  const notice = await sink.waitFor(email, (m) => /A wrong code/.test(m.subject ?? ''));
  expect(notice.text).toContain('Nobody was signed in');
  await enterCode(other, totpCode(secret, Date.now() + 30_000));
  await other.waitForURL('**/protected');
});

test.describe('passkey notices', () => {
  test.use({ refusalsExpected: ['/api/auth/passkeys/login'] }); // the copied passkey's refusal

  test('adding a passkey, a copied one refused for its counter, and removing it each mail the owner', async ({
    page,
  }) => {
    const authenticator = await addVirtualAuthenticator(page);
    const email = uniqueAddress('passkey');
    const { username, password } = await registerWithEmail(page, email);
    await verifyThroughLink(page, email);
    await addPasskeyThroughAccountPage(page, password, 'Work laptop');
    const added = await sink.waitFor(email, (m) => /A passkey was added/.test(m.subject ?? ''));
    expect(added.text).toContain('A passkey named "Work laptop" was added');

    await signOut(page, authenticator);
    await setPasskeyCounters(username, 1_000_000, 'email'); // as if a copy had been used that often
    await signInWithPasskeyButton(page, authenticator);
    await expect(page.getByRole('main').getByRole('alert')).toContainText(
      'That passkey did not sign you in',
    );
    const copied = await sink.waitFor(email, (m) => /A copied passkey/.test(m.subject ?? ''));
    expect(copied.text).toContain('with the passkey "Work laptop" was refused');

    await logInThroughForm(page, username, password);
    await page.waitForURL('**/protected');
    await removePasskeyThroughAccountPage(page, password);
    const removed = await sink.waitFor(email, (m) => /A passkey was removed/.test(m.subject ?? ''));
    expect(removed.text).toContain('The passkey named "Work laptop" was removed');
  });
});

test('a reset link works once, survives a mail scanner opening it, and a tampered one does nothing', async ({
  page,
  request,
}) => {
  const email = uniqueAddress();
  const { username } = await registerWithEmail(page, email);
  await verifyThroughLink(page, email);
  await requestReset(page, username);
  const link = linkIn(await resetMailTo(email), '/reset-password');

  // A scanner follows the link first: the page is served, nothing is used up.
  const scanned = await request.get(link.toString());
  expect(scanned.status()).toBe(200);
  expect(scanned.headers()['referrer-policy']).toBe('strict-origin');
  const tampered = new URL(link);
  tampered.searchParams.set('token', `${link.searchParams.get('token')!.slice(0, -2)}AA`);
  await page.goto(tampered.toString());
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'This link has expired or has been used. Ask for a new one.',
  );

  // A second tab holds the form open while the first uses the link.
  const second = await page.context().newPage();
  await second.goto(link.toString());
  const loaded: string[] = [];
  const referrers = new Set<string>();
  page.on('request', (r) => {
    loaded.push(new URL(r.url()).origin);
    const referer = r.headers().referer;
    if (referer) referrers.add(referer);
  });
  const newPassword = strongPassword();
  await setNewPassword(page, link, newPassword);
  await page.waitForURL('**/login?reset=1');
  expect(new Set(loaded)).toEqual(new Set([origin])); // nothing from another origin
  expect(referrers.size).toBeGreaterThan(0);
  for (const referer of referrers) expect(referer).toBe(`${origin}/`); // never the link's token

  await second.getByLabel('New password', { exact: true }).fill(newPassword);
  await second.getByLabel('Confirm new password').fill(newPassword);
  await second.getByRole('button', { name: 'Set the new password' }).click();
  await expect(second.getByRole('main').getByRole('alert')).toHaveText(
    'This link has expired or has been used. Ask for a new one.',
  );
  // Used: the link now opens only the way to ask for another.
  await page.goto(link.toString());
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'This link has expired or has been used. Ask for a new one.',
  );
  await expect(page.getByLabel('New password', { exact: true })).toHaveCount(0);
});

test('without JavaScript, an address is verified, a reset is asked for and the mailed link sets a new password', async ({
  browser,
}) => {
  const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  const email = uniqueAddress('nojs');
  const { username } = await registerWithEmail(page, email);
  await verifyThroughLink(page, email);
  await requestReset(page, username);
  const newPassword = strongPassword();
  await setNewPassword(page, linkIn(await resetMailTo(email), '/reset-password'), newPassword);
  await page.waitForURL('**/login?reset=1');
  await logInThroughForm(page, username, newPassword);
  await page.waitForURL('**/protected');
});

// The server's answer is what holds a connection, so a proxy in front of the server times it:
// Chromium reports a streamed no-store fetch whose body ended before its load completed as
// canceled, and Playwright's response.finished() then never settles, though every byte arrived.
test('the answer to a reset request ends at once, for a known account and an unknown name alike, and the mail still goes', async ({
  browser,
  page,
}) => {
  const email = uniqueAddress('prompt');
  const { username } = await registerWithEmail(page, email);
  await verifyThroughLink(page, email);
  const proxy = await startRecordingProxy(origin);
  try {
    for (const javaScriptEnabled of [true, false]) {
      for (const identifier of [username, uniqueUsername('nobody')]) {
        const other = await (await browser.newContext({ javaScriptEnabled })).newPage();
        await other.goto(`${proxy.url}/forgot-password`);
        await other.getByLabel('Username or email address').fill(identifier);
        await other.getByRole('button', { name: 'Send a reset link' }).click();
        await expect(other.getByRole('status')).toContainText('If an account matches');
        const posted = proxy.exchanges.filter((x) => x.method === 'POST');
        const answer = posted[posted.length - 1]!;
        await expect
          .poll(() => answer.endedAt, {
            timeout: 1000,
            message: `${identifier}, JS ${javaScriptEnabled}`,
          })
          .not.toBeNull();
        expect(answer.status).toBe(200);
        expect(answer.endedAt! - answer.startedAt).toBeLessThan(1000);
        await other.context().close();
      }
    }
  } finally {
    await proxy.stop();
  }
  await expect
    .poll(() => sink.to(email).filter((m) => /Reset your/.test(m.subject ?? '')).length)
    .toBe(2);
});

test('fifty reset requests, by form and by API, leave no connection open on the server', async ({
  page,
}) => {
  const email = uniqueAddress('sockets');
  const { username } = await registerWithEmail(page, email);
  await verifyThroughLink(page, email);
  const form = await formFields('/forgot-password');
  const clientPorts = new Set<number>();
  const post = (path: string, body: Buffer, type: string) =>
    new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${origin}${path}`, {
        method: 'POST',
        agent: false,
        headers: { origin, 'sec-fetch-site': 'same-origin', 'content-type': type },
      });
      request.on('socket', (socket) =>
        socket.on('connect', () => clientPorts.add(socket.localPort!)),
      );
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode!));
      });
      request.on('error', reject);
      request.end(body);
    });
  const ask = async (i: number) => {
    const identifier = i % 2 ? username : uniqueUsername('nobody');
    if (i % 4 < 2) {
      const json = Buffer.from(JSON.stringify({ identifier }));
      return post('/api/auth/password-reset', json, 'application/json');
    }
    const multipart = new Response(withField(form, 'identifier', identifier));
    const type = multipart.headers.get('content-type')!;
    return post('/forgot-password', Buffer.from(await multipart.arrayBuffer()), type);
  };
  const statuses = await Promise.all(Array.from({ length: 50 }, (_, i) => ask(i)));
  expect(new Set(statuses)).toEqual(new Set([200, 202]));
  expect(clientPorts.size).toBe(50);
  const port = Number(new URL(origin).port);
  await expect.poll(() => openConnections(port, clientPorts), { timeout: 2000 }).toBe(0);
});

/** A page's form as a browser without JavaScript would send it: its hidden fields, from the HTML. */
async function formFields(path: string): Promise<[string, string][]> {
  const html = await (await fetch(`${origin}${path}`)).text();
  const decode = (value: string) =>
    value.replaceAll('&quot;', '"').replaceAll('&#x27;', "'").replaceAll('&amp;', '&');
  return [...html.matchAll(/<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?/g)].map(
    ([, name, value]) => [decode(name!), decode(value ?? '')],
  );
}

function withField(fields: [string, string][], name: string, value: string): FormData {
  const data = new FormData();
  for (const [key, held] of fields) data.append(key, held);
  data.append(name, value);
  return data;
}

test('an unknown name, a name without an address and a known one are answered alike, in words and in time', async ({
  page,
  request,
}) => {
  const email = uniqueAddress();
  const { username } = await registerWithEmail(page, email);
  await verifyThroughLink(page, email);
  const ask = async (identifier: string) => {
    const start = performance.now();
    const response = await request.post('/api/auth/password-reset', { data: { identifier } });
    return {
      status: response.status(),
      body: await response.text(),
      ms: performance.now() - start,
    };
  };
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < 7; i++) {
    // The known name's link is written after its answer: whichever request comes next shares the
    // server with that work, so the order swaps each round and each request waits for a quiet
    // server, to compare the answers rather than what follows them.
    const nobody = uniqueUsername('nobody');
    const answers = new Map<string, Awaited<ReturnType<typeof ask>>>();
    for (const name of i % 2 ? [nobody, username] : [username, nobody]) {
      await new Promise((settle) => setTimeout(settle, 150));
      answers.set(name, await ask(name));
    }
    const [a, b] = [answers.get(username)!, answers.get(nobody)!];
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body).toBe(b.body);
    known.push(a.ms);
    unknown.push(b.ms);
  }
  const median = (values: number[]) => values.sort((x, y) => x - y)[3]!;
  console.log(
    `reset request timing: known median ${median(known).toFixed(1)} ms, unknown ${median(unknown).toFixed(1)} ms`,
  );
  expect(median(unknown) / median(known)).toBeGreaterThan(0.5);
  expect(median(unknown) / median(known)).toBeLessThan(2);
});

test('a reset requested with a forged Host header still links to APP_ORIGIN', async ({
  page,
  request,
}) => {
  const email = uniqueAddress();
  const { username } = await registerWithEmail(page, email);
  await verifyThroughLink(page, email);
  const response = await request.post('/api/auth/password-reset', {
    headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
    data: { identifier: username },
  });
  expect(response.status()).toBe(202);
  const mail = await resetMailTo(email);
  expect(mail.text).not.toContain('evil.example');
  expect(linkIn(mail, '/reset-password').origin).toBe(origin);
});

test('changing the address mails a link to the new one and a notice to the old one; the old stays until verified', async ({
  page,
}) => {
  const oldAddress = uniqueAddress('old');
  const newAddress = uniqueAddress('new');
  const { password } = await registerWithEmail(page, oldAddress);
  await verifyThroughLink(page, oldAddress);
  await page.goto('/account');
  await page.getByLabel('New email address').fill(newAddress);
  await page.getByLabel('Your password, to change the address').fill(password);
  await page.getByRole('button', { name: 'Change email address' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'We sent a link' })).toHaveText(
    `We sent a link to ${newAddress}. Open it to verify the address.`,
  );
  const notice = await sink.waitFor(oldAddress, (m) =>
    /email address of your/.test(m.subject ?? ''),
  );
  expect(notice.text).toContain(newAddress);
  await page.goto('/account');
  await expect(page.getByTestId('verified-email')).toHaveText(oldAddress);
  await verifyThroughLink(page, newAddress);
  await page.goto('/account');
  await expect(page.getByTestId('verified-email')).toHaveText(newAddress);
});

test('after five sign-ins from new browsers, an address change still mails the old address', async ({
  page,
  browser,
}) => {
  test.slow();
  const oldAddress = uniqueAddress('busy');
  const newAddress = uniqueAddress('moved');
  const { username, password } = await registerWithEmail(page, oldAddress);
  await verifyThroughLink(page, oldAddress);
  // NOTICES_PER_HOUR (5) sign-ins from browsers the account has not seen use up its sign-in notices.
  for (let i = 0; i < 5; i++) {
    const stranger = await newPage(browser);
    await logInThroughForm(stranger, username, password);
    await stranger.waitForURL('**/protected');
    await stranger.context().close();
  }
  const signIns = () => sink.to(oldAddress).filter((m) => /New sign-in/.test(m.subject ?? ''));
  await expect.poll(() => signIns().length, { timeout: 20_000 }).toBe(5);

  await page.goto('/account');
  await page.getByLabel('New email address').fill(newAddress);
  await page.getByLabel('Your password, to change the address').fill(password);
  await page.getByRole('button', { name: 'Change email address' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'We sent a link' })).toHaveText(
    `We sent a link to ${newAddress}. Open it to verify the address.`,
  );
  const notice = await sink.waitFor(oldAddress, (m) =>
    /email address of your/.test(m.subject ?? ''),
  );
  expect(notice.text).toContain(newAddress);
});

test('an address another account has verified gets a mail saying so, and the visitor sees the usual answer', async ({
  page,
  browser,
}) => {
  const shared = uniqueAddress('shared');
  await registerWithEmail(page, shared);
  await verifyThroughLink(page, shared);
  const other = await newPage(browser);
  await registerWithEmail(other, shared.toUpperCase());
  const inUse = await sink.waitFor(shared, (m) => /Your email address on/.test(m.subject ?? ''));
  expect(inUse.text).toContain('already belongs to an account');
  expect(inUse.text).not.toMatch(/token=/);
  await other.goto('/account');
  await expect(other.getByTestId('pending-email')).toContainText(shared);
});

test('mail queued while the SMTP server is away arrives once it is back, across a restart of the app', async ({
  page,
}) => {
  test.slow();
  const email = uniqueAddress('outage');
  const { username } = await registerWithEmail(page, email);
  await verifyThroughLink(page, email);
  await sink.stop();
  await requestReset(page, username);
  // Queued, and tried once against the missing SMTP server, before the app goes away.
  await expect
    .poll(() => server.output(), { timeout: 15_000 })
    .toMatch(/"event":"mail_retry","id":\d+,"kind":"password_reset"/);
  await page.goto('about:blank');
  await server.stop();
  server = await startServer(E2E_PORTS.email, env);
  await sink.start();
  const link = linkIn(await resetMailTo(email), '/reset-password');
  expect(link.origin).toBe(origin);
  expect(
    sink.to(email).filter((m) => /Reset your Gatehouse password/.test(m.subject ?? '')),
  ).toHaveLength(1);
});
