import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

// Authenticator-app codes (RFC 6238) with the defaults every app supports: a 20-byte secret from
// the CSPRNG, SHA-1, 6 digits, 30-second steps. A code is accepted for its own step by the
// server's clock (and, where the operator allows drift, one step either side), and at most once:
// the caller moves the account's last used step forward in one conditional update (RFC 6238 §5.2).

export const STEP_SECONDS = 30;
const DIGITS = 6;

function totp(secretBase32: string, issuer: string, label: string): TOTP {
  return new TOTP({
    issuer,
    label,
    secret: Secret.fromBase32(secretBase32),
    algorithm: 'SHA1',
    digits: DIGITS,
    period: STEP_SECONDS,
  });
}

/** A new secret, in the base32 form apps take and people can type. */
export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** What an app needs: the otpauth:// URI, and the same as a QR code, an SVG made on the server. */
export async function describeTotpSecret(secretBase32: string, issuer: string, account: string) {
  const uri = totp(secretBase32, issuer, account).toString();
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { uri, svg, secret: secretBase32.replace(/(.{4})/g, '$1 ').trim() };
}

/** The time step a code is valid for at `now`, or null when it is wrong (or not six digits). */
export function matchTotpStep(
  secretBase32: string,
  code: unknown,
  now: Date,
  driftSteps: number,
): number | null {
  if (typeof code !== 'string') return null;
  const digits = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(digits)) return null;
  const delta = totp(secretBase32, 'Gatehouse', 'check').validate({
    token: digits,
    timestamp: now.getTime(),
    window: driftSteps,
  });
  return delta === null ? null : Math.floor(now.getTime() / 1000 / STEP_SECONDS) + delta;
}
