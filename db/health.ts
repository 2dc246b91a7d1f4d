import { causeChain } from './errors';
import type { DbHooks } from './types';

// Whether the database answered the last query. Kept on globalThis so the server, outside the
// Next.js bundle, can answer 503 instead of 500 while the database is away (server/outage-response.ts).

export type Outage = { since: Date; cause: string };

/** What every answer during an outage says in Retry-After. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

const state = globalThis as typeof globalThis & { gatehouseDatabaseOutage?: Outage | null };

export function currentOutage(): Outage | null {
  return state.gatehouseDatabaseOutage ?? null;
}

/** Records a failed query: if the database could not be reached, an outage begins (logged once). */
export function noteDatabaseFailure(error: unknown, hooks: DbHooks): void {
  const cause = unavailabilityCause(error);
  if (!cause) return;
  hooks.onUnreachable(cause);
  if (state.gatehouseDatabaseOutage) return;
  state.gatehouseDatabaseOutage = { since: new Date(), cause };
  hooks.log('error', { event: 'database_unavailable', cause }, 'database unavailable');
}

/** Records a query that worked: any outage is over (logged once). */
export function noteDatabaseSuccess(hooks: DbHooks): void {
  const outage = state.gatehouseDatabaseOutage;
  if (!outage) return;
  state.gatehouseDatabaseOutage = null;
  hooks.log(
    'info',
    { event: 'database_recovered', downForMs: Date.now() - outage.since.getTime() },
    'database reachable again',
  );
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return unavailabilityCause(error) !== null;
}

// Network failures, PostgreSQL's connection and shutdown states, timeouts and a busy SQLite file
// mean "try again shortly"; anything else is a bug and stays a 500.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
  'SQLITE_BUSY',
]);
const UNAVAILABLE_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error/i;

/** A short, secret-free description of why the database could not answer, or null. */
function unavailabilityCause(error: unknown): string | null {
  for (const e of causeChain(error)) {
    const code = e.code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08')))
      return `${code}: ${e.message}`;
    if (UNAVAILABLE_MESSAGES.test(e.message)) return e.message;
    // node's AggregateError (connecting to ::1 and 127.0.0.1) carries the codes in `errors`.
    if (e instanceof AggregateError) {
      const inner = e.errors.map((x) => unavailabilityCause(x)).find(Boolean);
      if (inner) return inner;
    }
  }
  return null;
}
