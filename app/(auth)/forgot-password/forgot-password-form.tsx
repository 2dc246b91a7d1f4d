'use client';

import { useActionState } from 'react';
import { Field, FormError, FormStatus } from '@/app/components/field';
import { useFormGuard } from '@/app/components/form-guard';
import { requestResetAction, type ForgotPasswordState } from './actions';

export function ForgotPasswordForm({ resetMinutes }: { resetMinutes: number }) {
  const [state, formAction, pending] = useActionState(
    requestResetAction,
    {} satisfies ForgotPasswordState,
  );
  const { guardError, onSubmit } = useFormGuard();
  const sent = state.sent
    ? `If an account matches and has a verified email address, a link to reset its password is on its way there. It works once, for ${resetMinutes} minutes.`
    : undefined;
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-4" noValidate>
      <FormError message={guardError} />
      <FormStatus message={sent} />
      <Field label="Username or email address" name="identifier" autoComplete="username" required />
      <button type="submit" className="button w-full" disabled={pending}>
        Send a reset link
      </button>
    </form>
  );
}
