import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeClientDataJSON } from '@simplewebauthn/server/helpers';
import { z } from 'zod';
import type { Db } from '@/db';
import type { PasskeyRow } from '@/db/schema';
import {
  consumePasskeyChallenge,
  deletePasskey,
  deleteSpentPasskeyChallenges,
  findPasskeyByCredentialId,
  findUserPasskeys,
  insertPasskey,
  insertPasskeyChallenge,
  recordPasskeyUse,
  renamePasskey as renamePasskeyRow,
} from '@/db/queries/passkeys';
import { findCounter, incrementCounter, uncount } from '@/db/queries/throttle';
import { findUserById } from '@/db/queries/users';
import type { Mailer } from '../mail/outbox';
import { metrics } from '../metrics';
import type { Actor, AuthPolicies, RequestContext, Refused, SignIn, User } from './context';
import { recordSecurityEvent, type SecurityEvent } from './events';
import { sendNotice } from './notices';
import { recordSignIn } from './sign-in';
import { passkeyStartKey } from './throttle';
import { stepUp } from './step-up';
import { provesSecondFactor, type ReauthenticationRequired } from './second-factor-check';
import { elevateSession, type RotatedSession } from './session';
import { hashToken } from './tokens';
import { invalid, type Invalid } from './validation';

// Passkeys (WebAuthn) by the specification, with @simplewebauthn/server: the relying party and
// the origins come from configuration, never from a request; user verification is required in
// both ceremonies, so a passkey is both factors; attestation is not asked for. A challenge is
// random, kept as its hash with a five-minute life, held by the asking browser alone (its sealed
// cookie), and used up before the response is checked; each new one deletes a few spent ones. The
// signature counter is kept: one that does not move forward refuses the sign-in, is recorded and
// mailed (a copied authenticator).

const REGISTRATION = 'registration';
const LOGIN = 'login';
export type CeremonyPurpose = typeof REGISTRATION | typeof LOGIN;
const CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_NAME = 64;
const DEFAULT_NAME = 'Passkey';
// Spent challenges deleted as each new one is stored: more than one, so they never pile up.
const SPENT_CHALLENGES_PURGED = 10;

// The user handle a passkey is registered with; a discoverable passkey names it in its answers.
const userHandleOf = (userId: number) => `gatehouse-user-${userId}`;

export type PasskeySummary = {
  id: number;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
};

const summary = (row: PasskeyRow): PasskeySummary => ({
  id: row.id,
  name: row.name,
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
});

export async function listPasskeys(db: Db, userId: number): Promise<PasskeySummary[]> {
  return (await findUserPasskeys(db, userId)).map(summary);
}

/** A ceremony's challenge, for the browser's sealed cookie; its hash is kept for five minutes. */
export type Ceremony<Options> = { options: Options; challenge: string };

async function keepChallenge(
  db: Db,
  challenge: string,
  purpose: CeremonyPurpose,
  userId: number | null,
  now: Date,
  throttleKey: string | null = null,
): Promise<void> {
  await insertPasskeyChallenge(db, {
    challengeHash: hashToken(challenge),
    purpose,
    userId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS),
    usedAt: null,
    throttleKey,
  });
  await deleteSpentPasskeyChallenges(db, now, SPENT_CHALLENGES_PURGED);
}

export type RegistrationStart =
  | ({ ok: true } & Ceremony<PublicKeyCredentialCreationOptionsJSON>)
  | Invalid<'currentPassword'>
  | ReauthenticationRequired
  | Refused;

