'use client';

import {
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  WebAuthnAbortService,
  WebAuthnError,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { useEffect, useRef, useState } from 'react';
import { FormError } from '@/app/components/field';
import { errorMessageOf, postJson } from '@/app/components/post-json';

type Options = PublicKeyCredentialRequestOptionsJSON;
type Show = { pending(pending: boolean): void; error(message: string): void };

const UNREACHABLE = 'Gatehouse could not be reached. Check your connection and try again.';
// An autofill request asks for a fresh challenge after this long, well inside a challenge's life
// on the server; the page checks that often while it is shown, and as it is shown again.
const RENEW_AFTER_MS = 4 * 60_000;
const RENEWAL_CHECK_MS = 15_000;
// The field the browser offers passkeys on, as @simplewebauthn/browser looks for it.
const AUTOFILL_FIELD = "input[autocomplete$='webauthn']";

async function fetchOptions(signal?: AbortSignal): Promise<Options> {
  let response: Response;
  try {
    response = await postJson('/api/auth/passkeys/login-options', {}, signal);
  } catch (caught) {
    throw signal?.aborted ? caught : new Error(UNREACHABLE);
  }
  if (!response.ok) throw new Error(await errorMessageOf(response));
  return (await response.json()) as Options;
}

/** Sends the browser's answer: the refusal's words, or none as the page moves on. */
async function signIn(response: AuthenticationResponseJSON, next: string): Promise<string | null> {
  try {
    const verified = await postJson('/api/auth/passkeys/login', { response });
    if (!verified.ok) return await errorMessageOf(verified);
  } catch {
    return UNREACHABLE;
  }
  window.location.assign(next);
  return null;
}

/**
 * The browser's passkey autofill: a conditional request waiting on the username field, renewed
 * before its challenge expires while the page is shown, paused while the button has the
 * authenticator. After a failure (the options did not come, no passkey was given, or the server
 * refused it) it starts again only when the person next moves or clicks into the username field,
 * so nothing is repeated without them.
 */
function startAutofill(next: string, show: Show) {
  type Run = { abort: AbortController; since: number };
  // Runs not yet ended; after a renewal the older one's request stays good until the newer
  // one's replaces it.
  const runs = new Set<Run>();
  let newest: Run | null = null;
  let state: 'listening' | 'resume on focus' | 'paused' | 'unsupported' | 'closed' = 'listening';
  const supported = browserSupportsWebAuthnAutofill().catch(() => false);

  const stopped = () => state === 'paused' || state === 'closed';

  function cancelRuns(): void {
    for (const run of runs) run.abort.abort();
    runs.clear();
    newest = null;
  }

  async function listen(): Promise<void> {
    const run: Run = { abort: new AbortController(), since: Date.now() };
    runs.add(run);
    newest = run;
    state = 'listening';
    const endAs = (next: 'resume on focus' | 'unsupported') => {
      runs.delete(run);
      if (newest !== run) return;
      newest = null;
      if (state === 'listening') state = next;
    };
    if (!(await supported)) return endAs('unsupported');
    let optionsJSON: Options;
    try {
      optionsJSON = await fetchOptions(run.abort.signal);
    } catch {
      return endAs('resume on focus');
    }
    if (newest !== run) return endAs('resume on focus'); // cancelled, or renewed meanwhile
    let response: AuthenticationResponseJSON;
    try {
      response = await startAuthentication({ optionsJSON, useBrowserAutofill: true });
    } catch {
      return endAs('resume on focus'); // no passkey given, or a newer request took over
    }
    if (stopped()) return; // the button has the authenticator, or the page is gone
    cancelRuns();
    state = 'paused';
    show.pending(true);
    const refusal = await signIn(response, next);
    if (refusal === null) return;
    show.pending(false);
    show.error(refusal);
    if (state === 'paused') state = 'resume on focus';
  }

  function renewIfDue(): void {
    if (document.visibilityState !== 'visible' || !newest) return;
    if (Date.now() - newest.since >= RENEW_AFTER_MS) void listen();
  }
  function resumeInField(event: Event): void {
    const onField =
      event.target instanceof HTMLInputElement && event.target.matches(AUTOFILL_FIELD);
    if (state === 'resume on focus' && onField) void listen();
  }

  const renewal = setInterval(renewIfDue, RENEWAL_CHECK_MS);
  document.addEventListener('visibilitychange', renewIfDue);
  document.addEventListener('focusin', resumeInField);
  document.addEventListener('pointerdown', resumeInField);
  void listen();

  return {
    /** The button takes the authenticator: no autofill request until `resume`. */
    pause(): void {
      cancelRuns();
      state = 'paused';
    },
    resume(): void {
      if (state === 'paused') state = 'resume on focus';
    },
    close(): void {
      cancelRuns();
      state = 'closed';
      clearInterval(renewal);
      document.removeEventListener('visibilitychange', renewIfDue);
      document.removeEventListener('focusin', resumeInField);
      document.removeEventListener('pointerdown', resumeInField);
      WebAuthnAbortService.cancelCeremony();
    },
  };
}
type Autofill = ReturnType<typeof startAutofill>;

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
