import { domainToASCII } from 'node:url';
import { z } from 'zod';

// Addresses as Gatehouse stores and compares them: no quoted local parts and no comments (zod's
// strict pattern), at most 254 characters (RFC 5321's path limit), an internationalised domain
// taken in its ASCII form, all in lower case, so one address is one key however it is typed.

export const EMAIL_MAX_LENGTH = 254;
const strict = z.email();

export type AddressParse = { ok: true; address: string } | { ok: false; message: string };

export function parseEmailAddress(raw: unknown): AddressParse {
  if (typeof raw !== 'string' || raw.trim() === '')
    return { ok: false, message: 'Enter an email address.' };
  const typed = raw.trim();
  if (typed.length > EMAIL_MAX_LENGTH)
    return {
      ok: false,
      message: `Email address is too long: at most ${EMAIL_MAX_LENGTH} characters.`,
    };
  const at = typed.lastIndexOf('@');
  const domain = at > 0 ? domainToASCII(typed.slice(at + 1)) : '';
  const address = `${typed.slice(0, at)}@${domain}`.toLowerCase();
  if (!domain || address.length > EMAIL_MAX_LENGTH || !strict.safeParse(address).success) {
    return {
      ok: false,
      message: 'That is not an email address Gatehouse can use, such as name@example.com.',
    };
  }
  return { ok: true, address };
}
