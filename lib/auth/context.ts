// What the core's functions are given (who is asking, when, under which rules) and the shapes
// common to their answers. Nothing here imports anything, so every core module can use it.

/** Who is asking: the client IP as the server resolved it, and the user agent. */
export type ClientInfo = { ip: string | null; userAgent: string | null };

/** Who is asking, and when: passed in so tests can set the clock. */
export type RequestContext = { now: Date; client: ClientInfo };

export type User = { id: number; username: string };

export type PasswordPolicy = { minLength: number };
export type UserPolicy = PasswordPolicy & { bcryptCost: number };
export type SessionPolicy = { idleTimeoutMs: number; absoluteTimeoutMs: number };

export type ThrottlePolicy = {
  accountFreeFailures: number; // consecutive failures allowed before delays start
  accountMaxDelayMs: number; // the delay doubles up to this cap: never a permanent lockout
  ipFailures: number; // failed logins per client IP, across all accounts, per window
  ipWindowMs: number;
  registrationsPerIp: number;
  registrationWindowMs: number;
  resetsPerIp: number; // password-reset requests per client IP per window
  resetsPerAccount: number; // password-reset requests per account per window
  resetWindowMs: number;
};

/** The rules the account functions apply; `getConfig()` satisfies it. */
export type AuthPolicies = { user: UserPolicy; throttle: ThrottlePolicy };

/** Nothing was checked: too many attempts (throttled), or no hashing thread free in time (busy). */
export type Refused = {
  ok: false;
  reason: 'throttled' | 'busy';
  retryAfterSeconds: number;
  message: string;
};
