'use client';

import type { AuthenticationResponseJSON } from '@simplewebauthn/browser';
import { useEffect, useRef, useState } from 'react';
import { FormError } from '@/app/components/field';
import { startAutofill, type Autofill } from './passkey-autofill';
import { askForPasskey, fetchOptions, signIn } from './passkey-ceremony';

// The browser's own refusals (no passkey chosen, the request timed out or was stopped).
const declined = (caught: unknown) => caught instanceof DOMException;

/**
 * Signing in with a passkey, the one part of the login page that needs JavaScript: the browser's
 * passkey autofill on the username field where it has one, and a button everywhere.
 */
export function PasskeySignIn({ next }: { next: string }) {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const autofill = useRef<Autofill | null>(null);
  const buttonRequest = useRef<AbortController | null>(null);

  useEffect(() => {
    const started = startAutofill(next, { pending: setPending, error: setError });
    autofill.current = started;
    return () => {
      started.close();
      buttonRequest.current?.abort();
      if (autofill.current === started) autofill.current = null;
    };
  }, [next]);

  async function signInWithButton() {
    const page = autofill.current;
    page?.pause(); // stops the autofill request, whatever step it is at, before this one starts
    const request = new AbortController();
    buttonRequest.current = request;
    setError(undefined);
    setPending(true);
    let response: AuthenticationResponseJSON;
    try {
      response = await askForPasskey(await fetchOptions(request.signal), request.signal);
    } catch (caught) {
      if (request.signal.aborted) return; // the page is gone
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
