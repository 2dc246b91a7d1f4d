import {
  and,
  asc,
  desc,
  eq,
  fillPlaceholders,
  getTableColumns,
  inArray,
  lt,
  lte,
  ne,
  sql,
} from 'drizzle-orm';
import type { Db } from '../types';
import type { SessionRow } from '../schema';
import type { TransactionStep } from '../transaction';

/** A session, its user, and whether an operator requires that user to have a second factor. */
export type SessionWithUser = {
  session: SessionRow;
  user: { id: number; username: string };
  secondFactorRequired: boolean;
};

/** A new session (transaction step). */
export function insertSession(db: Db, row: SessionRow): TransactionStep {
  return { write: (orm) => orm.insert(db.tables.sessions).values(row) };
}

// The two statements behind every authenticated request: the lookup, and the last-seen touch (at
// most once a minute per session). Inside a busy server, Drizzle's work around each call
// (building or filling the query, mapping the joined row) cost several times the statement itself
// (bench/README.md), so on SQLite the SQL Drizzle writes is prepared once per
// database handle on better-sqlite3 itself, and rows come back as bare arrays decoded by the
// schema's own columns. PostgreSQL keeps Drizzle's prepared statements, named so that each
// connection parses and plans them once instead of on every call: there the round trip costs most.
type SessionStatements = {
  find(tokenHash: string): Promise<SessionWithUser | undefined>;
  touch(tokenHash: string, lastSeenAt: Date): Promise<void>;
};
const prepared = new WeakMap<Db, SessionStatements>();

function sessionStatements(db: Db): SessionStatements {
  let statements = prepared.get(db);
  if (!statements) {
    statements = prepareSessionStatements(db);
    prepared.set(db, statements);
  }
  return statements;
}

function prepareSessionStatements(db: Db): SessionStatements {
  const { sessions, users } = db.tables;
  const fields = {
    ...getTableColumns(sessions),
    username: users.username,
    secondFactorRequiredAt: users.secondFactorRequiredAt,
  };
  const find = db.orm
    .select(fields)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.tokenHash, sql.placeholder('tokenHash')));
  type Row = SessionRow & { username: string; secondFactorRequiredAt: Date | null };
  const toResult = ({ username, secondFactorRequiredAt, ...session }: Row): SessionWithUser => ({
    session,
    user: { id: session.userId, username },
    secondFactorRequired: secondFactorRequiredAt !== null,
  });
  // Moves last-seen forward only: a slower server writing an older time cannot pull it back.
  const touch = db.orm
    .update(sessions)
    .set({ lastSeenAt: sql`${sql.placeholder('lastSeenAt')}` })
    .where(
      and(
        eq(sessions.tokenHash, sql.placeholder('tokenHash')),
        lt(sessions.lastSeenAt, sql.placeholder('lastSeenAt')),
      ),
    );

  if (!db.sqlite) {
    const [findPrepared, touchPrepared] = [
      prepareNamed(find, 'gatehouse_find_session'),
      prepareNamed(touch, 'gatehouse_touch_session'),
    ];
    return {
      find: async (tokenHash) => {
        const [row] = await findPrepared.execute({ tokenHash });
        return row && toResult(row);
      },
      touch: async (tokenHash, lastSeenAt) => {
        await touchPrepared.execute({ tokenHash, lastSeenAt });
      },
    };
  }
  const columns = Object.entries(fields);
  const findStatement = db.sqlite.prepare<[string], unknown[]>(find.toSQL().sql).raw(true);
  const touchQuery = touch.toSQL();
  const touchStatement = db.sqlite.prepare(touchQuery.sql);
  return {
    find: async (tokenHash) => {
      const values = findStatement.get(tokenHash);
      if (!values) return undefined;
      const row: Record<string, unknown> = {};
      columns.forEach(
        ([key, column], i) =>
          (row[key] = values[i] === null ? null : column.mapFromDriverValue(values[i])),
      );
      return toResult(row as Row);
    },
    touch: async (tokenHash, lastSeenAt) => {
      touchStatement.run(
        fillPlaceholders(touchQuery.params, {
          tokenHash,
          lastSeenAt: sessions.lastSeenAt.mapToDriverValue(lastSeenAt),
        }),
      );
    },
  };
}

// The builders are typed as SQLite's (see Db), whose prepare() takes no name; PostgreSQL's takes one.
function prepareNamed<Query extends { prepare(): unknown }>(
  query: Query,
  name: string,
): ReturnType<Query['prepare']> {
  return (query.prepare as (name: string) => ReturnType<Query['prepare']>).call(query, name);
}

export async function findSessionWithUser(
  db: Db,
  tokenHash: string,
): Promise<SessionWithUser | undefined> {
  return sessionStatements(db).find(tokenHash);
}

