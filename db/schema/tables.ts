import type { ColumnKit } from './column-kits';

// Every table, written once over a column kit (./column-kits.ts): ./sqlite.ts and ./postgres.ts
// each pass their own, and drizzle-kit generates each dialect's migrations from the result.
export function defineTables({ table, id, instant, text, integer, bigint, index }: ColumnKit) {
  const users = table('users', {
    id: id(),
    // Stored already normalised (NFKC, lower case), so this unique index makes names case-insensitive.
    username: text('username').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    createdAt: instant('created_at').notNull(),
    // The verified address, the one recovery mail goes to: lower case, one account each.
    email: text('email').unique(),
    // An address given but not yet verified through the link mailed to it.
    pendingEmail: text('pending_email'),
    // The authenticator app's secret, encrypted (lib/secret-box.ts); in use once enabled.
    totpSecret: text('totp_secret'),
    totpEnabledAt: instant('totp_enabled_at'),
    // The last time step whose code was accepted: a code is never accepted twice.
    totpLastStep: integer('totp_last_step'),
    // Moves on whenever the password or the second factor changes: a login whose check began
    // under an older version starts nothing (see credentialsUnchanged in db/queries/users.ts).
    credentialsVersion: integer('credentials_version').notNull().default(0),
    // Set by an operator: this account must have a second factor whatever REQUIRE_SECOND_FACTOR says.
    secondFactorRequiredAt: instant('second_factor_required_at'),
  });

  const sessions = table(
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
      // How the session was started: password, password+totp, password+recovery-code, passkey.
      authMethod: text('auth_method').notNull().default('password'),
      // When every factor of the account was last proved in this session (fresh authentication).
      reauthenticatedAt: instant('reauthenticated_at'),
    },
    (t) => [
      index('sessions_user_id_idx').on(t.userId),
      index('sessions_expires_at_idx').on(t.expiresAt),
      index('sessions_last_seen_at_idx').on(t.lastSeenAt),
    ],
  );

  const securityEvents = table(
    'security_events',
    {
      id: id(),
      type: text('type').notNull(),
      // Null when no account matched (a failed login for an unknown name) or the account is gone.
      userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
      // The name as typed, for failed logins; never a password or a token.
      username: text('username'),
      ip: text('ip'),
      userAgent: text('user_agent'),
      detail: text('detail'),
      createdAt: instant('created_at').notNull(),
    },
    (t) => [
      index('security_events_user_id_created_at_idx').on(t.userId, t.createdAt),
      index('security_events_created_at_idx').on(t.createdAt),
    ],
  );

  // Anti-automation counters, one row per key ("login-account:alice", "login-ip:203.0.113.7", ...).
  // In the database so they survive restarts and are shared by every server process.
  const throttleCounters = table(
    'throttle_counters',
    {
      key: text('key').primaryKey(),
      count: integer('count').notNull(),
      // When the count starts again from zero; the row may be purged after this.
      resetAt: instant('reset_at').notNull(),
      blockedUntil: instant('blocked_until'),
    },
    (t) => [index('throttle_counters_reset_at_idx').on(t.resetAt)],
  );

  // Single-use links mailed to people: address verification, password reset.
  const oneTimeTokens = table(
    'one_time_tokens',
    {
      // SHA-256 of the token in the link; the link itself is never stored.
      tokenHash: text('token_hash').primaryKey(),
      purpose: text('purpose').notNull(),
      userId: integer('user_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      // What the token vouches for, where that matters: the address a verification or reset link
      // went to.
      target: text('target'),
      createdAt: instant('created_at').notNull(),
      expiresAt: instant('expires_at').notNull(),
      usedAt: instant('used_at'),
      // Wrong answers so far (a pending login's codes).
      attempts: integer('attempts').notNull().default(0),
    },
    (t) => [
      index('one_time_tokens_user_id_purpose_idx').on(t.userId, t.purpose),
      index('one_time_tokens_expires_at_idx').on(t.expiresAt),
    ],
  );

  // Mail waiting to be sent (lib/mail/outbox.ts), and what was sent, to whom and when.
  const mailOutbox = table(
    'mail_outbox',
    {
      id: id(),
      recipient: text('recipient').notNull(),
      kind: text('kind').notNull(),
      // The message, encrypted (lib/secret-box.ts): it may hold a usable link. Removed once sent.
      body: text('body'),
      createdAt: instant('created_at').notNull(),
      sendAfter: instant('send_after').notNull(),
      attempts: integer('attempts').notNull(),
      // A sender's claim on the message while it sends it, so two never send it both.
      claimedUntil: instant('claimed_until'),
      claimToken: text('claim_token'),
      sentAt: instant('sent_at'),
      failedAt: instant('failed_at'),
      lastError: text('last_error'),
    },
    (t) => [
      index('mail_outbox_send_after_idx').on(t.sendAfter),
      index('mail_outbox_created_at_idx').on(t.createdAt),
    ],
  );

  // Codes for when the authenticator app is lost: each its own salted hash, each usable once.
  const recoveryCodes = table(
    'recovery_codes',
    {
      id: id(),
      userId: integer('user_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      // The code's first group, to find it among the account's; the rest is only in the hash.
      lookup: text('lookup').notNull(),
      codeHash: text('code_hash').notNull(),
      createdAt: instant('created_at').notNull(),
      usedAt: instant('used_at'),
    },
    (t) => [index('recovery_codes_user_id_idx').on(t.userId)],
  );

  // Passkeys (WebAuthn credentials): the public key and the signature counter, never a secret.
  const passkeys = table(
    'passkeys',
    {
      id: id(),
      userId: integer('user_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      credentialId: text('credential_id').notNull().unique(),
      publicKey: text('public_key').notNull(),
      // The authenticator's signature counter: any 32-bit unsigned value.
      counter: bigint('counter').notNull(),
      transports: text('transports'),
      name: text('name').notNull(),
      createdAt: instant('created_at').notNull(),
      lastUsedAt: instant('last_used_at'),
    },
    (t) => [index('passkeys_user_id_idx').on(t.userId)],
  );

  // A ceremony's challenge, as its SHA-256: single use, short-lived, and bound to the browser that
  // asked (the challenge itself is only in that browser's sealed cookie).
  const passkeyChallenges = table('passkey_challenges', {
    challengeHash: text('challenge_hash').primaryKey(),
    purpose: text('purpose').notNull(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    createdAt: instant('created_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    usedAt: instant('used_at'),
    // The throttle counter a sign-in's start was counted on, given back when it signs in.
    throttleKey: text('throttle_key'),
  });

  return {
    users,
    sessions,
    securityEvents,
    throttleCounters,
    oneTimeTokens,
    mailOutbox,
    recoveryCodes,
    passkeys,
    passkeyChallenges,
  };
}
