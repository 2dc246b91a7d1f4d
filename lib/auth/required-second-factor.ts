import type { Db } from '@/db';
import { findUserPasskeys } from '@/db/queries/passkeys';
import { setSecondFactorRequiredAt } from '@/db/queries/users';
import { runTransaction } from '@/db/transaction';
import type { AuthMethod, RequestContext, SecondFactorPolicy, User } from './context';
import { securityEventStep } from './events';
import { provesSecondFactor } from './second-factor-check';

// A second factor may be required of every account (REQUIRE_SECOND_FACTOR=all) or, by an
// operator, of one. An account that must have one and signs in with the password alone reaches
// only the enrolment page until it has an authenticator app or a passkey.

/** Whether the account must have a second factor: by the site's rule, or an operator's flag. */
export const isSecondFactorRequired = (
  required: SecondFactorPolicy['required'],
  account: { secondFactorRequired: boolean },
): boolean => required === 'all' || account.secondFactorRequired;

/**
 * Whether this session may reach only the enrolment page: its account must have a second factor
 * and its sign-in proved none. An account with an authenticator app never signs in with the
 * password alone, so the sign-in's method answers this from what the session lookup already
 * returns, with no query of its own.
 */
export const mustEnrolSecondFactor = (
  required: SecondFactorPolicy['required'],
  account: { secondFactorRequired: boolean },
  session: { authMethod: AuthMethod },
): boolean => isSecondFactorRequired(required, account) && !provesSecondFactor(session.authMethod);

/**
 * An account that must have a second factor and already has a passkey signs in with it: were its
 * password enough to reach the enrolment page, the password alone could add a second factor the
 * owner never made.
 */
export async function mustSignInWithPasskey(
  db: Db,
  required: SecondFactorPolicy['required'],
  account: { id: number; secondFactorRequiredAt: Date | null },
): Promise<boolean> {
  if (
    !isSecondFactorRequired(required, {
      secondFactorRequired: account.secondFactorRequiredAt !== null,
    })
  )
    return false;
  return (await findUserPasskeys(db, account.id)).length > 0;
}

/**
 * An operator requires a second factor of one account, or no longer: recorded as a security event.
 * False when it was already so.
 */
export async function setSecondFactorRequiredByOperator(
  db: Db,
  user: User,
  required: boolean,
  ctx: RequestContext,
): Promise<boolean> {
  const event = securityEventStep(
    db,
    {
      type: 'second_factor_requirement_changed',
      userId: user.id,
      detail: required ? 'required' : 'not required',
    },
    ctx.client,
    ctx.now,
  );
  const changed = await runTransaction(db, [
    setSecondFactorRequiredAt(db, user.id, required ? ctx.now : null),
    event.step,
  ]);
  if (changed) event.log();
  return changed;
}
