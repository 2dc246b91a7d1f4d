'use client';

import { useActionState } from 'react';
import { Field, FormError } from '@/app/components/field';
import { useFormGuard } from '@/app/components/form-guard';
import { deleteAccountAction, type DeleteAccountState } from './actions';

export function DeleteAccountForm() {
  const [state, formAction, pending] = useActionState(
    deleteAccountAction,
    {} satisfies DeleteAccountState,
  );
  const { guardError, onSubmit } = useFormGuard();
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-4" noValidate>
      <FormError message={guardError ?? state.error} />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        hint="Deleting your account ends all its sessions and removes its data. This cannot be undone."
        error={state.fieldErrors?.password}
      />
      <button type="submit" className="button bg-red-800 hover:bg-red-900" disabled={pending}>
        Delete account
      </button>
    </form>
  );
}
