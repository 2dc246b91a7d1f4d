import type { Db } from '@/db';
import {
  countUnusedRecoveryCodes,
  disableSecondFactor as disableSteps,
  enableTotp,
  findTotpSecrets,
  replaceRecoveryCodes,
  resealTotpSecret,
} from '@/db/queries/second-factor';
import { deleteUserTokens } from '@/db/queries/one-time-tokens';
import { findUserById } from '@/db/queries/users';
import { runTransaction, type TransactionStep } from '@/db/transaction';
import type { Mailer } from '../mail/outbox';
import { createSecretBox } from '../secret-box';
import type {
  Actor,
  AuthPolicies,
  RequestContext,
  Refused,
  SecondFactorPolicy,
  User,
} from './context';
import { recordSecurityEvent, securityEventStep, type SecurityEventType } from './events';
import { PENDING_LOGIN } from './login';
import { noticeSteps, type NoticeRecipient } from './notices';
import { isBusy, orBusy } from './password';
import { hashPassword } from './password-hashing';
import { generateRecoveryCode, LOOKUP_LENGTH, RECOVERY_CODE_COUNT } from './recovery-codes';
import {
  checkSecondFactor,
  isEnrolled,
  sealTotpSecret,
  secretContext,
  type ReauthenticationRequired,
  type SecondFactorAnswer,
} from './second-factor-check';
import { elevateSession, revokeOtherSessions, type RotatedSession } from './session';
import { checkCurrentPassword, stepUp } from './step-up';
import { describeTotpSecret, generateTotpSecret, matchTotpStep } from './totp';
import { invalid, type Invalid } from './validation';

// Turning the authenticator app on and off, recovery codes, and fresh authentication. Enrolment
// is two steps: the password gives a new secret, sealed into an enrolment bound to this session
// and good for ENROLMENT_TTL (nothing is stored yet), and one right code from the app turns it on
// (that code counts as used), ends every other session and gives ten recovery codes, shown once.

const WRONG_CODE = 'That code is not right. Check the time on your phone, and try the next one.';
const ENROLMENT_TTL_MS = 10 * 60_000;
// Recovery codes carry 60 secret bits: a lower cost than for passwords keeps ten hashes quick
// and still makes each guess against a stolen hash slow.
const RECOVERY_CODE_MAX_COST = 10;

type NotOn = { ok: false; reason: 'not_enabled'; message: string };
type AlreadyOn = { ok: false; reason: 'already_enabled'; message: string };
const NOT_ON: NotOn = {
  ok: false,
  reason: 'not_enabled',
  message: 'Two-step sign-in is not on for this account.',
};
const ALREADY_ON: AlreadyOn = {
  ok: false,
  reason: 'already_enabled',
  message: 'Two-step sign-in is already on. Turn it off first to use another app.',
};

export type SecondFactorStatus = { enabledAt: Date | null; recoveryCodesLeft: number };

export async function getSecondFactorStatus(db: Db, userId: number): Promise<SecondFactorStatus> {
  const row = await findUserById(db, userId);
  if (!row || !isEnrolled(row)) return { enabledAt: null, recoveryCodesLeft: 0 };
  return {
    enabledAt: row.totpEnabledAt,
    recoveryCodesLeft: await countUnusedRecoveryCodes(db, userId),
  };
}

// Enrolment, turning off and reauthenticating check the password even outside REAUTH_WINDOW.
const checkPassword = (
  db: Db,
  user: User,
  input: { currentPassword?: unknown },
  ctx: RequestContext,
  policies: AuthPolicies,
) => checkCurrentPassword(db, user, input.currentPassword, ctx, policies, 'second_factor');

export type EnrolmentStart =
  | { ok: true; enrolment: string; uri: string; svg: string; secret: string }
  | Invalid<'currentPassword'>
  | AlreadyOn
  | Refused;

/** The first step: after the password, a new secret for the app, as a QR code and as text. */
export async function startTotpEnrolment(
  db: Db,
  { user, session }: Actor,
  input: { currentPassword?: unknown },
  ctx: RequestContext,
  policies: AuthPolicies,
): Promise<EnrolmentStart> {
  const row = await findUserById(db, user.id);
  if (row && isEnrolled(row)) return ALREADY_ON;
  const password = await checkPassword(db, user, input, ctx, policies);
  if (!password.ok) return password;
  const secret = generateTotpSecret();
  const enrolment = enrolmentBox(policies.secondFactor).seal(
    JSON.stringify({ secret, startedAt: ctx.now.getTime() }),
    enrolmentContext(user.id, session.id),
  );
  const described = await describeTotpSecret(secret, policies.secondFactor.issuer, user.username);
  return { ok: true, enrolment, ...described };
}

const enrolmentBox = (policy: SecondFactorPolicy) => createSecretBox(policy.keys, 'totp-secret');
const enrolmentContext = (userId: number, sessionId: string) => `enrolment:${userId}:${sessionId}`;

