import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// Prometheus metrics, served by server/metrics-listener.ts on a port of its own. One registry per
// process, kept on globalThis: Next.js bundles the routes (which count) apart from the server
// (which serves the figures), each with its own copy of this module.

/** How often Node samples the event loop; each reading of the delay includes one such interval. */
export const EVENT_LOOP_PRECISION_MS = 10;

const LOGIN_OUTCOMES = [
  'success',
  'failure',
  'throttled',
  'busy',
  'second_factor_required',
  'second_factor_failure',
  'passkey_required',
] as const;
const REGISTRATION_OUTCOMES = ['success', 'invalid', 'throttled', 'busy'] as const;
const SESSION_END_REASONS = [
  'logout',
  'revoked',
  'expired',
  'password_changed',
  'password_reset',
  'account_deleted',
] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];
const THROTTLE_SCOPES = ['account', 'ip', 'registration'] as const;
const BREACH_CHECK_OUTCOMES = ['breached', 'not_breached', 'failed'] as const;

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({
    register: registry,
    eventLoopMonitoringPrecision: EVENT_LOOP_PRECISION_MS,
  });
  const registers = [registry];
  // Every series exists from the start, at zero, so a rate over it is defined before its first event.
  const labelled = <L extends string, V extends string>(
    name: string,
    help: string,
    label: L,
    values: readonly V[],
  ) => {
    const counter = new Counter<L>({ name, help, labelNames: [label], registers });
    for (const value of values) counter.inc({ [label]: value } as Record<L, V>, 0);
    return counter;
  };
  return {
    registry,
    logins: labelled(
      'gatehouse_logins_total',
      'Logins by outcome: a password checked, or a second factor after it.',
      'outcome',
      LOGIN_OUTCOMES,
    ),
    registrations: labelled(
      'gatehouse_registrations_total',
      'Registration attempts by outcome.',
      'outcome',
      REGISTRATION_OUTCOMES,
    ),
    sessionsCreated: new Counter({
      name: 'gatehouse_sessions_created_total',
      help: 'Sessions started.',
      registers,
    }),
    sessionsEnded: labelled(
      'gatehouse_sessions_ended_total',
      'Sessions ended, by reason.',
      'reason',
      SESSION_END_REASONS,
    ),
    throttleRefusals: labelled(
      'gatehouse_throttle_refusals_total',
      'Attempts refused by a throttle, by its scope.',
      'scope',
      THROTTLE_SCOPES,
    ),
    breachedPasswordChecks: labelled(
      'gatehouse_breached_password_checks_total',
      'New passwords looked up among breached ones, by outcome (failed: no usable answer in time).',
      'outcome',
      BREACH_CHECK_OUTCOMES,
    ),
    hashQueueDepth: new Gauge({
      name: 'gatehouse_password_hash_queue_depth',
      help: 'Password hashes and checks waiting for a hashing thread.',
      registers,
    }),
    hashWait: new Histogram({
      name: 'gatehouse_password_hash_wait_seconds',
      help: 'Time a password hash or check waited for a hashing thread.',
      buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    databaseErrors: new Counter({
      name: 'gatehouse_database_errors_total',
      help: 'Queries that failed because the database could not be reached or did not answer in time.',
      registers,
    }),
  };
}

type Metrics = ReturnType<typeof createMetrics>;
const holder = globalThis as typeof globalThis & { gatehouseMetrics?: Metrics };

/** The process's metrics, made on first use. */
export function metrics(): Metrics {
  holder.gatehouseMetrics ??= createMetrics();
  return holder.gatehouseMetrics;
}
