import 'server-only';
import { headers } from 'next/headers';
import type { ClientInfo } from '@/lib/auth/session';

/**
 * IP and user agent recorded with a new session, for the person to recognise it later.
 * The IP is the nearest hop Next.js saw; it is informational only and decides nothing.
 */
export async function getClientInfo(): Promise<ClientInfo> {
  const h = await headers();
  const forwarded = h.get('x-forwarded-for');
  const ip = forwarded?.split(',').at(-1)?.trim() || null;
  return { ip: ip?.slice(0, 64) ?? null, userAgent: h.get('user-agent') };
}
