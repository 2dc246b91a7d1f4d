import 'server-only';
import { cookies } from 'next/headers';
import { getConfig } from '@/lib/config';
import { cookieAttributes, seal, unseal } from './seal';

// The seal outlives the session by a minute; the database's expiry is the one that counts.
const SEAL_MARGIN_SECONDS = 60;
const sealTtl = () => getConfig().session.absoluteTimeoutMs / 1000 + SEAL_MARGIN_SECONDS;

/** The session token the browser sent, or null for no cookie or one that fails to unseal. */
export async function readSessionToken(): Promise<string | null> {
  const cookieStore = await cookies(); // first, so prerendering bails out before reading config
  const payload = await unseal(cookieStore.get(getConfig().cookieName)?.value, sealTtl());
  return typeof payload?.token === 'string' ? payload.token : null;
}

/** Seals the token into the cookie; only allowed in server actions and route handlers. */
export async function setSessionCookie(token: string, expiresAt: Date): Promise<void> {
  const config = getConfig();
  (await cookies()).set(config.cookieName, await seal({ token }, sealTtl()), { ...cookieAttributes(), expires: expiresAt });
}

export async function clearSessionCookie(): Promise<void> {
  (await cookies()).set(getConfig().cookieName, '', { ...cookieAttributes(), maxAge: 0 });
}
