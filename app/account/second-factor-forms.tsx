'use client';

import { useActionState, type ReactNode } from 'react';
import { Field, FormError, FormStatus } from '@/app/components/field';
import { useFormGuard } from '@/app/components/form-guard';
import {
  confirmEnrolmentAction,
  disableSecondFactorAction,
  reauthenticateAction,
  regenerateRecoveryCodesAction,
  startEnrolmentAction,
  type SecondFactorState,
} from './second-factor-actions';

const initial: SecondFactorState = {};

function PasswordField({ id, error }: { id: string; error?: string }) {
  return (
    <Field
      id={id}
      label="Current password"
      name="currentPassword"
      type="password"
      autoComplete="current-password"
      required
      error={error}
    />
  );
}

function CodeField({ id, error, hint }: { id: string; error?: string; hint?: string }) {
  return (
    <Field
      id={id}
      label="Code from your authenticator app"
      name="code"
      autoComplete="one-time-code"
      inputMode="numeric"
      pattern="[0-9 ]*"
      maxLength={8}
      hint={hint}
      error={error}
    />
  );
}

/** Shown once: the person saves them now or makes new ones later. */
function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <div className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-4">
      <p className="text-sm font-medium">
        Save these recovery codes somewhere safe now: they are shown only once. Each signs you in
        once if you lose your authenticator app.
      </p>
      <ul className="grid grid-cols-2 gap-1 font-mono text-sm" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The section's forms. The confirmation's state lives here, above the switch from "off" to "on",
 * so the recovery codes it returns stay on the page when it re-renders with the new status.
 * `manage`: once on, the forms for new recovery codes and for turning it off (not on the
 * enrolment page).
 */
export function SecondFactorForms({
  enabled,
  status,
  manage = true,
}: {
  enabled: boolean;
  status: ReactNode;
  manage?: boolean;
}) {
  const [confirmed, confirmAction, confirming] = useActionState(confirmEnrolmentAction, initial);
  if (enabled || confirmed.recoveryCodes)
    return (
      <div className="space-y-6">
        {confirmed.recoveryCodes ? (
          <>
            <FormStatus message={confirmed.done} />
            <RecoveryCodes codes={confirmed.recoveryCodes} />
          </>
        ) : null}
        {status}
        {enabled && manage ? <ManageSecondFactor /> : null}
      </div>
    );
  return <EnrolForm confirmed={confirmed} confirmAction={confirmAction} confirming={confirming} />;
}

/** Not on yet: the password, then the secret as a QR code and as text, then one code. */
function EnrolForm({
  confirmed,
  confirmAction,
  confirming,
}: {
  confirmed: SecondFactorState;
  confirmAction: (formData: FormData) => void;
  confirming: boolean;
}) {
  const [started, startAction, starting] = useActionState(startEnrolmentAction, initial);
  const start = useFormGuard();
  const confirm = useFormGuard();
  const enrolment = confirmed.enrolment ?? (confirmed.error ? undefined : started.enrolment);
  if (!enrolment)
    return (
      <form action={startAction} onSubmit={start.onSubmit} className="space-y-4" noValidate>
        <p className="text-sm text-slate-700">
          After your password, sign-in will ask for a six-digit code from an authenticator app on
          your phone.
        </p>
        <FormError message={start.guardError ?? started.error ?? confirmed.error} />
        <PasswordField id="enrol-password" error={started.fieldErrors?.currentPassword} />
        <button type="submit" className="button" disabled={starting}>
          Set up an authenticator app
        </button>
      </form>
    );
  return (
    <form action={confirmAction} onSubmit={confirm.onSubmit} className="space-y-4" noValidate>
      <p className="text-sm text-slate-700">
        Scan this code with your authenticator app, or type the key below into it. Then enter the
        code the app shows.
      </p>
      {/* eslint-disable-next-line @next/next/no-img-element -- an inline data: image, made on the server */}
      <img
        src={`data:image/svg+xml;base64,${btoa(enrolment.svg)}`}
        alt="QR code holding the authenticator key shown below"
        width={200}
        height={200}
        className="rounded border border-slate-200"
      />
      <p className="text-sm">
        Key:{' '}
        <code data-testid="totp-secret" className="font-mono">
          {enrolment.secret}
        </code>
      </p>
      <input type="hidden" name="enrolment" value={enrolment.enrolment} />
      <FormError message={confirm.guardError} />
      <CodeField id="enrol-code" error={confirmed.fieldErrors?.code} />
      <button type="submit" className="button" disabled={confirming}>
        Turn on two-step sign-in
      </button>
    </form>
  );
}

/** On: new recovery codes, or turning it off with a current code or a recovery code. */
function ManageSecondFactor() {
  const [regenerated, regenerateAction, regenerating] = useActionState(
    regenerateRecoveryCodesAction,
    initial,
  );
  const [disabled, disableAction, disabling] = useActionState(disableSecondFactorAction, initial);
  const regenerate = useFormGuard();
  const disable = useFormGuard();
  return (
    <div className="space-y-6">
      {regenerated.recoveryCodes ? (
        <>
          <FormStatus message={regenerated.done} />
          <RecoveryCodes codes={regenerated.recoveryCodes} />
        </>
      ) : (
        <form
          action={regenerateAction}
          onSubmit={regenerate.onSubmit}
          className="space-y-4"
          noValidate
        >
          <h3 className="font-medium">New recovery codes</h3>
          <FormError message={regenerate.guardError ?? regenerated.error} />
          <PasswordField
            id="regenerate-password"
            error={regenerated.fieldErrors?.currentPassword}
          />
          <button type="submit" className="button" disabled={regenerating}>
            Make new recovery codes
          </button>
        </form>
      )}
      <form action={disableAction} onSubmit={disable.onSubmit} className="space-y-4" noValidate>
        <h3 className="font-medium">Turn off two-step sign-in</h3>
        <FormError message={disable.guardError ?? disabled.error} />
        <PasswordField id="disable-password" error={disabled.fieldErrors?.currentPassword} />
        <CodeField id="disable-code" error={disabled.fieldErrors?.code} />
        <Field
          id="disable-recovery-code"
          label="Or a recovery code"
          name="recoveryCode"
          autoComplete="off"
          spellCheck={false}
          maxLength={64}
        />
        <button type="submit" className="button" disabled={disabling}>
          Turn off
        </button>
      </form>
    </div>
  );
}

/** Opens the window for sensitive changes: the password and a code, again. */
export function ReauthenticateForm({ windowMinutes }: { windowMinutes: number }) {
  const [state, action, pending] = useActionState(reauthenticateAction, initial);
  const guard = useFormGuard();
  return (
    <form action={action} onSubmit={guard.onSubmit} className="space-y-4" noValidate>
      <p className="text-sm text-slate-700">
        To change your password, email address or two-step sign-in, or to delete the account,
        confirm it is you first. It lasts {windowMinutes} minutes.
      </p>
      <FormError message={guard.guardError ?? state.error} />
      <PasswordField id="reauth-password" error={state.fieldErrors?.currentPassword} />
      <CodeField id="reauth-code" error={state.fieldErrors?.code} />
      <button type="submit" className="button" disabled={pending}>
        Confirm it is you
      </button>
    </form>
  );
}
