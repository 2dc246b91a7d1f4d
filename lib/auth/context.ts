import type { ClientInfo } from './session';
import type { ThrottlePolicy } from './throttle';
import type { PasswordPolicy } from './password';

export type UserPolicy = PasswordPolicy & { bcryptCost: number };

/** The rules the account functions apply; `getConfig()` satisfies it. */
export type AuthPolicies = { user: UserPolicy; throttle: ThrottlePolicy };

/** Who is asking, and when: passed in so tests can set the clock. */
export type RequestContext = { now: Date; client: ClientInfo };

export type User = { id: number; username: string };

/** Nothing was checked: too many attempts (throttled), or no hashing thread free in time (busy). */
export type Refused = { ok: false; reason: 'throttled' | 'busy'; retryAfterSeconds: number; message: string };
