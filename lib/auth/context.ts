// What the core's functions are given (who is asking, when, under which rules) and the shapes
// common to their answers. Nothing here imports anything, so every core module can use it.

/** Who is asking: the client IP as the server resolved it, and the user agent. */
export type ClientInfo = { ip: string | null; userAgent: string | null };

/** Who is asking, and when: passed in so tests can set the clock. */
export type RequestContext = { now: Date; client: ClientInfo };

export type User = { id: number; username: string };

export type PasswordPolicy = {
  minLength: number;
  contextWords: readonly string[]; // lower-cased names tied to this site, kept out of passwords
};

/** Where new passwords are looked up among breached ones (Have I Been Pwned's range API). */
export type BreachedPasswordPolicy = {
  apiUrl: string | null; // null: no check
  timeoutMs: number; // the whole request, answer included
  onError: 'accept' | 'refuse'; // when no answer comes in time
};

export type UserPolicy = PasswordPolicy & {
  bcryptCost: number;
  breachedPasswords: BreachedPasswordPolicy;
};
export type SessionPolicy = { idleTimeoutMs: number; absoluteTimeoutMs: number };

export type ThrottlePolicy = {
  accountFreeFailures: number; // consecutive failures allowed before delays start
  accountMaxDelayMs: number; // the delay doubles up to this cap: never a permanent lockout
  accountFirstDelayMs?: number; // the first delay (a second unless given)
  ipFailures: number; // failed logins per client IP, across all accounts, per window
  ipWindowMs: number;
  ipv6PrefixLength: number; // an IPv6 client is counted by its network of this many bits
  registrationsPerIp: number;
  registrationWindowMs: number;
  resetsPerIp: number; // password-reset requests per client IP per window
  resetsPerAccount: number; // password-reset requests per account per window
  resetWindowMs: number;
};

export type SecondFactorPolicy = {
  issuer: string; // the name authenticator apps show beside the code
  reauthWindowMs: number; // how long a proof of every factor lets sensitive changes through
  driftSteps: number; // 0 or 1: how many 30-second steps either side of the server's a code may belong to
  required: 'none' | 'all'; // 'all': every account must have a second factor (see required-second-factor.ts)
  keys: readonly string[]; // encrypt the secrets at rest, newest first
};

/** Who the passkeys belong to: never taken from a request's headers. */
export type PasskeyPolicy = {
  rpId: string; // the relying party: APP_ORIGIN's host, or WEBAUTHN_RP_ID
  rpName: string; // shown by the browser when a passkey is made
  origins: readonly string[]; // where ceremonies may happen (APP_ORIGIN)
};

/** The rules the account functions apply; `getConfig()` satisfies it. */
export type AuthPolicies = {
  user: UserPolicy;
  throttle: ThrottlePolicy;
  secondFactor: SecondFactorPolicy;
  passkeys: PasskeyPolicy;
};

/**
 * How a session was started: the password alone (an account with no second factor), the password
 * and an authenticator code or a recovery code, or a passkey.
 */
export type AuthMethod = 'password' | 'password+totp' | 'password+recovery-code' | 'passkey';

/**
 * What the sign-in proved: its method, when every factor was last shown (fresh authentication),
 * and the account's credentials version the password was checked under (null where no password
 * was: a passkey). The session starts only if that version still holds.
 */
export type SignIn = {
  method: AuthMethod;
  reauthenticatedAt: Date | null;
  credentialsVersion: number | null;
};

/** Nothing was checked: too many attempts (throttled), or no hashing thread free in time (busy). */
export type Refused = {
  ok: false;
  reason: 'throttled' | 'busy';
  retryAfterSeconds: number;
  message: string;
};

/** Who makes a change to their own account, in which session (whose freshness counts). */
export type Actor = {
  user: User;
  session: { id: string; authMethod: AuthMethod; reauthenticatedAt: Date | null };
};
