import { hash, randomBytes } from 'node:crypto';

// The random tokens Gatehouse hands out (a session's, a link's): 256 bits from the CSPRNG, in
// unpadded base64url, and kept in the database only as their SHA-256, so a copy of the database
// opens nothing.

const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function generateToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** SHA-256, hex: what the database knows a token by. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** Whether a string has the shape of a token at all (anything else is refused unlooked-up). */
export const isTokenShaped = (value: unknown): value is string =>
  typeof value === 'string' && TOKEN_PATTERN.test(value);
