'use client';

import { useActionState } from 'react';
import { Field, FormError, FormStatus } from '@/app/components/field';
import { useFormGuard } from '@/app/components/form-guard';
import { changePasswordAction, type ChangePasswordState } from './actions';

export function ChangePasswordForm({ passwordMinLength }: { passwordMinLength: number }) {
  const [state, formAction, pending] = useActionState(
    changePasswordAction,
    {} satisfies ChangePasswordState,
  );
  const { guardError, onSubmit } = useFormGuard();
  const errors = state.fieldErrors ?? {};
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-4" noValidate>
      <FormError message={guardError ?? state.error} />
      <FormStatus
        message={
          state.done ? 'Password changed. Every other session has been logged out.' : undefined
        }
      />
      <Field
        label="Current password"
        name="currentPassword"
        type="password"
        autoComplete="current-password"
        required
        error={errors.currentPassword}
      />
      <Field
        label="New password"
        name="newPassword"
        type="password"
        autoComplete="new-password"
        required
        hint={`At least ${passwordMinLength} characters.`}
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
      <button type="submit" className="button" disabled={pending}>
        Change password
      </button>
    </form>
  );
}
