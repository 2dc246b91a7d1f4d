import { sqliteKit } from './column-kits';
import { defineTables } from './tables';

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
} = defineTables(sqliteKit);
