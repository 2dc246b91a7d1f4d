'use client';

import { useActionState } from 'react';
import { Field, FormError, FormStatus } from '@/app/components/field';
import { useFormGuard } from '@/app/components/form-guard';
import { changeEmailAction, removeEmailAction, type EmailState } from './actions';

/** Add or change the address (a link goes to it), or remove it; each asks for the password. */
export function EmailForms({
  email,
  pendingEmail,
}: {
  email: string | null;
  pendingEmail: string | null;
}) {
  const [changed, changeAction, changing] = useActionState(
    changeEmailAction,
    {} satisfies EmailState,
  );
  const [removed, removeAction, removing] = useActionState(
    removeEmailAction,
    {} satisfies EmailState,
  );
  const change = useFormGuard();
  const remove = useFormGuard();
  return (
    <div className="space-y-6">
      <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 text-sm">
        <dt className="text-slate-600">Verified address</dt>
        <dd data-testid="verified-email">{email ?? 'none'}</dd>
        {pendingEmail ? (
          <>
            <dt className="text-slate-600">Waiting for verification</dt>
            <dd data-testid="pending-email">
              {pendingEmail} (unverified: open the link we mailed to it)
            </dd>
          </>
        ) : null}
      </dl>
      <form action={changeAction} onSubmit={change.onSubmit} className="space-y-4" noValidate>
        <FormError message={change.guardError ?? changed.error} />
        <FormStatus message={changed.done} />
        <Field
          label={email ? 'New email address' : 'Email address'}
          name="email"
          type="email"
          autoComplete="email"
          required
          error={changed.fieldErrors?.email}
        />
        <Field
          label="Your password, to change the address"
          name="currentPassword"
          id="email-change-password"
          type="password"
          autoComplete="current-password"
          required
          error={changed.fieldErrors?.currentPassword}
        />
        <button type="submit" className="button" disabled={changing}>
          {email ? 'Change email address' : 'Add email address'}
        </button>
      </form>
      {email || pendingEmail ? (
        <form action={removeAction} onSubmit={remove.onSubmit} className="space-y-4" noValidate>
          <FormError message={remove.guardError ?? removed.error} />
          <FormStatus message={removed.done} />
          <Field
            label="Your password, to remove the address"
            name="currentPassword"
            id="email-removal-password"
            type="password"
            autoComplete="current-password"
            required
            error={removed.fieldErrors?.currentPassword}
          />
          <button type="submit" className="button-quiet" disabled={removing}>
            Remove email address
          </button>
        </form>
      ) : null}
    </div>
  );
}
