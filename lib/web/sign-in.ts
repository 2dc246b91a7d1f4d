import 'server-only';
import { getDb } from '@/db';
import type { RequestContext, User } from '@/lib/auth/context';
import { normalizeUsername } from '@/lib/auth/username';
import { logOut } from '@/lib/auth/login';
import { createSession, hashSessionToken, invalidateSession, type Session } from '@/lib/auth/session';
import { getConfig } from '@/lib/config';
import { getTrustedDeviceId, setDeviceCookie } from './device-cookie';
import { clearSessionCookie, readSessionToken, setSessionCookie } from './session-cookie';

/**
 * Starts a fresh session for the user. Whatever session the browser carried before is
 * deleted, so a token planted by someone else never becomes the victim's (no fixation). The
 * browser also becomes a trusted device for this account (lib/web/device-cookie.ts).
 */
export async function signIn(user: User, ctx: RequestContext): Promise<Session> {
  const previous = await readSessionToken();
  if (previous) await invalidateSession(getDb(), hashSessionToken(previous));
  const { token, session } = await createSession(getDb(), user.id, ctx.client, ctx.now, getConfig().session);
  await setSessionCookie(token, session.absoluteExpiresAt);
  await setDeviceCookie(user.username);
  return session;
}

/** The device cookie's claim, ready for logIn: which account this browser logged in to before. */
export async function getTrustedDevice(typedUsername: unknown): Promise<{ username: string; deviceId: string } | null> {
  if (typeof typedUsername !== 'string') return null;
  const username = normalizeUsername(typedUsername.slice(0, 256));
  const deviceId = await getTrustedDeviceId(username);
  return deviceId ? { username, deviceId } : null;
}

/** Deletes the browser's session row, if any, records the logout and clears the cookie. */
export async function signOut(ctx: RequestContext): Promise<void> {
  const token = await readSessionToken();
  if (token) await logOut(getDb(), token, ctx);
  await clearSessionCookie();
}
