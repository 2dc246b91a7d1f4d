import type { Db } from '@/db';
import { findUserById } from '@/db/queries/users';
import type {
  Actor,
  AuthPolicies,
  RequestContext,
  Refused,
  SecondFactorPolicy,
  User,
} from './context';
import { verifyPasswordThrottled, type PasswordPurpose } from './login';
import {
  isEnrolled,
  isFresh,
  requireFreshAuthentication,
  type ReauthenticationRequired,
} from './second-factor-check';
import { invalid, type Invalid } from './validation';

// Step-up: what every sensitive change to an account asks before it is made, in one place so a
// change added later cannot ask for less.

const WRONG_PASSWORD = 'That password is not correct.';

/** Proved: with the credentials version the password was checked under. */
export type SteppedUp = { ok: true; credentialsVersion: number };

/** The current password, checked and throttled like a login, for a change to the account. */
export async function checkCurrentPassword(
  db: Db,
  user: User,
  password: unknown,
  ctx: RequestContext,
  policies: AuthPolicies,
  purpose: PasswordPurpose,
): Promise<SteppedUp | Invalid<'currentPassword'> | Refused> {
  if (typeof password !== 'string' || password === '')
    return invalid({ currentPassword: 'Enter your password.' });
  const check = await verifyPasswordThrottled(
    db,
    { username: user.username },
    password.slice(0, 1024),
    purpose,
    ctx,
    policies,
  );
  if (check.ok) return { ok: true, credentialsVersion: check.credentialsVersion };
  return check.reason === 'invalid' ? invalid({ currentPassword: WRONG_PASSWORD }) : check;
}

/**
 * Every factor proved within REAUTH_WINDOW (on an account with a second factor), then the current
 * password itself: the check each sensitive change (password, address, second factor, passkeys,
 * deleting the account) makes first.
 */
export async function stepUp(
  db: Db,
  { user, session }: Actor,
  password: unknown,
  purpose: PasswordPurpose,
  ctx: RequestContext,
  policies: AuthPolicies,
): Promise<SteppedUp | Invalid<'currentPassword'> | ReauthenticationRequired | Refused> {
  const stale = await requireFreshAuthentication(
    db,
    user.id,
    session,
    ctx.now,
    policies.secondFactor,
  );
  return stale ?? checkCurrentPassword(db, user, password, ctx, policies, purpose);
}

/**
 * Whether this session proved every factor of the account within REAUTH_WINDOW (at sign-in, or
 * by reauthenticating), so that a change asking only for recent authentication needs no password.
 */
export const authenticatedRecently = (
  session: Actor['session'],
  enrolled: boolean,
  now: Date,
  policy: SecondFactorPolicy,
): boolean =>
  session.reauthenticatedAt !== null &&
  now.getTime() - session.reauthenticatedAt.getTime() < policy.reauthWindowMs &&
  isFresh(session, enrolled, now, policy);

/**
 * stepUp for a change that needs re-authentication only once the session's sign-in is no longer
 * recent (ending other sessions, ASVS 7.5.2): within REAUTH_WINDOW it passes without the password.
 */
export async function stepUpUnlessRecent(
  db: Db,
  actor: Actor,
  password: unknown,
  purpose: PasswordPurpose,
  ctx: RequestContext,
  policies: AuthPolicies,
): Promise<{ ok: true } | Invalid<'currentPassword'> | ReauthenticationRequired | Refused> {
  const row = await findUserById(db, actor.user.id);
  if (row && authenticatedRecently(actor.session, isEnrolled(row), ctx.now, policies.secondFactor))
    return { ok: true };
  return stepUp(db, actor, password, purpose, ctx, policies);
}
