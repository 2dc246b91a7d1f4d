'use client';

import { startAuthentication, WebAuthnError } from '@simplewebauthn/browser';
import { useState } from 'react';
import { FormError } from '@/app/components/field';

const postJson = (path: string, body?: object) =>
  fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });

/** "Sign in with a passkey": the one part of signing in that needs JavaScript. */
export function PasskeyButton({ next }: { next: string }) {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  async function signIn() {
    setError(undefined);
    setPending(true);
    try {
      const options = await postJson('/api/auth/passkeys/login-options');
      if (!options.ok) throw new Error('The server could not start a passkey sign-in.');
      const response = await startAuthentication({ optionsJSON: await options.json() });
      const verified = await postJson('/api/auth/passkeys/login', { response });
      if (!verified.ok)
        throw new Error(((await verified.json()) as { error: { message: string } }).error.message);
      window.location.assign(next);
    } catch (caught) {
      setPending(false);
      setError(
        caught instanceof WebAuthnError ||
          (caught instanceof Error && caught.name === 'NotAllowedError')
          ? 'No passkey was used. Try again, or log in with your password.'
          : caught instanceof Error
            ? caught.message
            : 'Signing in with a passkey failed.',
      );
    }
  }

  return (
    <div className="space-y-3">
      <FormError message={error} />
      <button
        type="button"
        className="button-quiet w-full py-2 text-base"
        onClick={signIn}
        disabled={pending}
      >
        Sign in with a passkey
      </button>
      <noscript>
        <p className="text-sm text-slate-700">Signing in with a passkey needs JavaScript.</p>
      </noscript>
    </div>
  );
}
