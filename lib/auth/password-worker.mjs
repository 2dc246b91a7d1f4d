// Runs in Piscina's worker threads (lib/auth/password-hashing.ts): bcrypt's work, off the thread
// that serves requests. Plain JavaScript, so the worker needs no TypeScript loader.
import bcrypt from 'bcryptjs';

/** @param {{ op: 'hash', password: string, cost: number } | { op: 'compare', password: string, hash: string }} task */
export default function run(task) {
  return task.op === 'hash' ? bcrypt.hashSync(task.password, task.cost) : bcrypt.compareSync(task.password, task.hash);
}
