import 'server-only';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/runtime';
import type { User } from '@/lib/auth/context';
import { mustEnrolSecondFactor } from '@/lib/auth/required-second-factor';
import { validateSessionToken, type Session } from '@/lib/auth/session';
import { readSessionToken } from './cookies';

/**
 * A live session. `mustEnrol`: its account must have a second factor and its sign-in proved
 * none, so it may reach only the enrolment page (lib/auth/required-second-factor.ts).
 */
export type CurrentSession = { session: Session; user: User; mustEnrol: boolean };

/** Where a session that must set up a second factor is sent, whatever it asked for. */
export const ENROLMENT_PATH = '/account/second-factor';

/**
 * The authoritative check: the cookie's token against the database, with both expiry rules.
 * Cached per request, so a page, its layout and its actions share one lookup. Pages, actions and
 * routes use requireSession or apiSession (lib/web/api.ts), which also keep a session that must
 * enrol to enrolment; this alone is for showing who is signed in.
 */
export const getCurrentSession = cache(async (): Promise<CurrentSession | null> => {
  const token = await readSessionToken();
  if (!token) return null;
  const config = getConfig();
  const result = await validateSessionToken(getDb(), token, new Date(), config.session);
  if (!result.session) return null;
  const { session, user, secondFactorRequired } = result;
  const mustEnrol = mustEnrolSecondFactor(
    config.secondFactor.required,
    { secondFactorRequired },
    session,
  );
  return { session, user, mustEnrol };
});

/**
 * The signed-in session, or a redirect: to the login page, coming back to `returnTo`, without one;
 * to the enrolment page while the account must set up a second factor, unless `enrolling` (the
 * enrolment page and its forms).
 */
export async function requireSession(
  returnTo: string,
  { enrolling = false }: { enrolling?: boolean } = {},
): Promise<CurrentSession> {
  const current = await getCurrentSession();
  if (!current) redirect(`/login?next=${encodeURIComponent(returnTo)}`);
  if (current.mustEnrol && !enrolling) redirect(enrolmentPath(returnTo));
  return current;
}

/** The enrolment page, coming back to `next` once a second factor is set up. */
export const enrolmentPath = (next: string) => `${ENROLMENT_PATH}?next=${encodeURIComponent(next)}`;
