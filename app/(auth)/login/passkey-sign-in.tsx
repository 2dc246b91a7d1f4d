'use client';

import {
  startAuthentication,
  WebAuthnError,
  type AuthenticationResponseJSON,
} from '@simplewebauthn/browser';
import { useEffect, useRef, useState } from 'react';
import { FormError } from '@/app/components/field';
import { startAutofill, type Autofill } from './passkey-autofill';
import { fetchOptions, signIn, type Options } from './passkey-ceremony';

/**
 * The button's request. An autofill request still starting when the button was pressed aborts
 * the button's as it begins; asking again then ends the autofill one instead.
 */
async function askAuthenticator(optionsJSON: Options, unmounted: () => boolean) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAuthentication({ optionsJSON });
    } catch (caught) {
      const aborted = caught instanceof WebAuthnError && caught.code === 'ERROR_CEREMONY_ABORTED';
      if (!aborted || attempt === 3 || unmounted()) throw caught;
    }
  }
}

const declined = (caught: unknown) =>
  caught instanceof WebAuthnError || (caught instanceof Error && caught.name === 'NotAllowedError');

/**
 * Signing in with a passkey, the one part of the login page that needs JavaScript: the browser's
 * passkey autofill on the username field where it has one, and a button everywhere.
 */
export function PasskeySignIn({ next }: { next: string }) {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const autofill = useRef<Autofill | null>(null);

  useEffect(() => {
    const started = startAutofill(next, { pending: setPending, error: setError });
    autofill.current = started;
    return () => {
      started.close();
      if (autofill.current === started) autofill.current = null;
    };
  }, [next]);

  async function signInWithButton() {
    const page = autofill.current;
    page?.pause();
    setError(undefined);
    setPending(true);
    let response: AuthenticationResponseJSON;
    try {
      response = await askAuthenticator(await fetchOptions(), () => autofill.current !== page);
    } catch (caught) {
      setPending(false);
      setError(
        declined(caught)
          ? 'No passkey was used. Try again, or log in with your password.'
          : caught instanceof Error
            ? caught.message
            : 'Signing in with a passkey failed.',
      );
      page?.resume();
      return;
    }
    const refusal = await signIn(response, next);
    if (refusal !== null) {
      setPending(false);
      setError(refusal);
      page?.resume();
    }
  }

  return (
    <div className="space-y-3">
      <FormError message={error} />
      <button
        type="button"
        className="button-quiet w-full py-2 text-base"
        onClick={signInWithButton}
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
