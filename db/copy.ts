import type { Db } from './types';
import { findAllEvents, insertEvent } from './queries/events';
import { findAllRecoveryCodes, insertRecoveryCode } from './queries/second-factor';
import { findAllSessions, insertSessions } from './queries/sessions';
import { findAllUsers, hasAnyUser, insertUser } from './queries/users';

export type CopyReport = { users: number; sessions: number; events: number };

export class CopyRefused extends Error {}

/**
 * Copies every user (with password hash and second factor), recovery code, live or not session,
 * and security event from one
 * database into an empty PostgreSQL database, in one transaction: it all arrives or none does.
 * Users get the target's own ids; sessions and events follow their user. Throttle counters are
 * short-lived and start afresh.
 */
export async function copyDatabase(source: Db, target: Db): Promise<CopyReport> {
  if (target.dialect !== 'postgres')
    throw new CopyRefused('The target must be a PostgreSQL database (postgres://...).');
  if (await hasAnyUser(target))
    throw new CopyRefused('The target database already has users: copy only into an empty one.');
  const [users, sessions, events, recoveryCodes] = await Promise.all([
    findAllUsers(source),
    findAllSessions(source),
    findAllEvents(source),
    findAllRecoveryCodes(source),
  ]);

  return target.orm.transaction(async (tx) => {
    const into: Db = { ...target, orm: tx as unknown as Db['orm'] };
    const newId = new Map<number, number>();
    for (const { id, ...user } of users) {
      const inserted = await insertUser(into, user);
      if (!inserted.ok)
        throw new CopyRefused(`The username "${user.username}" is already in the target database.`);
      newId.set(id, inserted.user.id);
    }
    for (const { username: _username, ...session } of sessions) {
      await insertSessions(into, [{ ...session, userId: newId.get(session.userId)! }]);
    }
    for (const { id: _id, ...code } of recoveryCodes) {
      await insertRecoveryCode(into, { ...code, userId: newId.get(code.userId)! });
    }
    for (const { id: _id, ...event } of events) {
      await insertEvent(into, {
        ...event,
        userId: event.userId === null ? null : (newId.get(event.userId) ?? null),
      });
    }
    return { users: users.length, sessions: sessions.length, events: events.length };
  });
}