/** Adding a passkey, first step: the password (and freshness, with a second factor), then options. */
export async function startPasskeyRegistration(
  db: Db,
  { user, session }: Actor,
  input: { currentPassword?: unknown },
  ctx: RequestContext,
  policies: AuthPolicies,
): Promise<RegistrationStart> {
  const confirmed = await stepUp(
    db,
    { user, session },
    input.currentPassword,
    'passkey',
    ctx,
    policies,
  );
  if (!confirmed.ok) return confirmed;
  const existing = await findUserPasskeys(db, user.id);
  const options = await generateRegistrationOptions({
    rpName: policies.passkeys.rpName,
    rpID: policies.passkeys.rpId,
    userName: user.username,
    userID: new TextEncoder().encode(userHandleOf(user.id)),
    attestationType: 'none',
    timeout: CHALLENGE_TTL_MS,
    excludeCredentials: existing.map((row) => ({
      id: row.credentialId,
      transports: parseTransports(row.transports),
    })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  await keepChallenge(db, options.challenge, REGISTRATION, user.id, ctx.now);
  return { ok: true, options, challenge: options.challenge };
}

export type PasskeyRefusal = { ok: false; reason: 'refused'; message: string };
const refusal = (message: string): PasskeyRefusal => ({ ok: false, reason: 'refused', message });
const EXPIRED = refusal('This passkey request has expired or was already used. Try again.');

export type RegistrationResult =
  | { ok: true; passkey: PasskeySummary; rotated: RotatedSession | null }
  | Invalid<'name'>
  | PasskeyRefusal;

/**
 * Adding a passkey, second step: the browser's response, checked against the challenge it held.
 * A session signed in with the password alone has now proved a passkey as well, so it rises as it
 * does when an authenticator app is set up (`rotated`: its new token, for the browser's cookie).
 */
export async function finishPasskeyRegistration(
  db: Db,
  { user, session }: Actor,
  challenge: string | null,
  input: { response?: unknown; name?: unknown },
  ctx: RequestContext,
  policies: AuthPolicies,
  mailer: Mailer | null,
): Promise<RegistrationResult> {
  const name = parseName(input.name);
  if (!name.ok) return name;
  if (!challenge) return EXPIRED;
  if (!(await consumePasskeyChallenge(db, hashToken(challenge), REGISTRATION, user.id, ctx.now)))
    return EXPIRED;
  const response = registrationResponse.safeParse(input.response);
  if (!response.success) return refusal('The browser sent no usable passkey.');
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response: response.data as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: [...policies.passkeys.origins],
      expectedRPID: policies.passkeys.rpId,
      requireUserVerification: true,
    });
  } catch {
    verified = { verified: false };
  }
  if (!verified.verified || !verified.registrationInfo?.userVerified)
    return refusal('The passkey could not be checked. Try again, unlocking it when asked.');
  const { credential } = verified.registrationInfo;
  const row = {
    userId: user.id,
    credentialId: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: credential.transports ? JSON.stringify(credential.transports) : null,
    name: name.name,
    createdAt: ctx.now,
    lastUsedAt: null,
  };
  if (!(await insertPasskey(db, row))) return refusal('That passkey is already registered.');
  await recordWithNotice(
    db,
    mailer,
    { type: 'passkey_added', userId: user.id, detail: name.name },
    (m, username, when) => m.passkeyAdded(username, name.name, when),
    ctx,
  );
  const stored = await findPasskeyByCredentialId(db, credential.id);
  const rotated = provesSecondFactor(session.authMethod)
    ? null
    : await elevateSession(db, session.id, 'passkey', ctx.now);
  return { ok: true, passkey: summary(stored!), rotated };
}

// Starting a sign-in needs nothing and stores a challenge, so only so many may be started per
// window (a generous multiple of the failed-login allowance) that do not end in a sign-in: each
// start counts, and a successful sign-in gives its start back, so the bound holds what was never
// answered or failed. A browser that has signed in here before (its device cookie) is counted on
// its own, as its password attempts are (decision 005): strangers sharing its network's address
// cannot use up its sign-ins. A start refused by the bound is not counted.
const STARTS_PER_FAILURE_ALLOWED = 20;

/** Signing in, first step: options for any passkey of this site (discoverable credentials). */
export async function startPasskeyLogin(
  db: Db,
  ctx: RequestContext,
  policies: AuthPolicies,
  trustedDeviceId: string | null = null,
): Promise<({ ok: true } & Ceremony<PublicKeyCredentialRequestOptionsJSON>) | Refused> {
  const { throttle } = policies;
  const key = passkeyStartKey(ctx.client.ip, trustedDeviceId, throttle);
  const allowed = throttle.ipFailures * STARTS_PER_FAILURE_ALLOWED;
  // Read first, so a flood that is refused anyway writes nothing.
  const before = await findCounter(db, key);
  if (before && before.resetAt > ctx.now && before.count >= allowed)
    return tooManyStarts(before.resetAt, ctx.now);
  const counted = await incrementCounter(db, key, ctx.now, throttle.ipWindowMs);
  if (counted.count > allowed) {
    await uncount(db, key);
    return tooManyStarts(counted.resetAt, ctx.now);
  }
  const options = await generateAuthenticationOptions({
    rpID: policies.passkeys.rpId,
    userVerification: 'required',
    timeout: CHALLENGE_TTL_MS,
  });
  await keepChallenge(db, options.challenge, LOGIN, null, ctx.now, key);
  return { ok: true, options, challenge: options.challenge };
}

const tooManyStarts = (resetAt: Date, now: Date): Refused => ({
  ok: false,
  reason: 'throttled',
  retryAfterSeconds: Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000)),
  message: 'Too many passkey sign-ins were started and not finished here. Try again later.',
});

export type PasskeyLogInResult = { ok: true; user: User; signIn: SignIn } | PasskeyRefusal;

const NOT_SIGNED_IN = refusal('That passkey did not sign you in. Try again, or use your password.');

