import { z } from 'zod';
import type { PasswordPolicy } from './context';
import { getPasswordProblem } from './password';
import { getUsernameProblem, normalizeUsername } from './username';

// Generous bounds on raw input so a huge field is refused before any work is spent on it.
const MAX_USERNAME_INPUT = 256;
const MAX_PASSWORD_INPUT = 1024;

const usernameInput = z
  .string({ error: 'Enter a username.' })
  .max(MAX_USERNAME_INPUT, 'Username is too long.')
  .transform(normalizeUsername);

const passwordInput = z
  .string({ error: 'Enter a password.' })
  .min(1, 'Enter a password.')
  .max(MAX_PASSWORD_INPUT, 'Password is too long.');

export function registrationSchema(policy: PasswordPolicy) {
  return z
    .object({
      username: usernameInput,
      password: passwordInput,
      confirmPassword: z.string({ error: 'Confirm your password.' }).max(MAX_PASSWORD_INPUT),
    })
    .superRefine((input, ctx) => {
      const usernameProblem = getUsernameProblem(input.username);
      if (usernameProblem)
        ctx.addIssue({ code: 'custom', path: ['username'], message: usernameProblem });
      const passwordProblem = getPasswordProblem(input.password, input.username, policy);
      if (passwordProblem)
        ctx.addIssue({ code: 'custom', path: ['password'], message: passwordProblem });
      if (input.password !== input.confirmPassword) {
        ctx.addIssue({
          code: 'custom',
          path: ['confirmPassword'],
          message: 'Passwords do not match.',
        });
      }
    });
}

const newPasswordFields = {
  newPassword: passwordInput,
  confirmNewPassword: z.string({ error: 'Confirm your new password.' }).max(MAX_PASSWORD_INPUT),
};

/** A new password and its confirmation, by the same rules as registration. */
function checkNewPassword(username: string, policy: PasswordPolicy) {
  return (input: { newPassword: string; confirmNewPassword: string }, ctx: z.RefinementCtx) => {
    const problem = getPasswordProblem(input.newPassword, username, policy);
    if (problem) ctx.addIssue({ code: 'custom', path: ['newPassword'], message: problem });
    if (input.newPassword !== input.confirmNewPassword) {
      ctx.addIssue({
        code: 'custom',
        path: ['confirmNewPassword'],
        message: 'Passwords do not match.',
      });
    }
  };
}

export function passwordChangeSchema(username: string, policy: PasswordPolicy) {
  return z
    .object({ currentPassword: passwordInput, ...newPasswordFields })
    .superRefine(checkNewPassword(username, policy));
}

/** A password set through a reset link: no current password, the same rules otherwise. */
export function passwordResetSchema(username: string, policy: PasswordPolicy) {
  return z.object(newPasswordFields).superRefine(checkNewPassword(username, policy));
}

export const loginSchema = z.object({
  username: usernameInput.pipe(z.string().min(1, 'Enter your username.')),
  password: passwordInput,
});

export type FieldErrors<Field extends string> = Partial<Record<Field, string>>;

/** An answer that points at the fields to correct. */
export type Invalid<Field extends string> = {
  ok: false;
  reason: 'invalid';
  fieldErrors: FieldErrors<Field>;
};

export function invalid<Field extends string>(fieldErrors: FieldErrors<Field>): Invalid<Field> {
  return { ok: false, reason: 'invalid', fieldErrors };
}

/** The first message for each field, ready to show beside it. */
export function firstFieldErrors<Field extends string>(error: z.ZodError): FieldErrors<Field> {
  const errors: FieldErrors<Field> = {};
  for (const issue of error.issues) {
    const field = issue.path[0] as Field | undefined;
    if (field !== undefined && errors[field] === undefined) errors[field] = issue.message;
  }
  return errors;
}
