import { getLogger } from '@/lib/logger';
import { metrics } from '@/lib/metrics';
import { causeChain } from './errors';

// Whether the database answered the last query. Kept on globalThis so server.ts, outside the
// Next.js bundle, can answer 503 instead of 500 while the database is away (see server.ts).

export type Outage = { since: Date; cause: string };

const state = globalThis as typeof globalThis & { gatehouseDatabaseOutage?: Outage | null };

export function currentOutage(): Outage | null {
  return state.gatehouseDatabaseOutage ?? null;
}

export function noteDatabaseFailure(error: unknown): void {
  const cause = unavailabilityCause(error);
  if (!cause) return;
  metrics().databaseErrors.inc();
  if (state.gatehouseDatabaseOutage) return;
  state.gatehouseDatabaseOutage = { since: new Date(), cause };
  getLogger().error({ event: 'database_unavailable', cause }, 'database unavailable');
}

export function noteDatabaseSuccess(): void {
  const outage = state.gatehouseDatabaseOutage;
  if (!outage) return;
  state.gatehouseDatabaseOutage = null;
  getLogger().info({ event: 'database_recovered', downForMs: Date.now() - outage.since.getTime() }, 'database reachable again');
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return unavailabilityCause(error) !== null;
}

// Network failures, PostgreSQL's connection and shutdown states, timeouts and a busy SQLite file
// mean "try again shortly"; anything else is a bug and stays a 500.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE',
  '57P01', '57P02', '57P03', '53300', '57014', 'SQLITE_BUSY',
]);
const UNAVAILABLE_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error/i;

/** A short, secret-free description of why the database could not answer, or null. */
function unavailabilityCause(error: unknown): string | null {
  for (const e of causeChain(error)) {
    const code = e.code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return `${code}: ${e.message}`;
    if (UNAVAILABLE_MESSAGES.test(e.message)) return e.message;
    // node's AggregateError (connecting to ::1 and 127.0.0.1) carries the codes in `errors`.
    if (e instanceof AggregateError) {
      const inner = e.errors.map((x) => unavailabilityCause(x)).find(Boolean);
      if (inner) return inner;
    }
  }
  return null;
}
