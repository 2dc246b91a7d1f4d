/**
 * An error and the errors it wraps, outermost first (drizzle wraps the driver's error in its own),
 * each with the driver's `code` when it has one.
 */
export function* causeChain(error: unknown): Generator<Error & { code?: unknown }> {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) yield e;
}

// SQLite and PostgreSQL name a unique violation differently; drizzle may wrap the driver's error.
const UNIQUE_VIOLATION_CODES = new Set([
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
  '23505',
]);

export function isUniqueViolation(error: unknown): boolean {
  return [...causeChain(error)].some((e) => UNIQUE_VIOLATION_CODES.has(e.code as string));
}
