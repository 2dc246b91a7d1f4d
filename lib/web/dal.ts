import 'server-only';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/runtime';
import type { User } from '@/lib/auth/context';
import { validateSessionToken, type Session } from '@/lib/auth/session';
import { readSessionToken } from './cookies';

export type CurrentSession = { session: Session; user: User };

/**
 * The authoritative check: the cookie's token against the database, with both expiry rules.
 * Cached per request, so a page, its layout and its actions share one lookup.
 */
export const getCurrentSession = cache(async (): Promise<CurrentSession | null> => {
  const token = await readSessionToken();
  if (!token) return null;
  const result = await validateSessionToken(getDb(), token, new Date(), getConfig().session);
  return result.session ? result : null;
});

/** The signed-in session, or a redirect to the login page that comes back to `returnTo`. */
export async function requireSession(returnTo: string): Promise<CurrentSession> {
  const current = await getCurrentSession();
  if (!current) redirect(`/login?next=${encodeURIComponent(returnTo)}`);
  return current;
}
