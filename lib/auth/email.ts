import type { Db } from '@/db';
import { isUniqueViolation } from '@/db/errors';
import {
  consumeToken,
  deleteUserTokens,
  findUsableToken,
  replaceToken,
} from '@/db/queries/one-time-tokens';
import {
  findUserByEmail,
  findUserById,
  setEmail,
  setPendingEmail,
  setVerifiedEmail,
} from '@/db/queries/users';
import { runTransaction, type TransactionStep } from '@/db/transaction';
import { mailStep, type Mailer } from '../mail/outbox';
import type { Actor, AuthPolicies, RequestContext, Refused, User } from './context';
import type { ReauthenticationRequired } from './second-factor-check';
import { recordSecurityEvent, securityEventStep } from './events';
import { parseEmailAddress } from './email-address';
import { noticeSteps } from './notices';
import { RESET } from './password-reset';
import { generateToken, hashToken, isTokenShaped } from './tokens';
import { countVerificationMail } from './verification-mail';
import { stepUp } from './step-up';
import { invalid, type Invalid } from './validation';

// An account's email address: optional, verified by a link mailed to it before it counts, and one
// account's at most. Nothing tells a visitor whether an address is taken: the answer is always
// that a link was sent; when the address belongs to another account, the mail sent there says so
// instead of verifying anything.

const VERIFY = 'verify_email';

export type EmailField = 'email' | 'currentPassword';
export type EmailChangeResult =
  { ok: true; address: string } | Invalid<EmailField> | ReauthenticationRequired | Refused;

/**
 * The steps that make `address` the account's address waiting for verification: a link to it, or,
 * if another account has verified it, a mail saying so and no link.
 */
async function verificationSteps(
  db: Db,
  mailer: Mailer,
  user: User,
  address: string,
  now: Date,
): Promise<TransactionStep[]> {
  const steps = [setPendingEmail(db, user.id, address)];
  const owner = await findUserByEmail(db, address);
  if (owner && owner.id !== user.id) {
    steps.push(
      deleteUserTokens(db, user.id, VERIFY),
      mailStep(db, mailer, address, mailer.messages.emailInUse(address), now),
    );
    return steps;
  }
  const token = generateToken();
  const ttlMs = mailer.settings.verifyTtlMs;
  const row = {
    tokenHash: hashToken(token),
    purpose: VERIFY,
    userId: user.id,
    target: address,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ttlMs),
    usedAt: null,
    attempts: 0,
  };
  const link = `${mailer.appOrigin}/verify-email?token=${token}`;
  steps.push(
    ...replaceToken(db, row),
    mailStep(
      db,
      mailer,
      address,
      mailer.messages.verifyEmail(user.username, address, link, ttlMs),
      now,
    ),
  );
  return steps;
}

/** Starts verifying the address a new account registered with (already validated). */
export async function startEmailVerification(
  db: Db,
  mailer: Mailer,
  user: User,
  address: string,
  ctx: RequestContext,
): Promise<void> {
  const event = securityEventStep(
    db,
    { type: 'email_change_requested', userId: user.id },
    ctx.client,
    ctx.now,
  );
  await runTransaction(db, [
    ...(await verificationSteps(db, mailer, user, address, ctx.now)),
    event.step,
  ]);
  event.log();
  mailer.wake();
}

/**
 * Adds or changes the account's address, after checking the current password: a link goes to the
 * new address, and a notice to the verified one it is to replace, which stays in use until then.
 */
export async function changeEmail(
  db: Db,
  { user, session }: Actor,
  input: Record<string, unknown>,
  ctx: RequestContext,
  policies: AuthPolicies,
  mailer: Mailer,
): Promise<EmailChangeResult> {
  const parsed = parseEmailAddress(input.email);
  const password =
    typeof input.currentPassword === 'string' ? input.currentPassword.slice(0, 1024) : '';
  if (!parsed.ok)
    return invalid({
      email: parsed.message,
      ...(password ? {} : { currentPassword: 'Enter your password.' }),
    });
  if (!password) return invalid({ currentPassword: 'Enter your password.' });
  const confirmed = await stepUp(db, { user, session }, password, 'email_change', ctx, policies);
  if (!confirmed.ok) return confirmed;

  const { address } = parsed;
  const row = (await findUserById(db, user.id))!;
  if (row.email === address) return invalid({ email: 'That is already your verified address.' });
  const counted = await countVerificationMail(
    db,
    mailer.settings,
    { userId: user.id, address },
    ctx.now,
  );
  if (!counted.ok) {
    await recordSecurityEvent(
      db,
      { type: 'throttled', userId: user.id, detail: `email_change:${counted.scope}` },
      ctx.client,
      ctx.now,
    );
    const { scope: _scope, ...refused } = counted;
    return refused;
  }
  const steps = await verificationSteps(db, mailer, user, address, ctx.now);
  if (row.email) {
    const change = `a change to ${address} was asked for. It takes effect when the new address is verified; until then mail keeps coming here.`;
    steps.push(
      ...(await noticeSteps(
        db,
        mailer,
        row,
        (m, username, when) => m.emailChanged(username, change, when),
        ctx,
        'change',
      )),
    );
  }
  const event = securityEventStep(
    db,
    { type: 'email_change_requested', userId: user.id },
    ctx.client,
    ctx.now,
  );
  await runTransaction(db, [...steps, event.step]);
  event.log();
  mailer.wake();
  return { ok: true, address };
}

