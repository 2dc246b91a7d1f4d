// Runs in a worker thread beside each SQLite handle (db/sqlite.ts): copies the write-ahead log
// back into the database file. A checkpoint ends in an fsync that takes from a few milliseconds
// to a few hundred when the disk is busy; run inside a commit on the thread that serves requests,
// that was a stall for every user. Plain JavaScript, so the worker needs no TypeScript loader.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ file: string, intervalMs: number }} */
const { file, intervalMs } = workerData;
const db = new Database(file);

// PASSIVE never waits for a lock and never blocks readers or writers: it copies what it can and
// leaves the rest for the next round.
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or briefly unreadable: the next round tries again
  }
}, intervalMs);

parentPort?.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
