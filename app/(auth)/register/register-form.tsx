'use client';

import { useActionState } from 'react';
import { Field, FormError } from '@/app/components/field';
import { useFormGuard } from '@/app/components/form-guard';
import { registerAction, type RegisterState } from './actions';

export function RegisterForm({
  passwordMinLength,
  offersEmail,
}: {
  passwordMinLength: number;
  offersEmail: boolean;
}) {
  const [state, formAction, pending] = useActionState(registerAction, {
    username: '',
  } satisfies RegisterState);
  const { guardError, onSubmit } = useFormGuard();
  const errors = state.fieldErrors ?? {};
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-4" noValidate>
      <FormError message={guardError ?? state.error} />
      <Field
        label="Username"
        name="username"
        autoComplete="username"
        required
        defaultValue={state.username}
        error={errors.username}
      />
      {offersEmail ? (
        <Field
          label="Email (optional)"
          name="email"
          type="email"
          autoComplete="email"
          defaultValue={state.email}
          hint="For resetting a forgotten password and for notices about your account. We mail a link to confirm it."
          error={errors.email}
        />
      ) : null}
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        hint={`At least ${passwordMinLength} characters. Spaces and emoji are welcome; a long phrase is easiest.`}
        error={errors.password}
      />
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
