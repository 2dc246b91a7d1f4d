import type { Db } from '@/db';
import { metrics } from '../metrics';
import type { RequestContext } from './context';
import { recordSecurityEvent } from './events';
import { invalidateUserSession, invalidateUserSessions } from './session';

/** Ends one of the user's own sessions. An id that is not theirs changes nothing. */
export async function revokeSession(db: Db, userId: number, sessionId: string, ctx: RequestContext): Promise<boolean> {
  const revoked = await invalidateUserSession(db, userId, sessionId);
  if (revoked) metrics().sessionsEnded.inc({ reason: 'revoked' });
  if (revoked) await recordSecurityEvent(db, { type: 'session_revoked', userId, detail: 'one session' }, ctx.client, ctx.now);
  return revoked;
}

/** Ends every session of the user except `keepSessionId` (all of them when it is omitted). */
export async function revokeOtherSessions(
  db: Db,
  userId: number,
  keepSessionId: string | undefined,
  ctx: RequestContext,
): Promise<number> {
  const count = await invalidateUserSessions(db, userId, keepSessionId);
  metrics().sessionsEnded.inc({ reason: 'revoked' }, count);
  if (count > 0) {
    const detail = `${count} session${count === 1 ? '' : 's'}${keepSessionId ? ', all others' : ', all'}`;
    await recordSecurityEvent(db, { type: 'session_revoked', userId, detail }, ctx.client, ctx.now);
  }
  return count;
}