/**
 * Signing in, second step. A user-verified passkey is both factors: the result goes to
 * completeLogIn like any other sign-in. `knownBrowser` is the account this browser has signed in
 * to before (its device cookie), for the new-browser notice.
 */
export async function finishPasskeyLogin(
  db: Db,
  challenge: string | null,
  input: { response?: unknown },
  ctx: RequestContext,
  policies: AuthPolicies,
  mailer: Mailer | null,
  knownBrowser: string | null = null,
): Promise<PasskeyLogInResult> {
  if (!challenge) return EXPIRED;
  const consumed = await consumePasskeyChallenge(db, hashToken(challenge), LOGIN, null, ctx.now);
  if (!consumed) return EXPIRED;
  const response = authenticationResponse.safeParse(input.response);
  const passkey = response.success && (await findPasskeyByCredentialId(db, response.data.id));
  if (!response.success || !passkey) {
    await failure(db, null, 'unknown passkey', ctx);
    return NOT_SIGNED_IN;
  }
  // WebAuthn §7.2: a user handle the answer names must be that of the passkey's owner.
  const { userHandle } = response.data.response;
  if (
    userHandle !== undefined &&
    Buffer.from(userHandle, 'base64url').toString('utf8') !== userHandleOf(passkey.userId)
  ) {
    await failure(db, passkey.userId, 'user handle mismatch', ctx);
    return NOT_SIGNED_IN;
  }
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>> | null;
  try {
    verified = await verifyAuthenticationResponse({
      response: response.data as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: [...policies.passkeys.origins],
      expectedRPID: policies.passkeys.rpId,
      // The counter is compared below, where a regression is recorded rather than thrown.
      credential: {
        id: passkey.credentialId,
        publicKey: Buffer.from(passkey.publicKey, 'base64url'),
        counter: 0,
        transports: parseTransports(passkey.transports),
      },
      requireUserVerification: true,
    });
  } catch {
    verified = null;
  }
  if (!verified?.verified || !verified.authenticationInfo.userVerified) {
    await failure(db, passkey.userId, 'not verified', ctx);
    return NOT_SIGNED_IN;
  }
  const { newCounter } = verified.authenticationInfo;
  if ((passkey.counter > 0 || newCounter > 0) && newCounter <= passkey.counter) {
    await recordWithNotice(
      db,
      mailer,
      { type: 'passkey_counter_regressed', userId: passkey.userId, detail: passkey.name },
      (m, username, when) => m.passkeyCloned(username, passkey.name, when),
      ctx,
    );
    return NOT_SIGNED_IN;
  }
  if (!(await recordPasskeyUse(db, passkey.id, passkey.counter, newCounter, ctx.now)))
    return NOT_SIGNED_IN; // another response with this passkey was counted first
  const row = await findUserById(db, passkey.userId);
  if (!row) return NOT_SIGNED_IN;
  if (consumed.throttleKey) await uncount(db, consumed.throttleKey); // a success gives its start back
  await recordSignIn(db, mailer, row, 'passkey', knownBrowser !== row.username, ctx);
  return {
    ok: true,
    user: { id: row.id, username: row.username },
    signIn: { method: 'passkey', reauthenticatedAt: ctx.now, credentialsVersion: null },
  };
}

/**
 * The challenge a browser's answer (either ceremony's) says it answers, from its client data: the
 * one to look for among those its cookie holds. The signature over it is checked later.
 */
export function answeredChallenge(response: unknown): string | null {
  const parsed = clientDataOf.safeParse(response);
  if (!parsed.success) return null;
  try {
    const { challenge } = decodeClientDataJSON(parsed.data.response.clientDataJSON);
    return typeof challenge === 'string' && challenge.length <= MAX_CHALLENGE ? challenge : null;
  } catch {
    return null; // not base64url of JSON
  }
}

export async function renamePasskey(
  db: Db,
  { user }: Actor,
  id: unknown,
  input: { name?: unknown },
): Promise<{ ok: true } | Invalid<'name'> | PasskeyRefusal> {
  const name = parseName(input.name);
  if (!name.ok) return name;
  const passkeyId = parseId(id);
  if (passkeyId === null || !(await renamePasskeyRow(db, user.id, passkeyId, name.name)))
    return refusal('No such passkey among yours.');
  return { ok: true };
}

export type RemovalResult =
  | { ok: true; name: string }
  | Invalid<'currentPassword'>
  | ReauthenticationRequired
  | PasskeyRefusal
  | Refused;

