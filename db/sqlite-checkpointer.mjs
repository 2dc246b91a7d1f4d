// Runs in a worker thread beside each SQLite handle (db/sqlite.ts): copies the write-ahead log
// back into the database file. A checkpoint ends in an fsync that takes from a few milliseconds
// to a few hundred when the disk is busy; run inside a commit on the thread that serves requests,
// that was a stall for every user. Plain JavaScript, so the worker needs no TypeScript loader.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ file: string, intervalMs: number }} */
const { file, intervalMs } = workerData;
const db = new Database(file);
// While writes keep coming (a purge), go again almost at once: the log can only start over once
// a checkpoint has caught up with it.
const CATCH_UP_MS = 5;

let timer = setTimeout(checkpoint, intervalMs);

function checkpoint() {
  let behind = false;
  try {
    // PASSIVE never waits for a lock and never blocks readers or writers: it copies what it can
    // and leaves the rest for the next round.
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    behind = result.checkpointed < result.log;
  } catch {
    // busy or briefly unreadable: the next round tries again
  }
  timer = setTimeout(checkpoint, behind ? CATCH_UP_MS : intervalMs);
}

parentPort?.on('message', (message) => {
  clearTimeout(timer);
  if (message === 'checkpoint') {
    checkpoint();
    parentPort?.postMessage('checkpointed');
    return;
  }
  db.close(); // 'stop'
  parentPort?.close();
});
