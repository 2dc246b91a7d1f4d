import 'server-only';
import { randomBytes } from 'node:crypto';
import { cookies } from 'next/headers';
import { getConfig } from '@/lib/config';
import { cookieAttributes, seal, unseal } from './seal';

// A browser that has logged in to an account before carries a sealed "device cookie" naming
// that account. Its login attempts are throttled on their own counter, so a stranger guessing
// the password cannot lock the owner out of their usual browser (OWASP: "Slow Down Online
// Guessing Attacks with Device Cookies"). It grants nothing else: the password is still needed.

const DEVICE_COOKIE_DAYS = 180;
const TTL_SECONDS = DEVICE_COOKIE_DAYS * 24 * 3600;

const cookieName = () => (getConfig().cookieSecure ? '__Host-device' : 'device');

/** The id of this browser's device cookie if it was issued for `username`, else null. */
export async function getTrustedDeviceId(username: string): Promise<string | null> {
  const payload = await unseal((await cookies()).get(cookieName())?.value, TTL_SECONDS);
  return payload?.username === username && typeof payload.device === 'string' ? payload.device : null;
}

/** Marks this browser as one that has logged in to `username`. */
export async function setDeviceCookie(username: string): Promise<void> {
  const value = await seal({ username, device: randomBytes(16).toString('base64url') }, TTL_SECONDS);
  (await cookies()).set(cookieName(), value, { ...cookieAttributes(), maxAge: TTL_SECONDS });
}
