'use client';

import {
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  WebAuthnAbortService,
  WebAuthnError,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { useEffect, useState } from 'react';
import { FormError } from '@/app/components/field';
import { errorMessageOf, postJson } from '@/app/components/post-json';

type Options = PublicKeyCredentialRequestOptionsJSON;

// Well inside a challenge's life on the server, so a held one is never answered stale.
const REUSE_OPTIONS_MS = 4 * 60_000;

/**
 * The login page's passkey ceremony. The autofill request and the button answer one challenge
 * until an answer is sent, so the challenge cookie always matches the answer and a page load
 * stores one challenge, not two.
 */
function loginCeremony() {
  let held: { options: Promise<Options>; fetchedAt: number } | null = null;
  let shown = false;
  let buttonPressed = false;
  return {
    show: () => void (shown = true),
    hide: () => void (shown = false),
    isShown: () => shown,
    /** Once the button is pressed, the autofill request no longer starts. */
    pressButton: () => void (buttonPressed = true),
    mayListen: () => shown && !buttonPressed,
    options(): Promise<Options> {
      if (held && Date.now() - held.fetchedAt < REUSE_OPTIONS_MS) return held.options;
      const options = fetchOptions();
      held = { options, fetchedAt: Date.now() };
      options.catch(() => {
        if (held?.options === options) held = null;
      });
      return options;
    },
    spent(): void {
      held = null;
    },
  };
}
type LoginCeremony = ReturnType<typeof loginCeremony>;

async function fetchOptions(): Promise<Options> {
  const response = await postJson('/api/auth/passkeys/login-options');
  if (!response.ok) throw new Error(await errorMessageOf(response));
  return (await response.json()) as Options;
}

/** Sends the browser's answer, which spends the challenge: the refusal's words, or none as the page moves on. */
async function signIn(
  ceremony: LoginCeremony,
  response: AuthenticationResponseJSON,
  next: string,
): Promise<string | null> {
  ceremony.spent();
  try {
    const verified = await postJson('/api/auth/passkeys/login', { response });
    if (!verified.ok) return await errorMessageOf(verified);
  } catch {
    return 'Gatehouse could not be reached. Check your connection and try again.';
  }
  window.location.assign(next);
  return null;
}

/**
 * The button's request. An autofill request still starting when the button was pressed aborts
 * the button's as it begins; asking once more then ends the autofill one instead.
 */
async function askAuthenticator(ceremony: LoginCeremony, optionsJSON: Options) {
  try {
    return await startAuthentication({ optionsJSON });
  } catch (caught) {
    const aborted = caught instanceof WebAuthnError && caught.code === 'ERROR_CEREMONY_ABORTED';
    if (!aborted || !ceremony.isShown()) throw caught;
    return startAuthentication({ optionsJSON });
  }
}

const declined = (caught: unknown) =>
  caught instanceof WebAuthnError || (caught instanceof Error && caught.name === 'NotAllowedError');

/**
 * Signing in with a passkey, the one part of the login page that needs JavaScript: the browser's
 * passkey autofill on the username field where it has one, and a button everywhere.
 */
export function PasskeySignIn({ next }: { next: string }) {
  const [ceremony] = useState(loginCeremony);
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  useEffect(() => {
    ceremony.show();
    async function listenForAutofill() {
      let response: AuthenticationResponseJSON;
      try {
        if (!(await browserSupportsWebAuthnAutofill())) return;
        const optionsJSON = await ceremony.options();
        if (!ceremony.mayListen()) return;
        response = await startAuthentication({ optionsJSON, useBrowserAutofill: true });
      } catch {
        return; // no passkey was picked, or the button took over: nothing to tell
      }
      setPending(true);
      const refusal = await signIn(ceremony, response, next);
      if (refusal !== null) {
        setPending(false);
        setError(refusal);
      }
    }
    void listenForAutofill();
    return () => {
      ceremony.hide();
      WebAuthnAbortService.cancelCeremony();
    };
  }, [ceremony, next]);

  async function signInWithButton() {
    ceremony.pressButton();
    setError(undefined);
    setPending(true);
    let response: AuthenticationResponseJSON;
    try {
      response = await askAuthenticator(ceremony, await ceremony.options());
    } catch (caught) {
      setPending(false);
      setError(
        declined(caught)
          ? 'No passkey was used. Try again, or log in with your password.'
          : caught instanceof Error
            ? caught.message
            : 'Signing in with a passkey failed.',
      );
      return;
    }
    const refusal = await signIn(ceremony, response, next);
    if (refusal !== null) {
      setPending(false);
      setError(refusal);
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
