import path from 'node:path';
import { Piscina } from 'piscina';
import { getLogger } from '../logger';
import { metrics } from '../metrics';

// bcrypt at cost 12 is a few hundred milliseconds of pure computation; bcryptjs's async API
// still runs it on the calling thread, so one login would stall every other request. Hashes
// and comparisons therefore run in a pool of worker threads; requests only wait for the answer.
// Tasks queue when every thread is busy: a login storm slows logins, not the rest of the site.
// A task that no thread has picked up within the queue timeout is given up (HashingBusyError),
// so under a flood of logins, or pages keeping every core busy, a login gets a prompt "busy, try
// again" instead of joining a queue without end; a task already running is always waited for.

const WORKER_FILE = path.resolve(
  /*turbopackIgnore: true*/ process.cwd(),
  'lib',
  'auth',
  'password-worker.mjs',
);

// The task's state, in memory shared with the worker: whichever side moves it from WAITING first
// decides whether the task runs (password-worker.mjs) or is given up (here).
const WAITING = 0;
const ABANDONED = 2;

type Task =
  | { op: 'hash'; password: string; cost: number }
  | { op: 'compare'; password: string; hash: string };

/** Every hashing thread stayed busy for the whole queue timeout; nothing was checked. */
export class HashingBusyError extends Error {
  constructor(waitedMs: number) {
    super(`No password-hashing thread was free within ${waitedMs} ms`);
    this.name = 'HashingBusyError';
  }
}

/** By name, not instanceof: each bundle (instrumentation.ts, the routes) has its own class. */
export const isHashingBusyError = (error: unknown): error is HashingBusyError =>
  error instanceof Error && error.name === 'HashingBusyError';

// One pool and its settings per process, kept on globalThis: Next.js bundles instrumentation.ts
// (which applies the settings) apart from the routes (which hash), each with its own copy of
// this module, and dev-mode reloads would start another pool.
type Hashing = { threads: number; queueTimeoutMs: number; pool?: Piscina };
const holder = globalThis as typeof globalThis & { gatehouseHashing?: Hashing };
const hashing = (): Hashing => (holder.gatehouseHashing ??= { threads: 1, queueTimeoutMs: 10_000 });

/**
 * Sets the pool size (PASSWORD_HASH_THREADS, taking effect when the pool is first used) and how
 * long a task may wait for a thread (PASSWORD_HASH_QUEUE_TIMEOUT, from the next task on).
 */
export function configureHashPool(settings: { threads: number; queueTimeoutMs: number }): void {
  Object.assign(hashing(), settings);
}

/** How long a task may wait for a thread before it is given up. */
export const hashQueueTimeoutMs = (): number => hashing().queueTimeoutMs;

// The hash itself, at any cost the configuration allows, on a loaded machine.
const CHECK_ALLOWANCE_MS = 60_000;

/**
 * How long a throttled attempt holds its account while it waits for a hashing thread and is
 * checked; the hold ends with its answer, or lapses should the answer be lost.
 */
export const checkHoldMs = (): number => hashQueueTimeoutMs() + CHECK_ALLOWANCE_MS;

function pool(): Piscina {
  const current = hashing();
  if (!current.pool) {
    current.pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: current.threads,
      maxThreads: current.threads,
      idleTimeout: 60_000,
    });
    current.pool.once('message', (message: unknown) => {
      if ((message as { schedIdleRefused?: boolean } | null)?.schedIdleRefused) {
        getLogger().warn(
          { event: 'hashing_threads_not_idle' },
          'SCHED_IDLE could not be set for password hashing (chrt missing or not permitted): it runs at nice 19 where allowed, so a login storm slows pages more',
        );
      }
    });
  }
  return current.pool;
}

// The wait limit is the configured queue timeout, read when the task is queued; Infinity waits
// as long as it takes.
function runTask<T>(task: Task, waitLimit = hashing().queueTimeoutMs): Promise<T> {
  const state = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const queuedAt = performance.timeOrigin + performance.now();
  const threads = pool();
  const { hashQueueDepth, hashWait } = metrics();
  const running = (
    threads.run({ ...task, state }) as Promise<{ value: T; startedAt: number } | null>
  ).then((done) => {
    hashQueueDepth.set(threads.queueSize);
    if (!done) return null as T; // given up before it started: the caller has had its answer
    hashWait.observe(Math.max(0, done.startedAt - queuedAt) / 1000);
    return done.value;
  });
  hashQueueDepth.set(threads.queueSize);
  if (!Number.isFinite(waitLimit)) return running;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (Atomics.compareExchange(state, 0, WAITING, ABANDONED) === WAITING)
        reject(new HashingBusyError(waitLimit));
    }, waitLimit);
    // Once given up, the worker's answer (null, the skip) comes after the rejection: ignored.
    running.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/** A salted bcrypt hash, made on a hashing thread; bcrypt makes a fresh random salt each time. */
export function hashPassword(password: string, cost: number, waitLimit?: number): Promise<string> {
  return runTask<string>({ op: 'hash', password, cost }, waitLimit);
}

/** bcrypt's comparison of a password with a stored hash, on a hashing thread. */
export function comparePassword(password: string, hash: string): Promise<boolean> {
  return runTask<boolean>({ op: 'compare', password, hash });
}

/** Stops the threads (the command line, before it exits). */
export async function closeHashPool(): Promise<void> {
  const current = hashing();
  const running = current.pool;
  current.pool = undefined;
  await running?.close();
}
