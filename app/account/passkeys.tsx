'use client';

import { startRegistration, WebAuthnError } from '@simplewebauthn/browser';
import { useRouter } from 'next/navigation';
import { useActionState, useState } from 'react';
import { Field, FormError, FormStatus } from '@/app/components/field';
import { useFormGuard } from '@/app/components/form-guard';
import { errorMessageOf, postJson } from '@/app/components/post-json';
import { removePasskeyAction, renamePasskeyAction, type PasskeyState } from './passkey-actions';

export type PasskeyView = { id: number; name: string; added: string; lastUsed: string };

/** Adding a passkey needs the browser's WebAuthn, so JavaScript; the rest are plain forms. */
export function AddPasskey() {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [pending, setPending] = useState(false);

  async function add(formData: FormData) {
    setError(undefined);
    setDone(undefined);
    setPending(true);
    try {
      const options = await postJson('/api/auth/passkeys/registration-options', {
        currentPassword: formData.get('currentPassword'),
      });
      if (!options.ok) throw new Error(await errorMessageOf(options));
      const response = await startRegistration({ optionsJSON: await options.json() });
      const added = await postJson('/api/auth/passkeys', { response, name: formData.get('name') });
      if (!added.ok) throw new Error(await errorMessageOf(added));
      setDone('Passkey added.');
      router.refresh();
    } catch (caught) {
      setError(
        caught instanceof WebAuthnError ||
          (caught instanceof Error && caught.name === 'NotAllowedError')
          ? 'No passkey was made. Try again, and unlock it when asked.'
          : caught instanceof Error
            ? caught.message
            : 'Adding the passkey failed.',
      );
    } finally {
      setPending(false);
    }
  }

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void add(new FormData(event.currentTarget));
      }}
      className="space-y-4"
      noValidate
    >
      <h3 className="font-medium">Add a passkey</h3>
      <FormError message={error} />
      <FormStatus message={done} />
      <Field
        id="passkey-name"
        label="Name"
        name="name"
        hint="Say which device it is on."
        maxLength={64}
      />
      <Field
        id="passkey-password"
        label="Current password"
        name="currentPassword"
        type="password"
        autoComplete="current-password"
      />
      <button type="submit" className="button" disabled={pending}>
        Add a passkey
      </button>
      <noscript>
        <p className="text-sm text-slate-700">Adding a passkey needs JavaScript.</p>
      </noscript>
    </form>
  );
}

/** One passkey: its name and dates, a rename form and a removal form. */
export function PasskeyRow({ passkey }: { passkey: PasskeyView }) {
  const [renamed, renameAction, renaming] = useActionState(renamePasskeyAction, {} as PasskeyState);
  const [removed, removeAction, removing] = useActionState(removePasskeyAction, {} as PasskeyState);
  const rename = useFormGuard();
  const remove = useFormGuard();
  return (
    <li className="space-y-3 border-t border-slate-100 pt-3" data-testid="passkey-row">
      <p className="text-sm">
        <span className="font-medium">{passkey.name}</span>{' '}
        <span className="text-slate-700">
          added {passkey.added}; last used {passkey.lastUsed}
        </span>
      </p>
      <form
        action={renameAction}
        onSubmit={rename.onSubmit}
        className="flex flex-wrap items-end gap-2"
        noValidate
      >
        <input type="hidden" name="id" value={passkey.id} />
        <Field
          id={`rename-${passkey.id}`}
          label="New name"
          name="name"
          maxLength={64}
          error={renamed.fieldErrors?.name}
        />
        <button type="submit" className="button-quiet" disabled={renaming}>
          Rename
        </button>
      </form>
      <form
        action={removeAction}
        onSubmit={remove.onSubmit}
        className="flex flex-wrap items-end gap-2"
        noValidate
      >
        <FormError message={remove.guardError ?? removed.error} />
        <input type="hidden" name="id" value={passkey.id} />
        <Field
          id={`remove-password-${passkey.id}`}
          label="Current password"
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          error={removed.fieldErrors?.currentPassword}
        />
        <button type="submit" className="button-quiet" disabled={removing}>
          Remove
        </button>
      </form>
    </li>
  );
}
