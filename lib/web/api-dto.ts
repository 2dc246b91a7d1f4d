import 'server-only';
import type { z } from 'zod';
import type { User } from '@/lib/auth/context';
import type { PasskeySummary } from '@/lib/auth/passkeys';
import type { Session } from '@/lib/auth/session';
import { describeUserAgent } from '@/lib/user-agent';
import type { currentSessionSchema, sessionListSchema } from './api-schemas';

// What the API returns: chosen fields, never rows.

export function toCurrentSession(
  user: User,
  { session, mustEnrol }: { session: Session; mustEnrol: boolean },
): z.infer<typeof currentSessionSchema> {
  return {
    user: { id: user.id, username: user.username },
    secondFactorEnrolmentRequired: mustEnrol,
    session: {
      createdAt: session.createdAt.toISOString(),
      lastSeenAt: session.lastSeenAt.toISOString(),
      idleExpiresAt: session.idleExpiresAt.toISOString(),
      absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
      authMethod: session.authMethod,
    },
  };
}

export function toSessionList(
  sessions: Session[],
  currentId: string,
): z.infer<typeof sessionListSchema> {
  return {
    sessions: sessions.map((s) => ({
      id: s.id,
      current: s.id === currentId,
      createdAt: s.createdAt.toISOString(),
      lastSeenAt: s.lastSeenAt.toISOString(),
      ip: s.ip,
      device: describeUserAgent(s.userAgent),
    })),
  };
}

export function toPasskey(passkey: PasskeySummary) {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
  };
}
