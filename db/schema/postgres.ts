import { postgresKit, type ColumnKit } from './column-kits';
import { defineTables } from './tables';

// Typed as SQLite's tables (see ColumnKit); at run time these are PostgreSQL's.
export const {
  users,
  sessions,
  securityEvents,
  throttleCounters,
  oneTimeTokens,
  mailOutbox,
  recoveryCodes,
  passkeys,
  passkeyChallenges,
} = defineTables(postgresKit as unknown as ColumnKit);
