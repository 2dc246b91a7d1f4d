'use server';

import { redirect } from 'next/navigation';
import { registerUser, type RegistrationField } from '@/lib/auth/users';
import type { FieldErrors } from '@/lib/auth/validation';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import { enrolmentPath } from '@/lib/web/dal';
import { completeLogIn } from '@/lib/web/login';
import { getRequestContext } from '@/lib/web/request-context';
import { DEFAULT_AFTER_LOGIN } from '@/lib/web/safe-redirect';

export type RegisterState = {
  username: string;
  email?: string;
  error?: string;
  fieldErrors?: FieldErrors<RegistrationField>;
};

export async function registerAction(
  _previous: RegisterState,
  formData: FormData,
): Promise<RegisterState> {
  const input = {
    email: formData.get('email'),
    username: formData.get('username'),
    password: formData.get('password'),
    confirmPassword: formData.get('confirmPassword'),
  };
  const typedUsername = typeof input.username === 'string' ? input.username.slice(0, 256) : '';
  const typedEmail = typeof input.email === 'string' ? input.email.slice(0, 256) : '';
  const ctx = await getRequestContext();

  const result = await registerUser(getDb(), input, ctx, getConfig(), getMailer());
  if (!result.ok) {
    return result.reason === 'invalid'
      ? { username: typedUsername, email: typedEmail, fieldErrors: result.fieldErrors }
      : { username: typedUsername, email: typedEmail, error: result.message };
  }
  // The account exists; should an operator have changed its password already, the person logs in.
  const started = await completeLogIn(result.user, result.signIn, ctx);
  if (!started) redirect('/login');
  redirect(started.mustEnrol ? enrolmentPath(DEFAULT_AFTER_LOGIN) : DEFAULT_AFTER_LOGIN);
}
