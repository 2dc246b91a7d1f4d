// Runs in Piscina's worker threads (lib/auth/password-hashing.ts): bcrypt's work, off the thread
// that serves requests. Plain JavaScript, so the worker needs no TypeScript loader.
import bcrypt from 'bcryptjs';
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';

// On Linux the nice value and the scheduling policy belong to each thread: this lowers only the
// hashing thread, so when cores are short the thread serving requests runs first and pages stay
// quick during a login storm. SCHED_IDLE goes further than nice 19: a waking thread of normal
// policy preempts idle-policy work at once, and the kernel counts a core running only such work
// as free when it places that thread, instead of queueing it behind something else. Node has no
// call for it, so `chrt` (util-linux) sets it. Where either is refused or missing, hashing runs
// at the priority it has, and the pool logs that SCHED_IDLE could not be set.
function yieldToRequests() {
  try {
    setPriority(0, 19);
  } catch {
    // not permitted here
  }
  if (process.platform !== 'linux') return;
  try {
    const threadId = readlinkSync('/proc/thread-self').split('/').pop();
    execFileSync('chrt', ['--idle', '--pid', '0', threadId], {
      stdio: 'ignore',
      timeout: 5000,
      env: { PATH: process.env.PATH },
    });
  } catch {
    // no chrt, or not permitted: nice 19 still applies
    parentPort?.postMessage({ schedIdleRefused: true });
  }
}
yieldToRequests();

// The task's state, shared with lib/auth/password-hashing.ts: claiming it (WAITING -> STARTED)
// fails once the caller has given up waiting (ABANDONED), and then the task is skipped unrun.
const WAITING = 0;
const STARTED = 1;

/**
 * Runs the task and says when it started (on the clock both threads share), so the pool can
 * tell how long it waited.
 * @param {({ op: 'hash', password: string, cost: number } | { op: 'compare', password: string, hash: string }) & { state: Int32Array }} task
 */
export default function run(task) {
  if (Atomics.compareExchange(task.state, 0, WAITING, STARTED) !== WAITING) return null;
  const startedAt = performance.timeOrigin + performance.now();
  const value =
    task.op === 'hash'
      ? bcrypt.hashSync(task.password, task.cost)
      : bcrypt.compareSync(task.password, task.hash);
  return { value, startedAt };
}
