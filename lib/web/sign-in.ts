import 'server-only';
import { getDb } from '@/db';
import { getConfig } from '@/lib/config';
import { createSession, hashSessionToken, invalidateSession } from '@/lib/auth/session';
import { getClientInfo } from './client-info';
import { clearSessionCookie, readSessionToken, setSessionCookie } from './session-cookie';

/**
 * Starts a fresh session for the user. Whatever session the browser carried before is
 * deleted, so a token planted by someone else never becomes the victim's (no fixation).
 */
export async function signIn(userId: number): Promise<void> {
  await endBrowserSession();
  const { token, session } = createSession(getDb(), userId, await getClientInfo(), new Date(), getConfig().session);
  await setSessionCookie(token, session.absoluteExpiresAt);
}

/** Deletes the browser's session row, if any, and clears its cookie. */
export async function signOut(): Promise<void> {
  await endBrowserSession();
  await clearSessionCookie();
}

async function endBrowserSession(): Promise<void> {
  const previous = await readSessionToken();
  if (previous) invalidateSession(getDb(), hashSessionToken(previous));
}
