import type { Db } from '@/db';
import type { Actor, AuthPolicies, RequestContext, Refused } from './context';
import type { ReauthenticationRequired } from './second-factor-check';
import { revokeOtherSessions, revokeSession } from './session';
import { stepUpUnlessRecent } from './step-up';
import type { Invalid } from './validation';

// A user ending their own sessions, from the account page or the API: ending another session
// asks for the current password unless this session signed in within REAUTH_WINDOW (ASVS
// 7.5.2), so a stolen or forgotten open session cannot lock its owner's other devices out. The
// operator's command line ends sessions with revokeOtherSessions directly.

export type RevocationInput = { currentPassword?: unknown };

export type StepUpRefusal = Invalid<'currentPassword'> | ReauthenticationRequired | Refused;

export type SessionRevocationResult =
  | { ok: true; current: boolean }
  | { ok: false; reason: 'not_found'; message: string }
  | StepUpRefusal;

const NOT_FOUND = {
  ok: false,
  reason: 'not_found',
  message: 'No such session among yours.',
} as const;

/**
 * Ends one of the user's sessions. Ending the current one is logging out and needs nothing more;
 * an id that is not one of theirs ends nothing and answers not_found, as one that never existed.
 */
export async function revokeSessionByUser(
  db: Db,
  actor: Actor,
  sessionId: unknown,
  input: RevocationInput,
  ctx: RequestContext,
  policies: AuthPolicies,
): Promise<SessionRevocationResult> {
  if (typeof sessionId !== 'string' || sessionId === '') return NOT_FOUND;
  const current = sessionId === actor.session.id;
  if (!current) {
    const confirmed = await stepUpUnlessRecent(
      db,
      actor,
      input.currentPassword,
      'session_revocation',
      ctx,
      policies,
    );
    if (!confirmed.ok) return confirmed;
  }
  return (await revokeSession(db, actor.user.id, sessionId, ctx))
    ? { ok: true, current }
    : NOT_FOUND;
}

/** Ends every session of the user but this one; `ended` says how many. */
export async function revokeOtherSessionsByUser(
  db: Db,
  actor: Actor,
  input: RevocationInput,
  ctx: RequestContext,
  policies: AuthPolicies,
): Promise<{ ok: true; ended: number } | StepUpRefusal> {
  const confirmed = await stepUpUnlessRecent(
    db,
    actor,
    input.currentPassword,
    'session_revocation',
    ctx,
    policies,
  );
  if (!confirmed.ok) return confirmed;
  return { ok: true, ended: await revokeOtherSessions(db, actor.user.id, actor.session.id, ctx) };
}
