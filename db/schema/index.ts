import type * as postgres from './postgres';
import type * as sqlite from './sqlite';

// The rows Gatehouse reads are the same on both dialects; these types fail to compile if the two
// schema files drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Row<T extends { $inferSelect: unknown }> = T['$inferSelect'];
type AssertSame<T extends true> = T;
export type SchemasAgree = [
  AssertSame<Same<Row<typeof sqlite.users>, Row<typeof postgres.users>>>,
  AssertSame<Same<Row<typeof sqlite.sessions>, Row<typeof postgres.sessions>>>,
  AssertSame<Same<Row<typeof sqlite.securityEvents>, Row<typeof postgres.securityEvents>>>,
  AssertSame<Same<Row<typeof sqlite.throttleCounters>, Row<typeof postgres.throttleCounters>>>,
];

export type UserRow = Row<typeof sqlite.users>;
export type SessionRow = Row<typeof sqlite.sessions>;
export type SecurityEventRow = Row<typeof sqlite.securityEvents>;
export type ThrottleCounterRow = Row<typeof sqlite.throttleCounters>;
