import { randomBytes } from 'node:crypto';

// Recovery codes: for when the authenticator app is lost. Ten at a time, each 16 characters of
// Crockford's base32 (no I, L, O or U to misread), typed in groups of four: 80 random bits, of
// which the first 20 (the first group) find the code among the account's and the other 60 are
// what a guesser must find. Each is stored as its own salted bcrypt hash, since 60 bits is far
// below the 112 that would make a plain hash safe (ASVS 6.5.2), and each works once.

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const LENGTH = 16;
export const LOOKUP_LENGTH = 4;

/** A fresh code, as shown to its owner: "abcd-efgh-jkmn-pqrs". */
export function generateRecoveryCode(): string {
  const bytes = randomBytes(10); // 80 bits, 5 to a character
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let code = '';
  for (let i = LENGTH - 1; i >= 0; i--) code += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return code.match(/.{4}/g)!.join('-');
}

/** What a person typed, as stored and compared: lower case, no spaces or dashes, misreadings mended. */
export function normalizeRecoveryCode(typed: unknown): string | null {
  if (typeof typed !== 'string' || typed.length > 64) return null;
  const code = typed.toLowerCase().replace(/[\s-]/g, '').replace(/[il]/g, '1').replace(/o/g, '0');
  return code.length === LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : null;
}