/** Removes one of the user's passkeys: the password (and freshness, with a second factor). */
export async function removePasskey(
  db: Db,
  actor: Actor,
  id: unknown,
  input: { currentPassword?: unknown },
  ctx: RequestContext,
  policies: AuthPolicies,
  mailer: Mailer | null,
): Promise<RemovalResult> {
  const { user, session } = actor;
  const confirmed = await stepUp(
    db,
    { user, session },
    input.currentPassword,
    'passkey',
    ctx,
    policies,
  );
  if (!confirmed.ok) return confirmed;
  return removeOne(db, user.id, id, ctx, mailer);
}

/** An operator's removal, at the command line. */
export async function removePasskeyByOperator(
  db: Db,
  user: User,
  id: unknown,
  ctx: RequestContext,
  mailer: Mailer | null,
): Promise<{ ok: true; name: string } | PasskeyRefusal> {
  return removeOne(db, user.id, id, ctx, mailer, 'operator');
}

async function removeOne(
  db: Db,
  userId: number,
  id: unknown,
  ctx: RequestContext,
  mailer: Mailer | null,
  by?: string,
): Promise<{ ok: true; name: string } | PasskeyRefusal> {
  const passkeyId = parseId(id);
  const removed = passkeyId === null ? undefined : await deletePasskey(db, userId, passkeyId);
  if (!removed) return refusal('No such passkey among yours.');
  await recordWithNotice(
    db,
    mailer,
    { type: 'passkey_removed', userId, detail: by ? `${removed.name} (${by})` : removed.name },
    (m, username, when) => m.passkeyRemoved(username, removed.name, when),
    ctx,
  );
  return { ok: true, name: removed.name };
}

/** Records the event, and tells the owner of the account it is about. */
async function recordWithNotice(
  db: Db,
  mailer: Mailer | null,
  event: SecurityEvent & { userId: number },
  compose: Parameters<typeof sendNotice>[3],
  ctx: RequestContext,
): Promise<void> {
  await recordSecurityEvent(db, event, ctx.client, ctx.now);
  const row = await findUserById(db, event.userId);
  if (row) await sendNotice(db, mailer, row, compose, ctx, 'change');
}

async function failure(db: Db, userId: number | null, detail: string, ctx: RequestContext) {
  metrics().logins.inc({ outcome: 'failure' });
  await recordSecurityEvent(db, { type: 'passkey_failure', userId, detail }, ctx.client, ctx.now);
}

// A name is shown on the account page and in mail: control characters, and format characters
// (text-direction overrides, isolates and marks, zero-width characters) could make it read as
// another or hide part of it. Format characters are looked for before spaces are tidied, as
// JavaScript counts U+FEFF as a space.
const FORMAT = /\p{Cf}/u;
const CONTROL = /[\p{Cc}\p{Cs}]/u;
const HIDDEN_CHARACTERS = 'Leave out control characters and invisible or text-direction marks.';

function parseName(raw: unknown): { ok: true; name: string } | Invalid<'name'> {
  if (raw === undefined || raw === null || raw === '') return { ok: true, name: DEFAULT_NAME };
  if (typeof raw !== 'string') return invalid({ name: 'Give the passkey a name.' });
  if (FORMAT.test(raw)) return invalid({ name: HIDDEN_CHARACTERS });
  const name = raw.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (!name) return { ok: true, name: DEFAULT_NAME };
  if ([...name].length > MAX_NAME) return invalid({ name: `At most ${MAX_NAME} characters.` });
  if (CONTROL.test(name)) return invalid({ name: HIDDEN_CHARACTERS });
  return { ok: true, name };
}

// Plain decimal digits only: Number() would also take '0x1', ' 2' or '1e0' as an id.
function parseId(raw: unknown): number | null {
  const id = typeof raw === 'string' && /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : raw;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null;
}

function parseTransports(raw: string | null): AuthenticatorTransport[] | undefined {
  if (!raw) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? (parsed as AuthenticatorTransport[]) : undefined;
  } catch {
    return undefined;
  }
}

// The shapes a browser sends; the library checks everything inside them.
const base64url = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]*$/);
const MAX_CHALLENGE = 128;
const clientDataOf = z.object({ response: z.object({ clientDataJSON: base64url }) });
const registrationResponse = z.object({
  id: base64url.max(1024),
  rawId: base64url.max(1024),
  type: z.literal('public-key'),
  response: z
    .object({
      clientDataJSON: base64url,
      attestationObject: base64url,
      transports: z.array(z.string().max(32)).max(16).optional(),
    })
    .loose(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.string().max(32).optional(),
});
const authenticationResponse = z.object({
  id: base64url.max(1024),
  rawId: base64url.max(1024),
  type: z.literal('public-key'),
  response: z
    .object({
      clientDataJSON: base64url,
      authenticatorData: base64url,
      signature: base64url,
      userHandle: base64url.optional(),
    })
    .loose(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.string().max(32).optional(),
});
