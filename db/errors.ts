/**
 * An error and the errors it wraps, outermost first (drizzle wraps the driver's error in its own),
 * each with the driver's `code` when it has one.
 */
export function* causeChain(error: unknown): Generator<Error & { code?: unknown }> {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) yield e;
}
