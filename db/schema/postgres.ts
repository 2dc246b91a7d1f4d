import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// The same tables as ./sqlite.ts, column for column; ./index.ts fails to compile if the rows differ.
const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

export const users = pgTable('users', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  // Stored already normalised (NFKC, lower case), so this unique index makes names case-insensitive.
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  createdAt: instant('created_at').notNull(),
});

export const sessions = pgTable(
  'sessions',
  {
    // SHA-256 of the token in the cookie: a copy of this table opens no session.
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: instant('created_at').notNull(),
    lastSeenAt: instant('last_seen_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (table) => [
    index('sessions_user_id_idx').on(table.userId),
    index('sessions_expires_at_idx').on(table.expiresAt),
    index('sessions_last_seen_at_idx').on(table.lastSeenAt),
  ],
);

export const securityEvents = pgTable(
  'security_events',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    type: text('type').notNull(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    username: text('username'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    detail: text('detail'),
    createdAt: instant('created_at').notNull(),
  },
  (table) => [
    index('security_events_user_id_created_at_idx').on(table.userId, table.createdAt),
    index('security_events_created_at_idx').on(table.createdAt),
  ],
);

export const throttleCounters = pgTable(
  'throttle_counters',
  {
    key: text('key').primaryKey(),
    count: integer('count').notNull(),
    resetAt: instant('reset_at').notNull(),
    blockedUntil: instant('blocked_until'),
  },
  (table) => [index('throttle_counters_reset_at_idx').on(table.resetAt)],
);
