import {
  browserSupportsWebAuthnAutofill,
  type AuthenticationResponseJSON,
} from '@simplewebauthn/browser';
import { askForPasskey, fetchOptions, signIn, type Options } from './passkey-ceremony';

// An autofill request asks for a fresh challenge after this long, well inside a challenge's life
// on the server; the page checks that often while it is shown, and as it is shown again.
const RENEW_AFTER_MS = 4 * 60_000;
const RENEWAL_CHECK_MS = 15_000;
// The field the browser offers passkeys on, as @simplewebauthn/browser looks for it.
const AUTOFILL_FIELD = "input[autocomplete$='webauthn']";

export type Show = { pending(pending: boolean): void; error(message: string): void };

/**
 * The browser's passkey autofill: a conditional request waiting on the username field, renewed
 * before its challenge expires while the page is shown, paused while the button has the
 * authenticator. After a failure (the options did not come, no passkey was given, or the server
 * refused it) it starts again only when the person next moves or clicks into the username field,
 * so nothing is repeated without them.
 */
export function startAutofill(next: string, show: Show) {
  type Run = { abort: AbortController; since: number };
  // Runs not yet ended, each stopped by its own signal; after a renewal the older one's request
  // stays good until the newer one's replaces it.
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
    // The browser keeps one request waiting: this one replaces an older run's.
    for (const older of runs) if (older !== run) older.abort.abort();
    let response: AuthenticationResponseJSON;
    try {
      response = await askForPasskey(optionsJSON, run.abort.signal, true);
    } catch {
      return endAs('resume on focus'); // no passkey given, or stopped
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
    },
  };
}
export type Autofill = ReturnType<typeof startAutofill>;
