import {
  base64URLStringToBuffer,
  browserSupportsWebAuthn,
  bufferToBase64URLString,
  type AuthenticationResponseJSON,
  type AuthenticatorAttachment,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { errorMessageOf, postJson } from '@/app/components/post-json';

// The three steps of a passkey sign-in from the login page, for the autofill and the button: the
// options, the browser's request to the authenticator, and the answer.

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

/**
 * Asks the browser for a passkey: a conditional request (the username field's autofill) or a
 * modal one. Made here rather than with the library's startAuthentication, which awaits a
 * support check of its own before it takes an abort signal (only its own), so a cancel in that
 * moment could not stop the request; this one is bound to `signal` from the start. Rejects as
 * the browser does (a DOMException) when no passkey is given or the request is stopped.
 */
export async function askForPasskey(
  options: Options,
  signal: AbortSignal,
  conditional = false,
): Promise<AuthenticationResponseJSON> {
  if (!browserSupportsWebAuthn()) throw new Error('This browser cannot use passkeys.');
  const credential = await navigator.credentials.get({
    ...(conditional ? { mediation: 'conditional' } : {}),
    signal,
    publicKey: {
      challenge: base64URLStringToBuffer(options.challenge),
      rpId: options.rpId,
      timeout: options.timeout,
      userVerification: options.userVerification,
    },
  });
  if (!(credential instanceof PublicKeyCredential)) throw new Error('No passkey was given.');
  const response = credential.response as AuthenticatorAssertionResponse;
  return {
    id: credential.id,
    rawId: bufferToBase64URLString(credential.rawId),
    type: 'public-key',
    response: {
      clientDataJSON: bufferToBase64URLString(response.clientDataJSON),
      authenticatorData: bufferToBase64URLString(response.authenticatorData),
      signature: bufferToBase64URLString(response.signature),
      userHandle: response.userHandle ? bufferToBase64URLString(response.userHandle) : undefined,
    },
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: attachments.find((a) => a === credential.authenticatorAttachment),
  };
}

const attachments: AuthenticatorAttachment[] = ['platform', 'cross-platform'];

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
