import {
  request as playwrightRequest,
  type APIRequestContext,
  type APIResponse,
} from '@playwright/test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { strongPassword, uniqueUsername } from '../fixtures/accounts';
import { ageReauthentication, insertPasskeyFor } from '../fixtures/e2e-db';
import { clearOfStepEnd, totpCode } from '../fixtures/second-factor';
import { assert, createSoftwarePasskey } from '../fixtures/software-authenticator';
import { E2E_PORTS, THROTTLE_LIMITS, throttleURL } from '../fixtures/servers';
import { expect, test } from '../fixtures/test';

// The JSON API as a script would use it: no browser, no Origin header, the cookie kept in a jar.
const baseURL = `http://localhost:${E2E_PORTS.main}`;
const STEP_MS = 30_000;
const newClient = (extra: { baseURL?: string; headers?: Record<string, string> } = {}) =>
  playwrightRequest.newContext({
    baseURL: extra.baseURL ?? baseURL,
    extraHTTPHeaders: extra.headers,
  });

type OpenApiDoc = {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
};
let doc: OpenApiDoc;
let ajv: Ajv2020;

// A worker may run this hook more than once (tests of this file interleave with others').
test.beforeAll(async () => {
  const client = await newClient();
  doc = (await (await client.get('/api/openapi.json')).json()) as OpenApiDoc;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...doc, $id: 'openapi' });
  await client.dispose();
});

/** Checks a real response against what /api/openapi.json promises for it; returns the body. */
async function documented(response: APIResponse, path: string, method: string): Promise<unknown> {
  const status = String(response.status());
  const described = doc.paths[path]?.[method]?.responses[status];
  expect(described, `${method.toUpperCase()} ${path} ${status} is documented`).toBeDefined();
  if (!described!.content) return undefined;
  const body = await response.json();
  const validate = ajv.compile({
    $ref: `openapi#/paths/${path.replaceAll('/', '~1')}/${method}/responses/${status}/content/application~1json/schema`,
  });
  expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  return body;
}

async function register(
  client: APIRequestContext,
  username = uniqueUsername('api'),
  password = strongPassword(),
) {
  const response = await client.post('/api/auth/register', { data: { username, password } });
  expect(response.status()).toBe(201);
  await documented(response, '/api/auth/register', 'post');
  return { username, password };
}

test('the OpenAPI document is OpenAPI 3.1 and describes every endpoint', () => {
  expect(doc.openapi).toBe('3.1.0');
  expect(Object.keys(doc.paths).sort()).toEqual([
    '/api/auth/email',
    '/api/auth/email/verify',
    '/api/auth/login',
    '/api/auth/login/second-factor',
    '/api/auth/logout',
    '/api/auth/passkeys',
    '/api/auth/passkeys/login',
    '/api/auth/passkeys/login-options',
    '/api/auth/passkeys/registration-options',
    '/api/auth/passkeys/{id}',
    '/api/auth/password',
    '/api/auth/password-reset',
    '/api/auth/password-reset/complete',
    '/api/auth/reauthenticate',
    '/api/auth/register',
    '/api/auth/second-factor',
    '/api/auth/second-factor/enrolment',
    '/api/auth/second-factor/recovery-codes',
    '/api/auth/session',
    '/api/auth/sessions',
    '/api/auth/sessions/{id}',
  ]);
});

test('a script registers, keeps the cookie, lists and ends sessions, changes the password and logs out', async () => {
  const script = await newClient();
  const { username, password } = await register(script);
  const me = (await documented(
    await script.get('/api/auth/session'),
    '/api/auth/session',
    'get',
  )) as { user: { username: string } };
  expect(me.user.username).toBe(username);

  const laptop = await newClient();
  const login = await laptop.post('/api/auth/login', {
    data: { username: username.toUpperCase(), password },
  });
  expect(login.status()).toBe(200);
  await documented(login, '/api/auth/login', 'post');

  const list = (await documented(
    await script.get('/api/auth/sessions'),
    '/api/auth/sessions',
    'get',
  )) as {
    sessions: { id: string; current: boolean }[];
  };
  expect(list.sessions).toHaveLength(2);
  const laptopSession = list.sessions.find((s) => !s.current)!;
  const ended = await script.delete(`/api/auth/sessions/${laptopSession.id}`);
  expect(ended.status()).toBe(204);
  await documented(ended, '/api/auth/sessions/{id}', 'delete');
  expect((await laptop.get('/api/auth/session')).status()).toBe(401);

  const newPassword = strongPassword();
  const change = await script.post('/api/auth/password', {
    data: { currentPassword: password, newPassword },
  });
  expect(change.status()).toBe(200);
  await documented(change, '/api/auth/password', 'post');
  expect((await script.get('/api/auth/session')).status()).toBe(200);
  expect((await laptop.post('/api/auth/login', { data: { username, password } })).status()).toBe(
    401,
  );

  const logout = await script.post('/api/auth/logout');
  expect(logout.status()).toBe(204);
  await documented(logout, '/api/auth/logout', 'post');
  const after = await script.get('/api/auth/session');
  expect(after.status()).toBe(401);
  await documented(after, '/api/auth/session', 'get');
  await Promise.all([script.dispose(), laptop.dispose()]);
});