function openEnrolment(
  policy: SecondFactorPolicy,
  sealed: unknown,
  actor: Actor,
  now: Date,
): string | null {
  if (typeof sealed !== 'string' || sealed.length > 1024) return null;
  const opened = enrolmentBox(policy).open(
    sealed,
    enrolmentContext(actor.user.id, actor.session.id),
  );
  if (opened === null) return null;
  const { secret, startedAt } = JSON.parse(opened) as { secret: string; startedAt: number };
  return now.getTime() - startedAt < ENROLMENT_TTL_MS ? secret : null;
}

/** The enrolment again (its QR code and text), for showing it once more after a wrong code. */
export async function describeEnrolment(
  actor: Actor,
  enrolment: unknown,
  now: Date,
  policy: SecondFactorPolicy,
): Promise<(Awaited<ReturnType<typeof describeTotpSecret>> & { enrolment: string }) | null> {
  const secret = openEnrolment(policy, enrolment, actor, now);
  if (!secret) return null;
  const described = await describeTotpSecret(secret, policy.issuer, actor.user.username);
  return { ...described, enrolment: enrolment as string };
}

export type EnrolmentResult =
  | { ok: true; recoveryCodes: string[]; rotated: RotatedSession | null }
  | Invalid<'code'>
  | { ok: false; reason: 'enrolment_expired'; message: string }
  | AlreadyOn
  | Refused;

/**
 * The second step: a right code turns the app on. Every other session ends (whoever had the
 * password alone is out), and so does every pending login; this one counts as signed in with
 * both factors, just now, under a new token (`rotated`, for the browser's cookie).
 */
export async function confirmTotpEnrolment(
  db: Db,
  actor: Actor,
  input: { enrolment?: unknown; code?: unknown },
  ctx: RequestContext,
  policies: AuthPolicies,
  mailer: Mailer | null,
): Promise<EnrolmentResult> {
  const { user, session } = actor;
  const secret = openEnrolment(policies.secondFactor, input.enrolment, actor, ctx.now);
  if (!secret)
    return {
      ok: false,
      reason: 'enrolment_expired',
      message: 'This setup has expired. Start again.',
    };
  const step = matchTotpStep(secret, input.code, ctx.now, policies.secondFactor.driftSteps);
  if (step === null) return invalid({ code: WRONG_CODE });
  const row = await findUserById(db, user.id);
  if (!row) return ALREADY_ON;
  if (isEnrolled(row)) return ALREADY_ON;

  const codes = await newRecoveryCodes(db, user.id, ctx.now, policies);
  if (isBusy(codes)) return codes;
  const done = await commitRecorded(
    db,
    mailer,
    row,
    'second_factor_enabled',
    (m, username, when) => m.secondFactorEnabled(username, when),
    ctx,
    [
      enableTotp(
        db,
        user.id,
        sealTotpSecret(policies.secondFactor, user.username, secret),
        ctx.now,
        step,
      ),
      ...codes.steps,
      deleteUserTokens(db, user.id, PENDING_LOGIN),
    ],
  );
  if (!done) return ALREADY_ON;
  await revokeOtherSessions(db, user.id, session.id, ctx);
  const rotated = await elevateSession(db, session.id, 'password+totp', ctx.now);
  return { ok: true, recoveryCodes: codes.codes, rotated };
}

async function newRecoveryCodes(
  db: Db,
  userId: number,
  now: Date,
  policies: AuthPolicies,
): Promise<{ codes: string[]; steps: TransactionStep[] } | Refused> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
  const cost = Math.min(policies.user.bcryptCost, RECOVERY_CODE_MAX_COST);
  const hashes = await orBusy(
    Promise.all(codes.map((code) => hashPassword(code.replaceAll('-', ''), cost))),
  );
  if (isBusy(hashes)) return hashes;
  const rows = codes.map((code, i) => ({
    userId,
    lookup: code.slice(0, LOOKUP_LENGTH),
    codeHash: hashes[i]!,
    createdAt: now,
    usedAt: null,
  }));
  return { codes, steps: replaceRecoveryCodes(db, userId, rows) };
}

export type RegenerateResult =
  | { ok: true; recoveryCodes: string[] }
  | Invalid<'currentPassword'>
  | NotOn
  | ReauthenticationRequired
  | Refused;

/** Ten new recovery codes, shown once; the old ones stop working. */
export async function regenerateRecoveryCodes(
  db: Db,
  { user, session }: Actor,
  input: { currentPassword?: unknown },
  ctx: RequestContext,
  policies: AuthPolicies,
  mailer: Mailer | null,
): Promise<RegenerateResult> {
  const row = await findUserById(db, user.id);
  if (!row || !isEnrolled(row)) return NOT_ON;
  const confirmed = await stepUp(
    db,
    { user, session },
    input.currentPassword,
    'second_factor',
    ctx,
    policies,
  );
  if (!confirmed.ok) return confirmed;
  const codes = await newRecoveryCodes(db, user.id, ctx.now, policies);
  if (isBusy(codes)) return codes;
  await commitRecorded(
    db,
    mailer,
    row,
    'recovery_codes_replaced',
    (m, username, when) => m.recoveryCodesReplaced(username, when),
    ctx,
    codes.steps,
  );
  return { ok: true, recoveryCodes: codes.codes };
}

