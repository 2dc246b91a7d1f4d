import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { errorMessageOf, postJson } from '@/app/components/post-json';

// The two requests of a passkey sign-in from the login page, for the autofill and the button.

export type Options = PublicKeyCredentialRequestOptionsJSON;

const UNREACHABLE = 'Gatehouse could not be reached. Check your connection and try again.';

export async function fetchOptions(signal?: AbortSignal): Promise<Options> {
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
export async function signIn(
  response: AuthenticationResponseJSON,
  next: string,
): Promise<string | null> {
  try {
    const verified = await postJson('/api/auth/passkeys/login', { response });
    if (!verified.ok) return await errorMessageOf(verified);
  } catch {
    return UNREACHABLE;
  }
  window.location.assign(next);
  return null;
}