test('a script turns on two-step sign-in, and the password alone then opens nothing', async () => {
  const script = await newClient();
  const { username, password } = await register(script);
  const started = (await documented(
    await script.post('/api/auth/second-factor/enrolment', { data: { currentPassword: password } }),
    '/api/auth/second-factor/enrolment',
    'post',
  )) as { enrolment: string; secret: string; uri: string };
  expect(started.uri).toMatch(/^otpauth:\/\/totp\//);
  await clearOfStepEnd();
  const confirmed = await script.post('/api/auth/second-factor', {
    data: { enrolment: started.enrolment, code: totpCode(started.secret, Date.now() - STEP_MS) },
  });
  expect(confirmed.status()).toBe(201);
  const { recoveryCodes } = (await documented(confirmed, '/api/auth/second-factor', 'post')) as {
    recoveryCodes: string[];
  };
  expect(recoveryCodes).toHaveLength(10);
  expect(
    await documented(await script.get('/api/auth/second-factor'), '/api/auth/second-factor', 'get'),
  ).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });

  // The password alone: 202, a pending login, no session.
  const laptop = await newClient();
  const login = await laptop.post('/api/auth/login', { data: { username, password } });
  expect(login.status()).toBe(202);
  expect(await documented(login, '/api/auth/login', 'post')).toMatchObject({
    secondFactorRequired: true,
  });
  expect(login.headers()['set-cookie']).not.toMatch(/__Host-session=[^;]/);
  expect((await laptop.get('/api/auth/session')).status()).toBe(401);
  expect((await laptop.get('/api/auth/sessions')).status()).toBe(401);

  // Another client cannot finish it; a wrong code is refused; the right one signs in.
  const stranger = await newClient();
  const code = totpCode(started.secret);
  const foreign = await stranger.post('/api/auth/login/second-factor', { data: { code } });
  expect(foreign.status()).toBe(401);
  expect(
    (await documented(foreign, '/api/auth/login/second-factor', 'post')) as object,
  ).toMatchObject({
    error: { code: 'pending_login_expired' },
  });
  const wrongCode = await laptop.post('/api/auth/login/second-factor', {
    data: { code: code === '000000' ? '111111' : '000000' },
  });
  expect(wrongCode.status()).toBe(401);
  expect(await wrongCode.json()).toMatchObject({ error: { code: 'invalid_code' } });
  const done = await laptop.post('/api/auth/login/second-factor', { data: { code } });
  expect(done.status()).toBe(200);
  expect(await documented(done, '/api/auth/login/second-factor', 'post')).toMatchObject({
    session: { authMethod: 'password+totp' },
  });

  // The same code again, from two pending logins at once: both refused (it was used).
  const [c1, c2] = [await newClient(), await newClient()];
  for (const c of [c1, c2])
    expect((await c.post('/api/auth/login', { data: { username, password } })).status()).toBe(202);
  const next = totpCode(started.secret, Date.now() + STEP_MS);
  const together = await Promise.all(
    [c1, c2].map((c) => c.post('/api/auth/login/second-factor', { data: { code: next } })),
  );
  expect(together.map((r) => r.status()).sort()).toEqual([200, 401]);
  expect((await c1.post('/api/auth/login/second-factor', { data: { code } })).status()).toBe(401);

  // Regenerating and turning off, each documented.
  const regenerated = await laptop.post('/api/auth/second-factor/recovery-codes', {
    data: { currentPassword: password },
  });
  expect(regenerated.status()).toBe(200);
  await documented(regenerated, '/api/auth/second-factor/recovery-codes', 'post');
  const fresh = ((await regenerated.json()) as { recoveryCodes: string[] }).recoveryCodes;
  const reauth = await laptop.post('/api/auth/reauthenticate', {
    data: { currentPassword: password, recoveryCode: fresh[1] },
  });
  expect(reauth.status()).toBe(204);
  await documented(reauth, '/api/auth/reauthenticate', 'post');
  const off = await laptop.delete('/api/auth/second-factor', {
    data: { currentPassword: password, recoveryCode: recoveryCodes[0] }, // replaced: refused
  });
  expect(off.status()).toBe(400);
  await documented(off, '/api/auth/second-factor', 'delete');
  const offForReal = await laptop.delete('/api/auth/second-factor', {
    data: { currentPassword: password, recoveryCode: fresh[0] },
  });
  expect(offForReal.status()).toBe(204);
  expect((await stranger.post('/api/auth/login', { data: { username, password } })).status()).toBe(
    200,
  );
  await Promise.all([script, laptop, stranger, c1, c2].map((c) => c.dispose()));
});

