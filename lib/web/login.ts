import 'server-only';
import type { RequestContext, SignIn, User } from '@/lib/auth/context';
import * as login from '@/lib/auth/login';
import type { Session } from '@/lib/auth/session';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/runtime';
import {
  clearPendingLoginCookie,
  clearSessionCookie,
  readSessionToken,
  setLoginCookies,
} from './cookies';

// The core's login and logout, with the cookies a browser (or an API client's jar) needs.

/**
 * Completes a login for this browser: a fresh session, whatever session the browser carried
 * before revoked (so a token planted by someone else never becomes the victim's), and the device
 * cookie for the account. The core refuses a sign-in that skipped a second factor. Null, and no
 * cookie, when the account's credentials changed while the sign-in was checked: callers answer as
 * for a wrong password or an expired sign-in.
 */
export async function completeLogIn(
  user: User,
  signIn: SignIn,
  ctx: RequestContext,
): Promise<StartedSession | null> {
  const started = await login.completeLogIn(
    getDb(),
    user,
    signIn,
    ctx,
    getConfig(),
    await readSessionToken(),
  );
  if (!started.ok) return null;
  await setLoginCookies(user.username, started.token, started.session.absoluteExpiresAt);
  await clearPendingLoginCookie();
  return { session: started.session, mustEnrol: started.mustEnrol };
}

/** The session a login started; `mustEnrol` as in CurrentSession (lib/web/dal.ts). */
export type StartedSession = { session: Session; mustEnrol: boolean };

/** Ends this browser's session, if any, records the logout and clears the cookie. */
export async function logOut(ctx: RequestContext): Promise<void> {
  const token = await readSessionToken();
  if (token) await login.logOut(getDb(), token, ctx);
  await clearSessionCookie();
}
