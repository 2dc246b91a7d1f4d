import type * as sqlite from './sqlite';

// The rows Gatehouse reads, the same on both dialects: ./tables.ts defines each table once, and
// ./column-kits.ts fails to compile if the dialects' columns would hold different values.
type Row<T extends { $inferSelect: unknown }> = T['$inferSelect'];

export type UserRow = Row<typeof sqlite.users>;
export type SessionRow = Row<typeof sqlite.sessions>;
export type SecurityEventRow = Row<typeof sqlite.securityEvents>;
export type ThrottleCounterRow = Row<typeof sqlite.throttleCounters>;
export type OneTimeTokenRow = Row<typeof sqlite.oneTimeTokens>;
export type MailRow = Row<typeof sqlite.mailOutbox>;
export type RecoveryCodeRow = Row<typeof sqlite.recoveryCodes>;
export type PasskeyRow = Row<typeof sqlite.passkeys>;
export type PasskeyChallengeRow = Row<typeof sqlite.passkeyChallenges>;
