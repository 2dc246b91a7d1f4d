import bcrypt from 'bcryptjs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Bench } from 'tinybench';
import type { Db } from '@/db';
import type { SessionPolicy } from '@/lib/auth/context';
import { purgeExpiredSessions, validateSessionToken } from '@/lib/auth/session';
import type { Sealer } from '@/lib/seal';

/** The median time of one call of `task`, in microseconds, over `ms` milliseconds of calls. */
export async function medianMicroseconds(
  name: string,
  task: () => Promise<unknown>,
  ms: number,
): Promise<number> {
  const bench = new Bench({ time: ms, warmupTime: Math.min(ms, 200) });
  bench.add(name, task);
  await bench.run();
  const result = bench.tasks[0]!.result;
  if (!('latency' in result))
    throw new Error(`${name} benchmark failed: ${JSON.stringify(result)}`);
  return Math.round(result.latency.p50 * 1000 * 10) / 10;
}

/**
 * From a cookie value the server has seen before to the user and session, with both expiry
 * rules: the same work the Data Access Layer does on every request.
 */
export async function measureSessionCheck(
  db: Db,
  sealer: Sealer,
  cookie: string,
  policy: SessionPolicy,
  sealTtl: number,
  ms: number,
) {
  await sealer.unseal(cookie, sealTtl); // seen before
  const check = async () => {
    const payload = await sealer.unseal(cookie, sealTtl);
    const result = await validateSessionToken(db, payload!.token as string, new Date(), policy);
    if (!result.user) throw new Error('the benchmark session should be valid');
  };
  return medianMicroseconds('session check', check, ms);
}

/** The database's own round trip: a prepared `SELECT 1` (Db.ping). */
export const measureRoundTrip = (db: Db, ms: number) =>
  medianMicroseconds('round trip', () => db.ping(), ms);

/** Median time of one bcrypt comparison at this cost, in milliseconds (the pool's unit of work). */
export function measureHashMs(cost: number, rounds: number): number {
  const hash = bcrypt.hashSync('a benchmark password', cost);
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    bcrypt.compareSync('a benchmark password', hash);
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Purges every expired session, reporting how long it took and the worst event-loop stall meanwhile. */
export async function measurePurge(db: Db, policy: SessionPolicy) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const start = performance.now();
  const purged = await purgeExpiredSessions(db, new Date(), policy);
  const seconds = (performance.now() - start) / 1000;
  delay.disable();
  return {
    purged,
    seconds: Math.round(seconds * 10) / 10,
    maxStallMs: Math.round(delay.max / 1e5) / 10,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
