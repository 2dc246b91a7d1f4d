import type { ClientInfo } from './session';
import type { ThrottlePolicy } from './throttle';
import type { PasswordPolicy } from './password';

export type UserPolicy = PasswordPolicy & { bcryptCost: number };

/** The rules the account functions apply; `getConfig()` satisfies it. */
export type AuthPolicies = { user: UserPolicy; throttle: ThrottlePolicy };

/** Who is asking, and when: passed in so tests can set the clock. */
export type RequestContext = { now: Date; client: ClientInfo };

export type User = { id: number; username: string };

export type Throttled = { ok: false; reason: 'throttled'; retryAfterSeconds: number; message: string };
