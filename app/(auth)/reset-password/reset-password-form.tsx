'use client';

import Link from 'next/link';
import { useActionState } from 'react';
import { Field, FormError } from '@/app/components/field';
import { useFormGuard } from '@/app/components/form-guard';
import { resetPasswordAction, type ResetPasswordState } from './actions';

export function ResetPasswordForm({
  token,
  passwordMinLength,
}: {
  token: string;
  passwordMinLength: number;
}) {
  const [state, formAction, pending] = useActionState(
    resetPasswordAction,
    {} satisfies ResetPasswordState,
  );
  const { guardError, onSubmit } = useFormGuard();
  const errors = state.fieldErrors ?? {};
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-4" noValidate>
      <FormError message={guardError ?? state.error} />
      {state.linkUsed ? (
        <p className="text-sm">
          <Link href="/forgot-password" className="text-indigo-700 underline">
            Ask for a new link
          </Link>
        </p>
      ) : null}
      <input type="hidden" name="token" value={token} />
      <Field
        label="New password"
        name="newPassword"
        type="password"
        autoComplete="new-password"
        required
        hint={`At least ${passwordMinLength} characters. Spaces and emoji are welcome; a long phrase is easiest.`}
        error={errors.newPassword}
      />
      <Field
        label="Confirm new password"
        name="confirmNewPassword"
        type="password"
        autoComplete="new-password"
        required
        error={errors.confirmNewPassword}
      />
      <button type="submit" className="button w-full" disabled={pending}>
        Set the new password
      </button>
    </form>
  );
}
