import type { Db } from '@/db';
import {
  consumeToken,
  deleteOtherTokens,
  findUsableToken,
  replaceToken,
} from '@/db/queries/one-time-tokens';
import { deleteCounterStep, incrementCounter } from '@/db/queries/throttle';
import {
  findUserByEmail,
  findUserById,
  findUserByUsername,
  setPasswordHash,
} from '@/db/queries/users';
import { runTransaction } from '@/db/transaction';
import { mailStep, type Mailer } from '../mail/outbox';
import type { AuthPolicies, RequestContext, Refused } from './context';
import { getBreachProblem } from './breached-passwords';
import { clientThrottleKey } from './client-throttle-key';
import { recordSecurityEvent, securityEventStep } from './events';
import { parseEmailAddress } from './email-address';
import { noticeSteps } from './notices';
import { isBusy, orBusy } from './password';
import { hashPassword } from './password-hashing';
import { endAllSessions } from './session';
import { generateToken, hashToken, isTokenShaped } from './tokens';
import { accountKey, secondFactorKey } from './throttle';
import { normalizeUsername } from './username';
import { firstFieldErrors, invalid, passwordResetSchema, type Invalid } from './validation';

// Recovery by email, after OWASP's Forgot Password cheat sheet: a 256-bit token, kept only as its
// hash, in a link built from APP_ORIGIN (never from the request's Host), good once and for
// PASSWORD_RESET_TTL, and only while the account still has the address it went to; asking again
// retires the old link, and so do a password change and any change of address. Opening the link
// uses nothing up (mail scanners follow links); setting the password does, in the same
// transaction that ends every session and pending login, retires every other link, clears the
// account's throttle and queues a notice. Nobody is signed in by it: they log in with the new
// password.

export const RESET = 'reset_password';
const MAX_IDENTIFIER = 256;

/**
 * Mails a reset link to the verified address of the account named (by username or by that
 * address), within the throttles per client IP and per account. Says nothing about what it
 * found: callers answer the same whatever happened, and should call this after answering, so the
 * time taken tells nothing either.
 */
export async function requestPasswordReset(
  db: Db,
  input: Record<string, unknown>,
  ctx: RequestContext,
  policies: AuthPolicies,
  mailer: Mailer,
): Promise<void> {
  const identifier =
    typeof input.identifier === 'string' ? input.identifier.trim().slice(0, MAX_IDENTIFIER) : '';
  if (!identifier) return;
  const { throttle } = policies;
  const byIp = await incrementCounter(
    db,
    `reset-ip:${clientThrottleKey(ctx.client.ip, throttle)}`,
    ctx.now,
    throttle.resetWindowMs,
  );
  if (byIp.count > throttle.resetsPerIp) {
    await recordSecurityEvent(
      db,
      { type: 'throttled', detail: 'password_reset:ip' },
      ctx.client,
      ctx.now,
    );
    return;
  }
  const address = identifier.includes('@') ? parseEmailAddress(identifier) : null;
  const user = address
    ? address.ok
      ? await findUserByEmail(db, address.address)
      : undefined
    : await findUserByUsername(db, normalizeUsername(identifier));
  if (!user?.email) return;
  const byAccount = await incrementCounter(
    db,
    `reset-account:${user.id}`,
    ctx.now,
    throttle.resetWindowMs,
  );
  if (byAccount.count > throttle.resetsPerAccount) {
    await recordSecurityEvent(
      db,
      { type: 'throttled', userId: user.id, detail: 'password_reset:account' },
      ctx.client,
      ctx.now,
    );
    return;
  }

  const token = generateToken();
  const ttlMs = mailer.settings.resetTtlMs;
  const row = {
    tokenHash: hashToken(token),
    purpose: RESET,
    userId: user.id,
    target: user.email,
    createdAt: ctx.now,
    expiresAt: new Date(ctx.now.getTime() + ttlMs),
    usedAt: null,
    attempts: 0,
  };
  const link = `${mailer.appOrigin}/reset-password?token=${token}`;
  const event = securityEventStep(
    db,
    { type: 'password_reset_requested', userId: user.id },
    ctx.client,
    ctx.now,
  );
  await runTransaction(db, [
    ...replaceToken(db, row),
    mailStep(
      db,
      mailer,
      user.email,
      mailer.messages.resetLink(user.username, link, ttlMs),
      ctx.now,
    ),
    event.step,
  ]);
  event.log();
  mailer.wake();
}

/** The account a reset link is for, while the link is still good (the form page; nothing is used up). */
export async function findPasswordReset(
  db: Db,
  token: unknown,
  now: Date,
): Promise<{ username: string } | null> {
  if (!isTokenShaped(token)) return null;
  const row = await findUsableToken(db, hashToken(token), RESET, now);
  const user = row && (await findUserById(db, row.userId));
  return user && row.target !== null && user.email === row.target
    ? { username: user.username }
    : null;
}

export type ResetField = 'newPassword' | 'confirmNewPassword';
export type ResetResult =
  | { ok: true; username: string }
  | { ok: false; reason: 'invalid_link' }
  | Invalid<ResetField>
  | Refused;

/** Sets the new password through a reset link, using the link up. */
export async function completePasswordReset(
  db: Db,
  input: Record<string, unknown>,
  ctx: RequestContext,
  policies: AuthPolicies,
  mailer: Mailer | null,
): Promise<ResetResult> {
  const invalidLink = { ok: false, reason: 'invalid_link' } as const;
  if (!isTokenShaped(input.token)) return invalidLink;
  const tokenHash = hashToken(input.token);
  const link = await findUsableToken(db, tokenHash, RESET, ctx.now);
  const user = link && (await findUserById(db, link.userId));
  if (!user || link.target === null || user.email !== link.target) return invalidLink;
  const sentTo = link.target;

  // The password's rules and its hash come first: a weak password or a busy server uses nothing up.
  const parsed = passwordResetSchema(user.username, policies.user).safeParse(input);
  if (!parsed.success) return invalid(firstFieldErrors<ResetField>(parsed.error));
  const breached = await getBreachProblem(db, parsed.data.newPassword, ctx, policies, user.id);
  if (breached) return invalid({ newPassword: breached });
  const passwordHash = await orBusy(
    hashPassword(parsed.data.newPassword, policies.user.bcryptCost),
  );
  if (isBusy(passwordHash)) return passwordHash;

  const event = securityEventStep(
    db,
    { type: 'password_reset', userId: user.id },
    ctx.client,
    ctx.now,
  );
  const notice = await noticeSteps(
    db,
    mailer,
    user,
    (m, username, when) => m.passwordWasReset(username, when),
    ctx,
    'change',
  );
  const ended = endAllSessions(db, user.id);
  const done = await runTransaction(db, [
    // The address is checked again as the password is set: one removed meanwhile ends the link.
    setPasswordHash(db, user.id, passwordHash, { email: sentTo }),
    consumeToken(db, tokenHash, RESET, ctx.now),
    ended.step,
    deleteOtherTokens(db, user.id, tokenHash),
    deleteCounterStep(db, accountKey(user.username)),
    deleteCounterStep(db, secondFactorKey(user.id)),
    deleteCounterStep(db, `reset-account:${user.id}`),
    ...notice,
    event.step,
  ]);
  if (!done) return invalidLink;
  ended.record('password_reset');
  event.log();
  mailer?.wake();
  return { ok: true, username: user.username };
}
