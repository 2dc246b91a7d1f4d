'use client';

import { useActionState } from 'react';
import { FormError, FormStatus } from '@/app/components/field';
import { verifyEmailAction, type VerifyEmailState } from './actions';

export function VerifyEmailForm({ token, address }: { token: string; address: string }) {
  const [state, formAction, pending] = useActionState(
    verifyEmailAction,
    {} satisfies VerifyEmailState,
  );
  if (state.verified) return <FormStatus message={`Your address ${state.verified} is verified.`} />;
  return (
    <form action={formAction} className="space-y-4">
      <FormError message={state.error} />
      <input type="hidden" name="token" value={token} />
      <p className="text-slate-700">
        Confirm that <strong>{address}</strong> is your address.
      </p>
      <button type="submit" className="button w-full" disabled={pending}>
        Confirm this address
      </button>
    </form>
  );
}
