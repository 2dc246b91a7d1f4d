import 'server-only';
import { sealData, unsealData } from 'iron-session';
import { cookies } from 'next/headers';
import { createHash } from 'node:crypto';
import { getConfig, type Config } from '@/lib/config';

type CookiePayload = { token?: unknown };

// iron-session's seal format ("Fe26.2*...*hmac~2"). Its parser tolerates junk after the version
// suffix; anything that is not exactly a seal is refused before unsealing.
const SEAL_PATTERN = /^Fe26\.2\*[\w*-]+~2$/;

// iron-session finds the secret for a seal by the numeric id inside it. Ids derived from each
// secret itself stay the same whatever the order or number of SESSION_SECRET entries, so
// rotating never strands a cookie sealed with a secret that is still listed.
const secretId = (secret: string) => Number.parseInt(createHash('sha256').update(secret).digest('hex').slice(0, 12), 16);
const unsealPasswords = (config: Config) => Object.fromEntries(config.sessionSecrets.map((s) => [secretId(s), s]));
const sealPassword = (config: Config) => ({ [secretId(config.sessionSecrets[0]!)]: config.sessionSecrets[0]! });

// The seal outlives the session by a minute; the database's expiry is the one that counts.
const SEAL_MARGIN_SECONDS = 60;

/** The session token the browser sent, or null for no cookie or one that fails to unseal. */
export async function readSessionToken(): Promise<string | null> {
  const cookieStore = await cookies(); // first, so prerendering bails out before reading config
  const config = getConfig();
  const sealed = cookieStore.get(config.cookieName)?.value;
  if (!sealed || !SEAL_PATTERN.test(sealed)) return null;
  try {
    const payload: CookiePayload = await unsealData(sealed, {
      password: unsealPasswords(config),
      ttl: config.session.absoluteTimeoutMs / 1000 + SEAL_MARGIN_SECONDS,
    });
    return typeof payload.token === 'string' ? payload.token : null;
  } catch {
    // iron-session 8 throws on malformed seals (truncated, foreign, garbage): signed out.
    return null;
  }
}

/** Seals the token into the cookie; only allowed in server actions and route handlers. */
export async function setSessionCookie(token: string, expiresAt: Date): Promise<void> {
  const config = getConfig();
  const sealed = await sealData({ token } satisfies CookiePayload, {
    password: sealPassword(config),
    ttl: config.session.absoluteTimeoutMs / 1000 + SEAL_MARGIN_SECONDS,
  });
  (await cookies()).set(config.cookieName, sealed, {
    httpOnly: true,
    secure: config.cookieSecure,
    sameSite: 'lax',
    path: '/',
    expires: expiresAt,
  });
}

export async function clearSessionCookie(): Promise<void> {
  const config = getConfig();
  (await cookies()).set(config.cookieName, '', {
    httpOnly: true,
    secure: config.cookieSecure,
    sameSite: 'lax',
    path: '/',
    maxAge: 0,
  });
}
