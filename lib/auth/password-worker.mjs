// Runs in Piscina's worker threads (lib/auth/password-hashing.ts): bcrypt's work, off the thread
// that serves requests. Plain JavaScript, so the worker needs no TypeScript loader.
import bcrypt from 'bcryptjs';
import { setPriority } from 'node:os';

// On Linux the nice value belongs to each thread: this lowers only the hashing thread, so when
// cores are short the thread serving requests is scheduled first and pages stay quick during a
// login storm. Where the system refuses, hashing simply runs at normal priority.
try {
  setPriority(0, 19);
} catch {
  // not permitted here: keep the default priority
}

/** @param {{ op: 'hash', password: string, cost: number } | { op: 'compare', password: string, hash: string }} task */
export default function run(task) {
  return task.op === 'hash' ? bcrypt.hashSync(task.password, task.cost) : bcrypt.compareSync(task.password, task.hash);
}