export type DisableResult = { ok: true } | Invalid<'currentPassword' | 'code'> | NotOn | Refused;

/** Turns the second factor off: the password and a current code or a recovery code. */
export async function disableTotp(
  db: Db,
  { user }: Actor,
  input: { currentPassword?: unknown } & SecondFactorAnswer,
  ctx: RequestContext,
  policies: AuthPolicies,
  mailer: Mailer | null,
): Promise<DisableResult> {
  const row = await findUserById(db, user.id);
  if (!row || !isEnrolled(row)) return NOT_ON;
  const password = await checkPassword(db, user, input, ctx, policies);
  if (!password.ok) return password;
  const checked = await checkSecondFactor(db, row, input, 'second_factor', ctx, policies);
  if (!checked.ok) return checked.reason === 'invalid' ? invalid({ code: WRONG_CODE }) : checked;
  await turnOff(db, row, 'it was turned off from the account page.', ctx, mailer);
  return { ok: true };
}

/** An operator's reset, for someone who lost both the app and the recovery codes. */
export async function resetSecondFactorByOperator(
  db: Db,
  user: User,
  ctx: RequestContext,
  mailer: Mailer | null,
): Promise<boolean> {
  const row = await findUserById(db, user.id);
  if (!row || !isEnrolled(row)) return false;
  await turnOff(db, row, 'an operator turned it off.', ctx, mailer, 'operator');
  return true;
}

async function turnOff(
  db: Db,
  row: { id: number; username: string; email: string | null },
  how: string,
  ctx: RequestContext,
  mailer: Mailer | null,
  detail?: string,
): Promise<void> {
  await commitRecorded(
    db,
    mailer,
    row,
    'second_factor_disabled',
    (m, username, when) => m.secondFactorDisabled(username, how, when),
    ctx,
    [...disableSteps(db, row.id), deleteUserTokens(db, row.id, PENDING_LOGIN)],
    { detail },
  );
}

/**
 * Makes a change to the account in one transaction with its security event and the notice to the
 * owner; false when a step that must succeed did not (nothing was changed).
 */
async function commitRecorded(
  db: Db,
  mailer: Mailer | null,
  row: NoticeRecipient,
  type: SecurityEventType,
  compose: Parameters<typeof noticeSteps>[3],
  ctx: RequestContext,
  steps: TransactionStep[],
  { detail }: { detail?: string } = {},
): Promise<boolean> {
  const event = securityEventStep(db, { type, userId: row.id, detail }, ctx.client, ctx.now);
  const notice = await noticeSteps(db, mailer, row, compose, ctx, 'change');
  const done = await runTransaction(db, [...steps, ...notice, event.step]);
  if (!done) return false;
  event.log();
  mailer?.wake();
  return true;
}

export type ReauthenticateResult =
  { ok: true; rotated: RotatedSession | null } | Invalid<'currentPassword' | 'code'> | Refused;

/**
 * Proves every factor again in this session, opening REAUTH_WINDOW for sensitive changes. The
 * time is kept on the session row, so it holds for this session alone, and the session gets a new
 * token (`rotated`, for the browser's cookie) as it does whenever its sign-in rises.
 */
export async function reauthenticate(
  db: Db,
  { user, session }: Actor,
  input: { currentPassword?: unknown } & SecondFactorAnswer,
  ctx: RequestContext,
  policies: AuthPolicies,
): Promise<ReauthenticateResult> {
  const password = await checkPassword(db, user, input, ctx, policies);
  if (!password.ok) return password;
  const row = await findUserById(db, user.id);
  let method = session.authMethod;
  if (row && isEnrolled(row)) {
    const checked = await checkSecondFactor(db, row, input, 'reauthentication', ctx, policies);
    if (!checked.ok) return checked.reason === 'invalid' ? invalid({ code: WRONG_CODE }) : checked;
    method = checked.method;
  }
  const rotated = await elevateSession(db, session.id, method, ctx.now);
  await recordSecurityEvent(db, { type: 'reauthenticated', userId: user.id }, ctx.client, ctx.now);
  return { ok: true, rotated };
}

/** Re-seals every authenticator secret under the newest key; returns how many were re-sealed. */
export async function resealTotpSecrets(db: Db, keys: readonly string[]): Promise<number> {
  const box = createSecretBox(keys, 'totp-secret');
  let resealed = 0;
  for (const row of await findTotpSecrets(db)) {
    if (box.isCurrent(row.totpSecret)) continue;
    const opened = box.open(row.totpSecret, secretContext(row.username));
    if (opened === null) continue; // under a key no longer listed: only an operator reset helps
    const sealed = box.seal(opened, secretContext(row.username));
    if (await resealTotpSecret(db, row.id, row.totpSecret, sealed)) resealed++;
  }
  return resealed;
}
