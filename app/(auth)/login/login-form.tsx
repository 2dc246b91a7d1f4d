'use client';

import { useActionState } from 'react';
import { Field, FormError } from '@/app/components/field';
import { useFormGuard } from '@/app/components/form-guard';
import { logInAction, type LogInState } from './actions';

export function LoginForm({ next }: { next: string }) {
  const [state, formAction, pending] = useActionState(logInAction, {
    username: '',
  } satisfies LogInState);
  const { guardError, onSubmit } = useFormGuard();
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-4" noValidate>
      <FormError message={guardError ?? state.error} />
      <input type="hidden" name="next" value={next} />
      <Field
        label="Username"
        name="username"
        autoComplete="username webauthn"
        required
        defaultValue={state.username}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
      />
      <button type="submit" className="button w-full" disabled={pending}>
        Log in
      </button>
    </form>
  );
}
