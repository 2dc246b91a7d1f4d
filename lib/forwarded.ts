import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

// Set by server.ts on every request, overwriting whatever a client sent under these names.
export const CLIENT_IP_HEADER = 'x-gatehouse-client-ip';
export const PROTOCOL_HEADER = 'x-gatehouse-proto';

// server.ts also stamps each request with a random value made when it started. Under a plain
// `next start` there is no such value, and headers a client made up are not believed.
export const VOUCHER_HEADER = 'x-gatehouse-voucher';
const VOUCHER_ENV = 'GATEHOUSE_FORWARDING_VOUCHER';

/** Called once by server.ts: the value it will stamp on every request. */
export function createVoucher(): string {
  process.env[VOUCHER_ENV] = randomBytes(16).toString('hex');
  return process.env[VOUCHER_ENV];
}

/**
 * Whether this process was started by server.ts. Under plain `next start` or `next dev` no client
 * address reaches the app, and every client would share one per-IP throttle bucket.
 */
export const startedThroughServer = (): boolean => Boolean(process.env[VOUCHER_ENV]);

/** A header server.ts set, or null when the request did not come through server.ts. */
export function readVouchedHeader(headers: Headers, name: string): string | null {
  const voucher = process.env[VOUCHER_ENV];
  return voucher && headers.get(VOUCHER_HEADER) === voucher ? headers.get(name) : null;
}

/**
 * The client's address. With no trusted proxy it is the socket's peer, whatever headers say.
 * Behind `trustedHops` proxies, each of which appends the address it saw to X-Forwarded-For,
 * it is the entry that many places from the right; entries further left are the client's own
 * claims and are ignored. X-Real-IP is used only when a trusted proxy sent no X-Forwarded-For.
 */
export function resolveClientIp(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  realIp: string | undefined,
  trustedHops: number,
): string | null {
  const socket = normalizeIp(socketAddress);
  if (trustedHops === 0) return socket;
  const chain = (forwardedFor ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  if (chain.length === 0) return normalizeIp(realIp) ?? socket;
  return normalizeIp(chain[Math.max(0, chain.length - trustedHops)]) ?? socket;
}

function normalizeIp(value: string | undefined): string | null {
  if (!value) return null;
  const address = value.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return isIP(address) ? address : null;
}

/** "https" when the connection is TLS, or a trusted proxy says the client's connection was. */
export function resolveProtocol(encrypted: boolean, forwardedProto: string | undefined, trustedHops: number): 'http' | 'https' {
  if (encrypted) return 'https';
  if (trustedHops === 0 || !forwardedProto) return 'http';
  const nearest = forwardedProto.split(',').at(-1)?.trim().toLowerCase();
  return nearest === 'https' ? 'https' : 'http';
}
