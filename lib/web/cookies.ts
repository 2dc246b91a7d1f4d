import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import { cookies } from 'next/headers';
import { normalizeUsername } from '@/lib/auth/username';
import { getConfig } from '@/lib/config';
import { createSealer, type Payload, type Sealer } from '@/lib/seal';

// Gatehouse's cookies, all sealed with SESSION_SECRET (lib/seal.ts) and HttpOnly:
// - the session cookie holds only the session's random token; the database decides the rest;
// - the device cookie names an account this browser has logged in to. Its login attempts are
//   throttled on their own counter, so a stranger guessing the password cannot lock the owner out
//   of their usual browser (OWASP: "Slow Down Online Guessing Attacks with Device Cookies"). It
//   grants nothing else: the password is still needed;
// - the pending-login cookie holds, between the password and the second factor, the pending
//   login's random token (hashed in the database) and where to go after: only the browser that
//   gave the password can finish that login;
// - a passkey-challenge cookie holds one passkey ceremony's challenge (the database keeps its
//   hash), so only the browser that asked can answer it. Each challenge has a cookie of its own,
//   so that login pages open in several tabs, asking at the same moment, keep each one theirs.

// The seal outlives the session by a minute; the database's expiry is the one that counts.
const SEAL_MARGIN_SECONDS = 60;
const DEVICE_COOKIE_DAYS = 180;
const DEVICE_TTL_SECONDS = DEVICE_COOKIE_DAYS * 24 * 3600;
const MAX_TYPED_USERNAME = 256;

// One sealer (and so one cache of unsealed values) per configuration.
let sealerFor: { secrets: readonly string[]; sealer: Sealer } | undefined;
function sealer(): Sealer {
  const secrets = getConfig().sessionSecrets;
  if (sealerFor?.secrets !== secrets) sealerFor = { secrets, sealer: createSealer(secrets) };
  return sealerFor.sealer;
}

const attributes = () => ({
  httpOnly: true,
  secure: getConfig().cookies.secure,
  sameSite: 'lax' as const,
  path: '/',
});
const sessionSealTtl = () => getConfig().session.absoluteTimeoutMs / 1000 + SEAL_MARGIN_SECONDS;

async function readSealed(
  cookie: 'session' | 'device' | 'pendingLogin',
  ttlSeconds: () => number,
): Promise<Payload | null> {
  const jar = await cookies(); // first, so prerendering bails out before reading config
  return sealer().unseal(jar.get(getConfig().cookies[cookie])?.value, ttlSeconds());
}

/** The session token the browser sent, or null for no cookie or one that fails to unseal. */
export async function readSessionToken(): Promise<string | null> {
  const payload = await readSealed('session', sessionSealTtl);
  return typeof payload?.token === 'string' ? payload.token : null;
}

/**
 * Sets the cookies of a completed login: the session token, and the device cookie for the account.
 * Only allowed in server actions and route handlers.
 */
export async function setLoginCookies(
  username: string,
  token: string,
  expiresAt: Date,
): Promise<void> {
  await setSessionCookie(token, expiresAt);
  const jar = await cookies();
  const deviceValue = await sealer().seal(
    { username, device: randomBytes(16).toString('base64url') },
    DEVICE_TTL_SECONDS,
  );
  jar.set(getConfig().cookies.device, deviceValue, {
    ...attributes(),
    maxAge: DEVICE_TTL_SECONDS,
  });
}

/** Sets the session cookie alone: a session's new token (its sign-in rose, see elevateSession). */
export async function setSessionCookie(token: string, expiresAt: Date): Promise<void> {
  (await cookies()).set(
    getConfig().cookies.session,
    await sealer().seal({ token }, sessionSealTtl()),
    { ...attributes(), expires: expiresAt },
  );
}

export async function clearSessionCookie(): Promise<void> {
  (await cookies()).set(getConfig().cookies.session, '', { ...attributes(), maxAge: 0 });
}

/** The device cookie's claim, ready for logIn: the account, as typed, this browser logged in to before. */
export async function readTrustedDevice(
  typedUsername: unknown,
): Promise<{ username: string; deviceId: string } | null> {
  if (typeof typedUsername !== 'string') return null;
  const username = normalizeUsername(typedUsername.slice(0, MAX_TYPED_USERNAME));
  const payload = await readSealed('device', () => DEVICE_TTL_SECONDS);
  return payload?.username === username && typeof payload.device === 'string'
    ? { username, deviceId: payload.device }
    : null;
}

