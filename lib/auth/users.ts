import type { Db } from '@/db';
import { deleteUserTokens } from '@/db/queries/one-time-tokens';
import {
  deleteUser,
  findUserById,
  findUserByUsername,
  insertUser,
  setPasswordHash,
} from '@/db/queries/users';
import { runTransaction } from '@/db/transaction';
import type { Mailer } from '../mail/outbox';
import { metrics } from '../metrics';
import {
  firstFieldErrors,
  passwordChangeSchema,
  registrationSchema,
  invalid,
  type Invalid,
} from './validation';
import type { Actor, AuthPolicies, RequestContext, Refused, SignIn, User } from './context';
import { getBreachProblem } from './breached-passwords';
import type { ReauthenticationRequired } from './second-factor-check';
import { stepUp } from './step-up';
import { startEmailVerification } from './email';
import { parseEmailAddress, type AddressParse } from './email-address';
import { recordSecurityEvent, securityEventStep } from './events';
import { noticeSteps, sendNotice } from './notices';
import { countVerificationMail, uncountVerificationMail } from './verification-mail';
import { PENDING_LOGIN } from './login';
import { RESET } from './password-reset';
import { isBusy, orBusy } from './password';
import { hashPassword } from './password-hashing';
import { endAllSessions, revokeAllSessions } from './session';
import { normalizeUsername } from './username';
import { checkRegistrationAllowed, describeRefusal, recordRegistration } from './throttle';

export type { User, UserPolicy } from './context';

export const USERNAME_TAKEN = 'That username is taken. Choose another.';
const WRONG_PASSWORD = 'That password is not correct.';

export type RegistrationField = 'username' | 'password' | 'confirmPassword' | 'email';
export type RegisterResult =
  { ok: true; user: User; signIn: SignIn } | Invalid<RegistrationField> | Refused;

/**
 * Public sign-up: at most THROTTLE_REGISTER_PER_IP new accounts per client IP per window. An email
 * address is optional; given, it is verified by a link mailed to it.
 */
export async function registerUser(
  db: Db,
  input: Record<string, unknown>,
  ctx: RequestContext,
  policies: AuthPolicies,
  mailer: Mailer | null = null,
): Promise<RegisterResult> {
  const decision = await checkRegistrationAllowed(db, ctx.client.ip, ctx.now, policies.throttle);
  if (!decision.allowed) {
    await recordSecurityEvent(
      db,
      { type: 'throttled', detail: 'registration' },
      ctx.client,
      ctx.now,
    );
    metrics().registrations.inc({ outcome: 'throttled' });
    return {
      ok: false,
      reason: 'throttled',
      retryAfterSeconds: decision.retryAfterSeconds,
      message: describeRefusal(decision),
    };
  }
  const address = optionalAddress(input.email, mailer);
  if (address && !address.ok) {
    const others = registrationSchema(policies.user).safeParse(input);
    const fieldErrors = others.success ? {} : firstFieldErrors<RegistrationField>(others.error);
    return invalid({ ...fieldErrors, email: address.message });
  }
  const counted =
    address?.ok && mailer
      ? await countVerificationMail(
          db,
          mailer.settings,
          { userId: null, address: address.address },
          ctx.now,
        )
      : null;
  if (counted && !counted.ok) {
    await recordSecurityEvent(
      db,
      { type: 'throttled', detail: `registration:${counted.scope}` },
      ctx.client,
      ctx.now,
    );
    metrics().registrations.inc({ outcome: 'throttled' });
    const { scope: _scope, ...refused } = counted;
    return refused;
  }
  const result = await createUser(db, input, ctx, policies);
  if (!result.ok && counted) await uncountVerificationMail(db, counted);
  if (result.ok) await recordRegistration(db, ctx.client.ip, ctx.now, policies.throttle);
  if (result.ok && address?.ok && mailer)
    await startEmailVerification(db, mailer, result.user, address.address, ctx);
  metrics().registrations.inc({ outcome: result.ok ? 'success' : result.reason });
  if (!result.ok) return result;
  const { user, credentialsVersion } = result;
  return {
    ok: true,
    user,
    signIn: { method: 'password', reauthenticatedAt: ctx.now, credentialsVersion },
  };
}

/**
 * Validates every rule, then creates the account. Nothing is stored unless all rules pass and
 * the password was hashed (BUSY when no hashing thread was free in time).
 */
export async function createUser(
  db: Db,
  input: Record<string, unknown>,
  ctx: RequestContext,
  policies: Pick<AuthPolicies, 'user'>,
): Promise<
  { ok: true; user: User; credentialsVersion: number } | Invalid<RegistrationField> | Refused
> {
  const parsed = registrationSchema(policies.user).safeParse(input);
  if (!parsed.success) return invalid(firstFieldErrors<RegistrationField>(parsed.error));
  const { username, password } = parsed.data;

  // A cheap early answer; the unique index below still settles a race between two registrations.
  if (await findUserByUsername(db, username)) return invalid({ username: USERNAME_TAKEN });
  const breached = await getBreachProblem(db, password, ctx, policies);
  if (breached) return invalid({ password: breached });
  const passwordHash = await orBusy(hashPassword(password, policies.user.bcryptCost));
  if (isBusy(passwordHash)) return passwordHash;
  const inserted = await insertUser(db, { username, passwordHash, createdAt: ctx.now });
  if (!inserted.ok) return invalid({ username: USERNAME_TAKEN });

  const user = { id: inserted.user.id, username: inserted.user.username };
  await recordSecurityEvent(db, { type: 'registered', userId: user.id }, ctx.client, ctx.now);
  return { ok: true, user, credentialsVersion: inserted.user.credentialsVersion };
}

