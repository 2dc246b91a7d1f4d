import { randomBytes } from 'node:crypto';

// Set by server/index.ts on every request, overwriting whatever a client sent under these names.
export const CLIENT_IP_HEADER = 'x-gatehouse-client-ip';
export const PROTOCOL_HEADER = 'x-gatehouse-proto';

// The server also stamps each request with a random value made when it started. Under a plain
// `next start` there is no such value, and headers a client made up are not believed.
export const VOUCHER_HEADER = 'x-gatehouse-voucher';
const VOUCHER_ENV = 'GATEHOUSE_FORWARDING_VOUCHER';

/** Called once by the server: the value it will stamp on every request. */
export function createVoucher(): string {
  process.env[VOUCHER_ENV] = randomBytes(16).toString('hex');
  return process.env[VOUCHER_ENV];
}

/**
 * Whether this process was started by the server. Under plain `next start` or `next dev` no client
 * address reaches the app, and every client would share one per-IP throttle bucket.
 */
export const startedThroughServer = (): boolean => Boolean(process.env[VOUCHER_ENV]);

/** A header the server set, or null when the request did not come through it. */
export function readVouchedHeader(headers: Headers, name: string): string | null {
  const voucher = process.env[VOUCHER_ENV];
  return voucher && headers.get(VOUCHER_HEADER) === voucher ? headers.get(name) : null;
}
