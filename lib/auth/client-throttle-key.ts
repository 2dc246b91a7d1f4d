import ipaddr from 'ipaddr.js';
import type { ThrottlePolicy } from './context';

// The one way a client address becomes a per-IP throttle key, for every per-IP counter. An IPv6
// client is given a whole network (a /64 at least, RFC 6177) and may use a fresh address from it
// for every request, so it is counted by its first `ipv6PrefixLength` bits; an IPv4-mapped IPv6
// address (::ffff:a.b.c.d) is the IPv4 client it names.

/** The key a client address is counted under: its IPv4 address, or its IPv6 network. */
export function clientThrottleKey(
  ip: string | null,
  policy: Pick<ThrottlePolicy, 'ipv6PrefixLength'>,
): string {
  if (!ip) return 'unknown';
  if (!ipaddr.isValid(ip)) return ip; // not from the server's socket or a trusted proxy: as is
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const bits = policy.ipv6PrefixLength;
  const network = ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${bits}`);
  return `${network.toString()}/${bits}`;
}