function optionalAddress(raw: unknown, mailer: Mailer | null): AddressParse | null {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === ''))
    return null;
  if (!mailer)
    return { ok: false, message: 'This server sends no mail: leave the email address out.' };
  return parseEmailAddress(raw);
}

/** The account with this name, however it was typed, or null. */
export async function getUser(db: Db, typedName: string): Promise<User | null> {
  const row = await findUserByUsername(db, normalizeUsername(typedName));
  return row ? { id: row.id, username: row.username } : null;
}

export type PasswordChangeField = 'currentPassword' | 'newPassword' | 'confirmNewPassword';
export type ChangePasswordResult =
  | { ok: true; signIn: SignIn }
  | Invalid<PasswordChangeField>
  | ReauthenticationRequired
  | { ok: false; reason: 'credentials_changed'; message: string }
  | Refused;

const PASSWORD_CHANGED_ELSEWHERE =
  'Your password was changed elsewhere while this change was being made. Log in again.';

/**
 * Replaces the password after checking the current one. In one transaction with the new hash,
 * everything the old password opened ends: every session, pending login and reset link, and
 * (through the credentials version) every login whose check of it is still running. The caller
 * starts a fresh session for the browser that made the change, signed in as the old one was
 * (`signIn`).
 */
export async function changePassword(
  db: Db,
  { user, session }: Actor,
  input: Record<string, unknown>,
  ctx: RequestContext,
  policies: AuthPolicies,
  mailer: Mailer | null = null,
): Promise<ChangePasswordResult> {
  const parsed = passwordChangeSchema(user.username, policies.user).safeParse(input);
  if (!parsed.success) return invalid(firstFieldErrors<PasswordChangeField>(parsed.error));
  const check = await stepUp(
    db,
    { user, session },
    parsed.data.currentPassword,
    'password_change',
    ctx,
    policies,
  );
  if (!check.ok) return check;
  const breached = await getBreachProblem(db, parsed.data.newPassword, ctx, policies, user.id);
  if (breached) return invalid({ newPassword: breached });

  const newHash = await orBusy(hashPassword(parsed.data.newPassword, policies.user.bcryptCost));
  if (isBusy(newHash)) return newHash; // the old password still stands
  const row = await findUserById(db, user.id);
  if (!row) return invalid({ currentPassword: WRONG_PASSWORD });
  const { credentialsVersion } = check;
  const ended = endAllSessions(db, user.id);
  const event = securityEventStep(
    db,
    { type: 'password_changed', userId: user.id },
    ctx.client,
    ctx.now,
  );
  const notice = await noticeSteps(
    db,
    mailer,
    row,
    (m, username, when) => m.passwordChanged(username, when),
    ctx,
    'change',
  );
  const done = await runTransaction(db, [
    setPasswordHash(db, user.id, newHash, { credentialsVersion }),
    ended.step,
    deleteUserTokens(db, user.id, PENDING_LOGIN),
    deleteUserTokens(db, user.id, RESET),
    ...notice,
    event.step,
  ]);
  if (!done)
    return { ok: false, reason: 'credentials_changed', message: PASSWORD_CHANGED_ELSEWHERE };
  ended.record('password_changed');
  event.log();
  mailer?.wake();
  return {
    ok: true,
    signIn: {
      method: session.authMethod,
      reauthenticatedAt: session.reauthenticatedAt,
      credentialsVersion: credentialsVersion + 1,
    },
  };
}

export type DeleteAccountResult =
  { ok: true } | Invalid<'password'> | ReauthenticationRequired | Refused;

/**
 * Deletes the account: its sessions and events go with it, and the deletion is recorded without
 * the user id (that row is gone) so the audit trail keeps that it happened. A person confirms with
 * their password; an operator at the command line needs none.
 */
export async function deleteAccount(
  db: Db,
  user: User,
  ctx: RequestContext,
  confirmation:
    { password: unknown; session: Actor['session']; policies: AuthPolicies } | { byOperator: true },
  mailer: Mailer | null = null,
): Promise<DeleteAccountResult> {
  if ('password' in confirmation) {
    const check = await stepUp(
      db,
      { user, session: confirmation.session },
      confirmation.password,
      'account_deletion',
      ctx,
      confirmation.policies,
    );
    // The deletion form names its field `password`.
    if (!check.ok)
      return check.reason === 'invalid'
        ? invalid({ password: check.fieldErrors.currentPassword! })
        : check;
  }
  // Queued before the account goes: the notice is addressed from its row.
  const row = await findUserById(db, user.id);
  if (row)
    await sendNotice(
      db,
      mailer,
      row,
      (m, username, when) => m.accountDeleted(username, when),
      ctx,
      'change',
    );
  await revokeAllSessions(db, user.id, 'account_deleted');
  await deleteUser(db, user.id);
  await recordSecurityEvent(
    db,
    { type: 'account_deleted', username: user.username },
    ctx.client,
    ctx.now,
  );
  return { ok: true };
}