export async function findUserSessions(db: Db, userId: number): Promise<SessionRow[]> {
  const { sessions } = db.tables;
  return db.orm
    .select()
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .orderBy(desc(sessions.lastSeenAt));
}

export async function findAllSessions(db: Db): Promise<(SessionRow & { username: string })[]> {
  const { sessions, users } = db.tables;
  const rows = await db.orm
    .select({ session: sessions, username: users.username })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .orderBy(asc(users.username), desc(sessions.lastSeenAt));
  return rows.map(({ session, username }) => ({ ...session, username }));
}

export async function updateSessionLastSeen(
  db: Db,
  tokenHash: string,
  lastSeenAt: Date,
): Promise<void> {
  await sessionStatements(db).touch(tokenHash, lastSeenAt);
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  const { sessions } = db.tables;
  await db.orm.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

/** Deletes the session only if it belongs to the user; returns whether one was deleted. */
export async function deleteUserSession(
  db: Db,
  userId: number,
  tokenHash: string,
): Promise<boolean> {
  const { sessions } = db.tables;
  const deleted = await db.orm
    .delete(sessions)
    .where(and(eq(sessions.tokenHash, tokenHash), eq(sessions.userId, userId)))
    .returning({ tokenHash: sessions.tokenHash });
  return deleted.length > 0;
}

export async function deleteUserSessions(
  db: Db,
  userId: number,
  exceptTokenHash?: string,
): Promise<number> {
  const { sessions } = db.tables;
  const mine = eq(sessions.userId, userId);
  const deleted = await db.orm
    .delete(sessions)
    .where(exceptTokenHash ? and(mine, ne(sessions.tokenHash, exceptTokenHash)) : mine)
    .returning({ tokenHash: sessions.tokenHash });
  return deleted.length;
}

/**
 * Deletes up to `limit` sessions past their absolute expiry (`lifetime`) or idle since before the
 * cutoff (`idle`); returns how many. One condition per statement, so each is a range scan of its
 * own index, and small batches keep each statement short: a large purge never holds the database
 * (or, on SQLite, the event loop) for long.
 */
export async function deleteExpiredSessionsBatch(
  db: Db,
  rule: 'lifetime' | 'idle',
  cutoff: Date,
  limit: number,
): Promise<number> {
  const { sessions } = db.tables;
  const expired = db.orm
    .select({ tokenHash: sessions.tokenHash })
    .from(sessions)
    .where(rule === 'lifetime' ? lte(sessions.expiresAt, cutoff) : lt(sessions.lastSeenAt, cutoff))
    .limit(limit);
  const deleted = await db.orm
    .delete(sessions)
    .where(inArray(sessions.tokenHash, expired))
    .returning({ tokenHash: sessions.tokenHash });
  return deleted.length;
}

/** Deletes up to `limit` sessions, whoever's they are; returns how many (ending every session in batches). */
export async function deleteSessionsBatch(db: Db, limit: number): Promise<number> {
  const { sessions } = db.tables;
  const some = db.orm.select({ tokenHash: sessions.tokenHash }).from(sessions).limit(limit);
  const deleted = await db.orm
    .delete(sessions)
    .where(inArray(sessions.tokenHash, some))
    .returning({ tokenHash: sessions.tokenHash });
  return deleted.length;
}

/** Inserts many sessions in one statement (seeding the benchmark). */
export async function insertSessions(db: Db, rows: SessionRow[]): Promise<void> {
  if (rows.length > 0) await db.orm.insert(db.tables.sessions).values(rows);
}

/** Deletes every session of the user, telling `deleted` how many (transaction step). */
export function deleteAllUserSessions(
  db: Db,
  userId: number,
  deleted: (count: number) => void,
): TransactionStep {
  const { sessions } = db.tables;
  return {
    collect: (orm) =>
      orm
        .delete(sessions)
        .where(eq(sessions.userId, userId))
        .returning({ tokenHash: sessions.tokenHash }),
    into: (rows) => deleted(rows.length),
  };
}

/** Deletes one session, whoever's it is (transaction step). */
export function deleteSessionStep(db: Db, tokenHash: string): TransactionStep {
  const { sessions } = db.tables;
  return { write: (orm) => orm.delete(sessions).where(eq(sessions.tokenHash, tokenHash)) };
}

/**
 * Gives the session a new token (its hash), recording how it is now authenticated and when every
 * factor was last proved; false when the session is gone. One statement: the old token stops
 * working as the new one starts.
 */
export async function rotateSessionToken(
  db: Db,
  tokenHash: string,
  change: { tokenHash: string; authMethod: string; reauthenticatedAt: Date; lastSeenAt: Date },
): Promise<SessionRow | undefined> {
  const { sessions } = db.tables;
  const [row] = await db.orm
    .update(sessions)
    .set(change)
    .where(eq(sessions.tokenHash, tokenHash))
    .returning();
  return row;
}