export type EmailRemovalResult =
  { ok: true } | Invalid<'currentPassword'> | ReauthenticationRequired | Refused;

/** Removes both the verified and the waiting address, after checking the current password. */
export async function removeEmail(
  db: Db,
  { user, session }: Actor,
  input: Record<string, unknown>,
  ctx: RequestContext,
  policies: AuthPolicies,
  mailer: Mailer,
): Promise<EmailRemovalResult> {
  const password =
    typeof input.currentPassword === 'string' ? input.currentPassword.slice(0, 1024) : '';
  if (!password) return invalid({ currentPassword: 'Enter your password.' });
  const confirmed = await stepUp(db, { user, session }, password, 'email_change', ctx, policies);
  if (!confirmed.ok) return confirmed;
  const row = (await findUserById(db, user.id))!;
  const change =
    'it was removed. Password reset by email is off for the account until an address is added and verified.';
  const notice = await noticeSteps(
    db,
    mailer,
    row,
    (m, username, when) => m.emailChanged(username, change, when),
    ctx,
    'change',
  );
  const event = securityEventStep(
    db,
    { type: 'email_removed', userId: user.id },
    ctx.client,
    ctx.now,
  );
  await runTransaction(db, [
    setEmail(db, user.id, null),
    deleteUserTokens(db, user.id, VERIFY),
    deleteUserTokens(db, user.id, RESET),
    ...notice,
    event.step,
  ]);
  event.log();
  mailer.wake();
  return { ok: true };
}

export type VerifyEmailResult =
  { ok: true; address: string } | { ok: false; reason: 'invalid_link' | 'address_taken' };

/** Verifies the address a link was mailed to: the link works once, before it expires. */
export async function verifyEmail(
  db: Db,
  token: unknown,
  ctx: RequestContext,
): Promise<VerifyEmailResult> {
  if (!isTokenShaped(token)) return { ok: false, reason: 'invalid_link' };
  const tokenHash = hashToken(token);
  const row = await findUsableToken(db, tokenHash, VERIFY, ctx.now);
  if (!row?.target) return { ok: false, reason: 'invalid_link' };
  const event = securityEventStep(
    db,
    { type: 'email_verified', userId: row.userId },
    ctx.client,
    ctx.now,
  );
  try {
    const done = await runTransaction(db, [
      consumeToken(db, tokenHash, VERIFY, ctx.now),
      setVerifiedEmail(db, row.userId, row.target),
      // Reset links went to the address this one replaces.
      deleteUserTokens(db, row.userId, RESET),
      event.step,
    ]);
    if (!done) return { ok: false, reason: 'invalid_link' };
  } catch (error) {
    // Another account verified the same address first.
    if (isUniqueViolation(error)) return { ok: false, reason: 'address_taken' };
    throw error;
  }
  event.log();
  return { ok: true, address: row.target };
}

/** Whether a verification link is still good, and for which account (the confirmation page; nothing is used up). */
export async function findEmailVerification(
  db: Db,
  token: unknown,
  now: Date,
): Promise<{ address: string; username: string } | null> {
  if (!isTokenShaped(token)) return null;
  const row = await findUsableToken(db, hashToken(token), VERIFY, now);
  const user = row?.target && (await findUserById(db, row.userId));
  return row?.target && user ? { address: row.target, username: user.username } : null;
}

export type OperatorEmailResult = { ok: true } | { ok: false; message: string };

/** The command line: sets a verified address without mail (the operator vouches for it), or clears it. */
export async function setEmailByOperator(
  db: Db,
  user: User,
  raw: string | null,
  ctx: RequestContext,
): Promise<OperatorEmailResult> {
  let address: string | null = null;
  if (raw !== null) {
    const parsed = parseEmailAddress(raw);
    if (!parsed.ok) return { ok: false, message: parsed.message };
    address = parsed.address;
  }
  try {
    await runTransaction(db, [
      setEmail(db, user.id, address),
      deleteUserTokens(db, user.id, VERIFY),
      deleteUserTokens(db, user.id, RESET),
    ]);
  } catch (error) {
    if (isUniqueViolation(error))
      return { ok: false, message: 'That address belongs to another account.' };
    throw error;
  }
  const type = address ? 'email_verified' : 'email_removed';
  await recordSecurityEvent(
    db,
    { type, userId: user.id, detail: 'by an operator' },
    ctx.client,
    ctx.now,
  );
  return { ok: true };
}

/** The account's verified address and the one waiting for verification (the account page). */
export async function getEmailAddresses(
  db: Db,
  userId: number,
): Promise<{ email: string | null; pendingEmail: string | null }> {
  const row = await findUserById(db, userId);
  return { email: row?.email ?? null, pendingEmail: row?.pendingEmail ?? null };
}
