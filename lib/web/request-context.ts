import 'server-only';
import { headers } from 'next/headers';
import type { RequestContext } from '@/lib/auth/context';
import { CLIENT_IP_HEADER, readVouchedHeader } from '@/lib/http/vouched-headers';

const MAX_USER_AGENT_LENGTH = 512;

/** The clock and the client for the core functions: IP as resolved by the server, user agent. */
export async function getRequestContext(): Promise<RequestContext> {
  const h = await headers();
  const ip = readVouchedHeader(h, CLIENT_IP_HEADER);
  return {
    now: new Date(),
    client: {
      ip: ip && ip !== 'unknown' ? ip : null,
      userAgent: h.get('user-agent')?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
    },
  };
}
