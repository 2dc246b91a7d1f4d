import 'server-only';
import { getDb } from '@/db';
import type { RequestContext } from '@/lib/auth/context';
import { logOut } from '@/lib/auth/login';
import { createSession, hashSessionToken, invalidateSession, type Session } from '@/lib/auth/session';
import { getConfig } from '@/lib/config';
import { clearSessionCookie, readSessionToken, setSessionCookie } from './session-cookie';

/**
 * Starts a fresh session for the user. Whatever session the browser carried before is
 * deleted, so a token planted by someone else never becomes the victim's (no fixation).
 */
export async function signIn(userId: number, ctx: RequestContext): Promise<Session> {
  const previous = await readSessionToken();
  if (previous) invalidateSession(getDb(), hashSessionToken(previous));
  const { token, session } = createSession(getDb(), userId, ctx.client, ctx.now, getConfig().session);
  await setSessionCookie(token, session.absoluteExpiresAt);
  return session;
}

/** Deletes the browser's session row, if any, records the logout and clears the cookie. */
export async function signOut(ctx: RequestContext): Promise<void> {
  const token = await readSessionToken();
  if (token) logOut(getDb(), token, ctx);
  await clearSessionCookie();
}
