import { isIP } from 'node:net';

// Who is really connecting. Next.js alone passes a client's own X-Forwarded-For through as if it
// were the peer address, so per-IP throttling would be trivially dodged; here the address comes
// from the socket, or from the proxies TRUST_PROXY says to believe.

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
  const chain = (forwardedFor ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (chain.length === 0) return normalizeIp(realIp) ?? socket;
  return normalizeIp(chain[Math.max(0, chain.length - trustedHops)]) ?? socket;
}

function normalizeIp(value: string | undefined): string | null {
  if (!value) return null;
  const address = value.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return isIP(address) ? address : null;
}

/** "https" when the connection is TLS, or a trusted proxy says the client's connection was. */
export function resolveProtocol(
  encrypted: boolean,
  forwardedProto: string | undefined,
  trustedHops: number,
): 'http' | 'https' {
  if (encrypted) return 'https';
  if (trustedHops === 0 || !forwardedProto) return 'http';
  const nearest = forwardedProto.split(',').at(-1)?.trim().toLowerCase();
  return nearest === 'https' ? 'https' : 'http';
}
