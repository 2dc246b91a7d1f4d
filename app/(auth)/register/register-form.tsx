'use client';

import { useActionState } from 'react';
import { Field } from '@/app/components/field';
import { register, type RegisterState } from './actions';

export function RegisterForm({ passwordMinLength }: { passwordMinLength: number }) {
  const [state, formAction, pending] = useActionState(register, { username: '' } satisfies RegisterState);
  const errors = state.fieldErrors ?? {};
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <Field
        label="Username"
        name="username"
        autoComplete="username"
        required
        defaultValue={state.username}
        error={errors.username}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        error={errors.password}
      />
      <p className="-mt-2 text-xs text-slate-500">
        At least {passwordMinLength} characters. Spaces and emoji are welcome; a long phrase is easiest.
      </p>
      <Field
        label="Confirm password"
        name="confirmPassword"
        type="password"
        autoComplete="new-password"
        required
        error={errors.confirmPassword}
      />
      <button type="submit" className="button w-full" disabled={pending}>
        Create account
      </button>
    </form>
  );
}
