'use client';

import { useActionState } from 'react';
import { FormError, FormStatus } from '@/app/components/field';
import { verifyEmailAction, type VerifyEmailState } from './actions';
import { LINK_USED } from './messages';

/**
 * The confirmation, or what became of it. Without JavaScript the page is rendered again after the
 * post, when the link is used up, so the form (holding the action's answer) decides what shows.
 */
export function VerifyEmailForm({
  token,
  pending,
}: {
  token: string;
  pending: { address: string; username: string } | null;
}) {
  const [state, formAction, busy] = useActionState(
    verifyEmailAction,
    {} satisfies VerifyEmailState,
  );
  if (state.verified) return <FormStatus message={`Your address ${state.verified} is verified.`} />;
  if (!pending) return <FormError message={state.error ?? LINK_USED} />;
  return (
    <form action={formAction} className="space-y-4">
      <FormError message={state.error} />
      <input type="hidden" name="token" value={token} />
      <p className="text-slate-700">
        Confirm that <strong>{pending.address}</strong> is the address of the account{' '}
        <strong>{pending.username}</strong>.
      </p>
      <button type="submit" className="button w-full" disabled={busy}>
        Confirm this address
      </button>
    </form>
  );
}
