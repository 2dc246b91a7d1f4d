'use client';

import { useActionState, type ReactNode } from 'react';
import { Field, FormError } from '@/app/components/field';
import { useFormGuard } from '@/app/components/form-guard';
import { endSessionsAction, type EndSessionsState } from './actions';

/**
 * The session list as one form: each "Log out" button sends its session's id, "Log out all other
 * sessions" sends `end=others`. Once this session's sign-in is no longer recent, the form asks
 * for the current password beside the buttons.
 */
export function EndSessionsForm({
  children,
  others,
  needsPassword,
  windowMinutes,
}: {
  children: ReactNode;
  others: boolean;
  needsPassword: boolean;
  windowMinutes: number;
}) {
  const [state, formAction] = useActionState(endSessionsAction, {} satisfies EndSessionsState);
  const { guardError, onSubmit } = useFormGuard();
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-4" noValidate>
      <FormError message={guardError ?? state.error} />
      {children}
      {others ? (
        <>
          {needsPassword ? (
            <Field
              label="Current password"
              name="currentPassword"
              id="end-sessions-password"
              type="password"
              autoComplete="current-password"
              hint={`You signed in more than ${windowMinutes} minutes ago: enter your password to log out other sessions.`}
              error={state.fieldErrors?.currentPassword}
            />
          ) : null}
          <button type="submit" name="end" value="others" className="button-quiet">
            Log out all other sessions
          </button>
        </>
      ) : null}
    </form>
  );
}