/** Holds the pending login for the second step, until it expires. */
export async function setPendingLoginCookie(
  token: string,
  next: string,
  expiresAt: Date,
): Promise<void> {
  const ttlSeconds = Math.ceil((expiresAt.getTime() - Date.now()) / 1000);
  const value = await sealer().seal({ token, next }, ttlSeconds + SEAL_MARGIN_SECONDS);
  (await cookies()).set(getConfig().cookies.pendingLogin, value, {
    ...attributes(),
    expires: expiresAt,
  });
}

/** The pending login this browser holds, or null. */
export async function readPendingLogin(): Promise<{ token: string; next: string } | null> {
  const payload = await readSealed('pendingLogin', () => PENDING_SEAL_TTL_SECONDS);
  return typeof payload?.token === 'string' && typeof payload.next === 'string'
    ? { token: payload.token, next: payload.next }
    : null;
}

// Longer than any pending login lives; the database's expiry is the one that counts.
const PENDING_SEAL_TTL_SECONDS = 3600;

export async function clearPendingLoginCookie(): Promise<void> {
  (await cookies()).set(getConfig().cookies.pendingLogin, '', { ...attributes(), maxAge: 0 });
}

/**
 * Keeps a passkey ceremony's challenge for the browser that asked, for five minutes, in a sealed
 * cookie of its own named after the challenge: two tabs asking at the same moment each add
 * theirs, and neither rewrites the other's. So that a browser cannot pile them up, the oldest of
 * those the request carried are expired beyond the newest few.
 */
export async function setPasskeyChallengeCookie(purpose: string, challenge: string): Promise<void> {
  const jar = await cookies();
  const base = getConfig().cookies.passkeyChallenge;
  const held = await heldChallengeCookies(jar, base);
  for (const { name } of held.slice(0, Math.max(0, held.length - (MAX_HELD_CHALLENGES - 1))))
    jar.set(name, '', { ...attributes(), maxAge: 0 });
  const value = await sealer().seal(
    { purpose, challenge, keptAt: String(Date.now()) },
    PASSKEY_SEAL_TTL_SECONDS,
  );
  jar.set(challengeCookieName(base, challenge), value, {
    ...attributes(),
    maxAge: PASSKEY_SEAL_TTL_SECONDS,
  });
}

const PASSKEY_SEAL_TTL_SECONDS = 300;
// A few tabs' worth; the oldest goes first.
const MAX_HELD_CHALLENGES = 5;

// The configured name (with its __Host- prefix where cookies are Secure) and a short hash of the
// challenge, so an answer, which names its challenge, finds its cookie directly.
const challengeCookieName = (base: string, challenge: string) =>
  `${base}-${createHash('sha256').update(challenge).digest('base64url').slice(0, 16)}`;

type CookieJar = Awaited<ReturnType<typeof cookies>>;

/** The challenge cookies the request carried, oldest first; unreadable ones count as oldest. */
async function heldChallengeCookies(
  jar: CookieJar,
  base: string,
): Promise<{ name: string; keptAt: number }[]> {
  const held = await Promise.all(
    jar
      .getAll()
      .filter(({ name }) => name.startsWith(`${base}-`))
      .map(async ({ name, value }) => {
        const payload = await sealer().unseal(value, PASSKEY_SEAL_TTL_SECONDS);
        return { name, keptAt: Number(payload?.keptAt) || 0 };
      }),
  );
  return held.sort((a, b) => a.keptAt - b.keptAt);
}

/**
 * The challenge an answer names, if this browser holds it for a ceremony of this purpose: its
 * cookie is cleared as it is read. The database still decides whether it is alive and unused.
 */
export async function takePasskeyChallenge(
  purpose: string,
  answered: string | null,
): Promise<string | null> {
  if (!answered) return null;
  const jar = await cookies();
  const name = challengeCookieName(getConfig().cookies.passkeyChallenge, answered);
  const payload = await sealer().unseal(jar.get(name)?.value, PASSKEY_SEAL_TTL_SECONDS);
  if (payload?.challenge !== answered || payload.purpose !== purpose) return null;
  jar.set(name, '', { ...attributes(), maxAge: 0 });
  return answered;
}

/** The id of this browser's device cookie, if it has one: it has signed in here before. */
export async function readDeviceId(): Promise<string | null> {
  const payload = await readSealed('device', () => DEVICE_TTL_SECONDS);
  return typeof payload?.device === 'string' ? payload.device : null;
}

/** The account this browser has signed in to before (its device cookie), if any. */
export async function readKnownBrowser(): Promise<string | null> {
  const payload = await readSealed('device', () => DEVICE_TTL_SECONDS);
  return typeof payload?.username === 'string' ? payload.username : null;
}