test('a script signs in with a passkey, once per challenge, then renames and removes it', async () => {
  const script = await newClient();
  const { username, password } = await register(script);
  const passkey = createSoftwarePasskey(`api-${username}`);
  await insertPasskeyFor(username, passkey);

  const client = await newClient();
  const options = (await documented(
    await client.post('/api/auth/passkeys/login-options'),
    '/api/auth/passkeys/login-options',
    'post',
  )) as { challenge: string; rpId: string; userVerification: string };
  expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
  const response = assert(passkey, options.challenge, baseURL);
  const signedIn = await client.post('/api/auth/passkeys/login', { data: { response } });
  expect(signedIn.status()).toBe(200);
  expect(await documented(signedIn, '/api/auth/passkeys/login', 'post')).toMatchObject({
    user: { username },
    session: { authMethod: 'passkey' },
  });
  const replayed = await client.post('/api/auth/passkeys/login', { data: { response } });
  expect(replayed.status()).toBe(401);
  await documented(replayed, '/api/auth/passkeys/login', 'post');

  const list = (await documented(
    await script.get('/api/auth/passkeys'),
    '/api/auth/passkeys',
    'get',
  )) as { passkeys: { id: number; name: string; lastUsedAt: string | null }[] };
  expect(list.passkeys).toHaveLength(1);
  expect(list.passkeys[0]!.lastUsedAt).not.toBeNull();
  const id = list.passkeys[0]!.id;
  const renamed = await script.patch(`/api/auth/passkeys/${id}`, { data: { name: 'Work laptop' } });
  expect(renamed.status()).toBe(204);
  await documented(renamed, '/api/auth/passkeys/{id}', 'patch');
  const tooLong = await script.patch(`/api/auth/passkeys/${id}`, {
    data: { name: 'x'.repeat(65) },
  });
  expect(tooLong.status()).toBe(400);
  await documented(tooLong, '/api/auth/passkeys/{id}', 'patch');
  const reversed = await script.patch(`/api/auth/passkeys/${id}`, {
    data: { name: 'Work\u202epot laptop' },
  });
  expect(reversed.status()).toBe(400);
  expect(await documented(reversed, '/api/auth/passkeys/{id}', 'patch')).toMatchObject({
    error: { details: { name: expect.stringContaining('text-direction') } },
  });
  const wrong = await script.delete(`/api/auth/passkeys/${id}`, {
    data: { currentPassword: 'not the password at all' },
  });
  expect(wrong.status()).toBe(400);
  const removed = await script.delete(`/api/auth/passkeys/${id}`, {
    data: { currentPassword: password },
  });
  expect(removed.status()).toBe(204);
  await documented(removed, '/api/auth/passkeys/{id}', 'delete');
  const gone = await script.delete(`/api/auth/passkeys/${id}`, {
    data: { currentPassword: password },
  });
  expect(gone.status()).toBe(404);

  const again = (await (await client.post('/api/auth/passkeys/login-options')).json()) as {
    challenge: string;
  };
  const refused = await client.post('/api/auth/passkeys/login', {
    data: { response: assert(passkey, again.challenge, baseURL) },
  });
  expect(refused.status()).toBe(401);
  await Promise.all([script.dispose(), client.dispose()]);
});

