import path from 'node:path';
import { Piscina } from 'piscina';

// bcrypt at cost 12 is a few hundred milliseconds of pure computation; bcryptjs's async API
// still runs it on the calling thread, so one login would stall every other request. Hashes
// and comparisons therefore run in a pool of worker threads; requests only wait for the answer.
// Tasks queue when every thread is busy: a login storm slows logins, not the rest of the site.

const WORKER_FILE = path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'lib', 'auth', 'password-worker.mjs');

type Task = { op: 'hash'; password: string; cost: number } | { op: 'compare'; password: string; hash: string };

// One pool per process (kept on globalThis so dev-mode reloads do not start another).
const holder = globalThis as typeof globalThis & { gatehouseHashPool?: Piscina };
let threads = 1;

/** Sets the pool size (PASSWORD_HASH_THREADS); takes effect when the pool is first used. */
export function setHashThreads(count: number): void {
  threads = count;
}

function pool(): Piscina {
  holder.gatehouseHashPool ??= new Piscina({ filename: WORKER_FILE, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  return holder.gatehouseHashPool;
}

export function bcryptHash(password: string, cost: number): Promise<string> {
  return pool().run({ op: 'hash', password, cost } satisfies Task) as Promise<string>;
}

export function bcryptCompare(password: string, hash: string): Promise<boolean> {
  return pool().run({ op: 'compare', password, hash } satisfies Task) as Promise<boolean>;
}

/** Stops the threads (the command line, before it exits). */
export async function closeHashPool(): Promise<void> {
  const running = holder.gatehouseHashPool;
  holder.gatehouseHashPool = undefined;
  await running?.close();
}
