import type { Db } from '@/db';
import { findUserByUsername, insertUser } from '@/db/queries/users';
import { firstFieldErrors, loginSchema, registrationSchema, type FieldErrors } from '../validation';
import { hashPassword, verifyDummyPassword, verifyPassword, type PasswordPolicy } from './password';

export type User = { id: number; username: string };
export type UserPolicy = PasswordPolicy & { bcryptCost: number };

export type RegistrationField = 'username' | 'password' | 'confirmPassword';
export type RegisterResult =
  | { ok: true; user: User }
  | { ok: false; fieldErrors: FieldErrors<RegistrationField> };

export const USERNAME_TAKEN = 'That username is taken. Choose another.';

/** Validates every rule, then creates the account. Nothing is stored unless all rules pass. */
export async function registerUser(
  db: Db,
  input: Record<string, unknown>,
  now: Date,
  policy: UserPolicy,
): Promise<RegisterResult> {
  const parsed = registrationSchema(policy).safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: firstFieldErrors<RegistrationField>(parsed.error) };
  const { username, password } = parsed.data;
  // A cheap early answer; the unique index below still settles a race between two registrations.
  if (findUserByUsername(db, username)) return { ok: false, fieldErrors: { username: USERNAME_TAKEN } };

  const passwordHash = await hashPassword(password, policy.bcryptCost);
  const inserted = insertUser(db, { username, passwordHash, createdAt: now });
  if (!inserted.ok) return { ok: false, fieldErrors: { username: USERNAME_TAKEN } };
  return { ok: true, user: { id: inserted.user.id, username: inserted.user.username } };
}

export type AuthenticateResult = { ok: true; user: User } | { ok: false };

/**
 * Checks a username and password. Every failure looks the same to the caller, and an unknown
 * username still pays for one bcrypt comparison so timing does not reveal which accounts exist.
 */
export async function authenticateUser(
  db: Db,
  input: Record<string, unknown>,
  policy: Pick<UserPolicy, 'bcryptCost'>,
): Promise<AuthenticateResult> {
  const parsed = loginSchema.safeParse(input);
  const password = typeof input.password === 'string' ? input.password : '';
  if (!parsed.success) return verifyDummyPassword(password, policy.bcryptCost).then(() => ({ ok: false }));

  const user = findUserByUsername(db, parsed.data.username);
  const valid = user
    ? await verifyPassword(parsed.data.password, user.passwordHash)
    : await verifyDummyPassword(parsed.data.password, policy.bcryptCost);
  if (!user || !valid) return { ok: false };
  return { ok: true, user: { id: user.id, username: user.username } };
}
