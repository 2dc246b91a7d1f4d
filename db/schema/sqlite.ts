import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// Timestamps are milliseconds since the epoch; drizzle maps them to and from Date.

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  // Stored already normalised (NFKC, lower case), so this unique index makes names case-insensitive.
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

export const sessions = sqliteTable(
  'sessions',
  {
    // SHA-256 of the token in the cookie: a copy of this table opens no session.
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    lastSeenAt: integer('last_seen_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (table) => [
    index('sessions_user_id_idx').on(table.userId),
    index('sessions_expires_at_idx').on(table.expiresAt),
    index('sessions_last_seen_at_idx').on(table.lastSeenAt),
  ],
);

export const securityEvents = sqliteTable(
  'security_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    type: text('type').notNull(),
    // Null when no account matched (a failed login for an unknown name) or the account is gone.
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    // The name as typed, for failed logins; never a password or a token.
    username: text('username'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    detail: text('detail'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [
    index('security_events_user_id_created_at_idx').on(table.userId, table.createdAt),
    index('security_events_created_at_idx').on(table.createdAt),
  ],
);

// Anti-automation counters, one row per key ("login-account:alice", "login-ip:203.0.113.7", ...).
// In the database so they survive restarts and are shared by every server process.
export const throttleCounters = sqliteTable(
  'throttle_counters',
  {
    key: text('key').primaryKey(),
    count: integer('count').notNull(),
    // When the count starts again from zero; the row may be purged after this.
    resetAt: integer('reset_at', { mode: 'timestamp_ms' }).notNull(),
    blockedUntil: integer('blocked_until', { mode: 'timestamp_ms' }),
  },
  (table) => [index('throttle_counters_reset_at_idx').on(table.resetAt)],
);
