import type { Db } from '@/db';
import { insertSessions } from '@/db/queries/sessions';
import { insertUser, setEmail } from '@/db/queries/users';
import { runTransaction } from '@/db/transaction';
import type { SessionRow } from '@/db/schema';
import { generateToken, hashToken } from '@/lib/auth/tokens';
import type { Sealer } from '@/lib/seal';

const HOUR = 3_600_000;
const ROWS_PER_INSERT = 1000;

export type Seeded = { usernames: string[]; cookies: string[] };

/** Users sharing one password (hashed once), for the login storm. */
export async function seedUsers(db: Db, count: number, passwordHash: string): Promise<string[]> {
  const usernames: string[] = [];
  for (let i = 0; i < count; i++) {
    const result = await insertUser(db, {
      username: `bench-user-${i}`,
      passwordHash,
      createdAt: new Date(),
    });
    if (result.ok) usernames.push(result.user.username);
  }
  return usernames;
}

/** Live sessions for the given users, each with the cookie a browser would send for it. */
export async function seedLiveSessions(
  db: Db,
  userIds: number[],
  count: number,
  sealer: Sealer,
  sealTtlSeconds: number,
): Promise<string[]> {
  const now = new Date();
  const cookies: string[] = [];
  let rows: SessionRow[] = [];
  for (let i = 0; i < count; i++) {
    const token = generateToken();
    cookies.push(await sealer.seal({ token }, sealTtlSeconds));
    rows.push(
      sessionRow(
        hashToken(token),
        userIds[i % userIds.length]!,
        now,
        new Date(now.getTime() + 12 * HOUR),
      ),
    );
    if (rows.length === ROWS_PER_INSERT) rows = await flush(db, rows);
  }
  await flush(db, rows);
  return cookies;
}

/** Sessions long expired, to fill the table (no cookie exists for them). */
export async function seedExpiredSessions(db: Db, userId: number, count: number): Promise<void> {
  const longAgo = new Date(Date.now() - 48 * HOUR);
  let rows: SessionRow[] = [];
  for (let i = 0; i < count; i++) {
    rows.push(
      sessionRow(
        hashToken(generateToken()),
        userId,
        longAgo,
        new Date(longAgo.getTime() + 12 * HOUR),
      ),
    );
    if (rows.length === ROWS_PER_INSERT) rows = await flush(db, rows);
  }
  await flush(db, rows);
}

async function flush(db: Db, rows: SessionRow[]): Promise<SessionRow[]> {
  await insertSessions(db, rows);
  return [];
}

const sessionRow = (tokenHash: string, userId: number, at: Date, expiresAt: Date): SessionRow => ({
  tokenHash,
  userId,
  createdAt: at,
  lastSeenAt: at,
  expiresAt,
  ip: '198.51.100.7',
  userAgent:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  authMethod: 'password',
  reauthenticatedAt: null,
});

/** Gives a user a verified address (the reset-request figure needs one). */
export async function seedEmail(db: Db, userId: number, email: string): Promise<void> {
  await runTransaction(db, [setEmail(db, userId, email)]);
}