test('wrong passwords and unknown users get the same 401', async () => {
  const client = await newClient();
  const { username } = await register(client);
  const wrong = await client.post('/api/auth/login', {
    data: { username, password: strongPassword() },
  });
  const unknown = await client.post('/api/auth/login', {
    data: { username: uniqueUsername('ghost'), password: strongPassword() },
  });
  expect(wrong.status()).toBe(401);
  expect(unknown.status()).toBe(401);
  expect(await wrong.json()).toEqual(await unknown.json());
  await documented(wrong, '/api/auth/login', 'post');
  await client.dispose();
});

test('bad bodies get a clear 4xx in the documented shape, never a 500', async () => {
  const client = await newClient();
  const { username } = await register(client);
  // Raw bytes: Playwright would JSON-encode a string body sent as application/json.
  const post = (data: string | Buffer, contentType = 'application/json') =>
    client.post('/api/auth/login', {
      headers: { 'content-type': contentType },
      data: Buffer.from(data),
    });
  const cases: [APIResponse, number, string][] = [
    [await post('{"username": "x", '), 400, 'malformed_json'],
    [await post(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400, 'invalid_encoding'],
    [await post('[1, 2, 3]'), 400, 'invalid_input'],
    [
      await post('username=x&password=y', 'application/x-www-form-urlencoded'),
      415,
      'unsupported_media_type',
    ],
    [
      await post(JSON.stringify({ username: 'x'.repeat(20_000), password: 'y' })),
      413,
      'payload_too_large',
    ],
  ];
  for (const [response, status, code] of cases) {
    expect(response.status(), code).toBe(status);
    expect(
      ((await documented(response, '/api/auth/login', 'post')) as { error: { code: string } }).error
        .code,
    ).toBe(code);
  }

  const wrongTypes = await client.post('/api/auth/register', {
    data: { username: 42, password: ['x'] },
  });
  expect(wrongTypes.status()).toBe(400);
  expect(await documented(wrongTypes, '/api/auth/register', 'post')).toMatchObject({
    error: {
      code: 'invalid_input',
      details: { username: expect.any(String), password: expect.any(String) },
    },
  });
  const taken = await client.post('/api/auth/register', {
    data: { username: username.toUpperCase(), password: strongPassword() },
  });
  expect(taken.status()).toBe(409);
  await documented(taken, '/api/auth/register', 'post');
  const weak = await client.post('/api/auth/register', {
    data: { username: uniqueUsername(), password: 'short' },
  });
  expect(await weak.json()).toMatchObject({
    error: { details: { password: 'Password must be at least 15 characters long.' } },
  });
  await client.dispose();
});

test("a badly percent-encoded session id gets the API's 400 with the usual headers, never a bare 500", async () => {
  const client = await newClient();
  await register(client);
  for (const id of ['%ZZ', '%E0%A4%A', '%']) {
    const response = await client.delete(`/api/auth/sessions/${id}`);
    expect(response.status(), id).toBe(400);
    expect(response.headers()['x-content-type-options']).toBe('nosniff');
    expect(await documented(response, '/api/auth/sessions/{id}', 'delete')).toEqual({
      error: { code: 'malformed_path', message: 'The request path is not valid percent-encoding.' },
    });
  }
  expect((await client.get('/api/auth/session')).status()).toBe(200);
  await client.dispose();
});

test('a password with a lone UTF-16 surrogate is refused wherever a password is set', async () => {
  const client = await newClient();
  const untypeable = `${strongPassword()} \ud800`;
  const registering = await client.post('/api/auth/register', {
    data: { username: uniqueUsername('surrogate'), password: untypeable },
  });
  expect(registering.status()).toBe(400);
  expect(await documented(registering, '/api/auth/register', 'post')).toMatchObject({
    error: {
      code: 'invalid_input',
      details: { password: expect.stringMatching(/cannot be typed in a form/) },
    },
  });
  const { password } = await register(client);
  const changing = await client.post('/api/auth/password', {
    data: { currentPassword: password, newPassword: untypeable },
  });
  expect(changing.status()).toBe(400);
  expect(await changing.json()).toMatchObject({
    error: { details: { newPassword: expect.stringMatching(/cannot be typed in a form/) } },
  });
  await client.dispose();
});

test('once the sign-in is older than REAUTH_WINDOW, ending other sessions needs currentPassword (ASVS 7.5.2)', async () => {
  const script = await newClient();
  const { username, password } = await register(script);
  const logIn = async () => {
    const client = await newClient();
    expect((await client.post('/api/auth/login', { data: { username, password } })).status()).toBe(
      200,
    );
    return client;
  };
  const laptop = await logIn();
  const sessions = async () =>
    (
      (await (await script.get('/api/auth/sessions')).json()) as {
        sessions: { id: string; current: boolean }[];
      }
    ).sessions;
  const laptopId = (await sessions()).find((s) => !s.current)!.id;
  await ageReauthentication(username);

  const path = `/api/auth/sessions/${laptopId}`;
  const missing = await script.delete(path);
  expect(missing.status()).toBe(400);
  expect(await documented(missing, '/api/auth/sessions/{id}', 'delete')).toEqual({
    error: {
      code: 'invalid_input',
      message: 'Some fields are not valid.',
      details: { currentPassword: 'Enter your password.' },
    },
  });
  const wrong = await script.delete(path, { data: { currentPassword: `${password} not` } });
  expect(wrong.status()).toBe(400);
  expect(await documented(wrong, '/api/auth/sessions/{id}', 'delete')).toMatchObject({
    error: { code: 'invalid_input', details: { currentPassword: 'That password is not correct.' } },
  });
  expect((await laptop.get('/api/auth/session')).status()).toBe(200);

  const ended = await script.delete(path, { data: { currentPassword: password } });
  expect(ended.status()).toBe(204);
  await documented(ended, '/api/auth/sessions/{id}', 'delete');
  expect((await laptop.get('/api/auth/session')).status()).toBe(401);

  const phone = await logIn();
  await ageReauthentication(username);
  const allMissing = await script.delete('/api/auth/sessions');
  expect(allMissing.status()).toBe(400);
  expect(await documented(allMissing, '/api/auth/sessions', 'delete')).toMatchObject({
    error: { code: 'invalid_input', details: { currentPassword: 'Enter your password.' } },
  });
  expect((await phone.get('/api/auth/session')).status()).toBe(200);
  const allEnded = await script.delete('/api/auth/sessions', {
    data: { currentPassword: password },
  });
  expect(allEnded.status()).toBe(200);
  expect(await documented(allEnded, '/api/auth/sessions', 'delete')).toEqual({ ended: 1 });
  expect((await phone.get('/api/auth/session')).status()).toBe(401);

  // Ending this session is logging out: no password, however old the sign-in.
  const [mine] = await sessions();
  const out = await script.delete(`/api/auth/sessions/${mine!.id}`);
  expect(out.status()).toBe(204);
  expect((await script.get('/api/auth/session')).status()).toBe(401);
  await Promise.all([script.dispose(), laptop.dispose(), phone.dispose()]);
});

test("someone else's session id gets 404 and ends nothing", async () => {
  const victim = await newClient();
  await register(victim);
  const [victimSession] = (
    (await (await victim.get('/api/auth/sessions')).json()) as { sessions: { id: string }[] }
  ).sessions;
  const attacker = await newClient();
  await register(attacker);
  const attempt = await attacker.delete(`/api/auth/sessions/${victimSession!.id}`);
  expect(attempt.status()).toBe(404);
  await documented(attempt, '/api/auth/sessions/{id}', 'delete');
  expect((await victim.get('/api/auth/session')).status()).toBe(200);
  await Promise.all([victim.dispose(), attacker.dispose()]);
});

test('a browser-style cross-site request to the API is refused', async () => {
  const client = await newClient({ headers: { origin: 'http://evil.test' } });
  const response = await client.post('/api/auth/login', { data: { username: 'x', password: 'y' } });
  expect(response.status()).toBe(403);
  expect(await response.json()).toEqual({
    error: { code: 'cross_site_request', message: 'Cross-site request refused.' },
  });
  await client.dispose();
});

test('throttled logins get 429 with Retry-After', async () => {
  // The throttle server trusts one proxy hop: this client is its own address.
  const client = await newClient({
    baseURL: throttleURL,
    headers: { 'x-forwarded-for': '198.20.0.7' },
  });
  for (let i = 0; i < THROTTLE_LIMITS.ipFailures; i++) {
    const miss = await client.post('/api/auth/login', {
      data: { username: uniqueUsername('spray'), password: strongPassword() },
    });
    expect(miss.status()).toBe(401);
  }
  const refused = await client.post('/api/auth/login', {
    data: { username: uniqueUsername('spray'), password: strongPassword() },
  });
  expect(refused.status()).toBe(429);
  expect(Number(refused.headers()['retry-after'])).toBeGreaterThan(0);
  await documented(refused, '/api/auth/login', 'post');
  await client.dispose();
});
