'use client';

import { useActionState } from 'react';
import { Field, FormError } from '@/app/components/field';
import { login, type LoginState } from './actions';

export function LoginForm({ next }: { next: string }) {
  const [state, formAction, pending] = useActionState(login, { username: '' } satisfies LoginState);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormError message={state.error} />
      <input type="hidden" name="next" value={next} />
      <Field label="Username" name="username" autoComplete="username" required defaultValue={state.username} />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      <button type="submit" className="button w-full" disabled={pending}>
        Log in
      </button>
    </form>
  );
}
