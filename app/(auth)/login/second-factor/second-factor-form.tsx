'use client';

import { useActionState } from 'react';
import { Field, FormError } from '@/app/components/field';
import { useFormGuard } from '@/app/components/form-guard';
import { secondFactorAction, type SecondFactorState } from './actions';

export function SecondFactorForm() {
  const [state, formAction, pending] = useActionState(
    secondFactorAction,
    {} satisfies SecondFactorState,
  );
  const { guardError, onSubmit } = useFormGuard();
  return (
    <div className="space-y-6">
      <FormError message={guardError ?? state.error} />
      <form action={formAction} onSubmit={onSubmit} className="space-y-4" noValidate>
        <Field
          label="Code from your authenticator app"
          name="code"
          autoComplete="one-time-code"
          inputMode="numeric"
          pattern="[0-9 ]*"
          maxLength={8}
          required
          autoFocus
        />
        <button type="submit" className="button w-full" disabled={pending}>
          Verify
        </button>
      </form>
      <details className="text-sm">
        <summary className="cursor-pointer text-indigo-700 underline">
          Use a recovery code instead
        </summary>
        <form action={formAction} onSubmit={onSubmit} className="mt-3 space-y-4" noValidate>
          <Field
            label="Recovery code"
            name="recoveryCode"
            autoComplete="off"
            spellCheck={false}
            hint="One of the codes you saved when you turned on two-step sign-in. Each works once."
            maxLength={64}
            required
          />
          <button type="submit" className="button w-full" disabled={pending}>
            Use recovery code
          </button>
        </form>
      </details>
    </div>
  );
}
