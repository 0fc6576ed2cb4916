// Moves the SQLite store's write-ahead log into the database file from a worker thread, so the fsyncs a checkpoint
// needs never block the proxy's event loop (commits themselves do not fsync in WAL mode with synchronous=NORMAL).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDriverName } from './sqlite-driver.js';

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const { driver, modulePath, path, intervalMs } = workerData;
const Database = driver === 'node:sqlite' ? require('node:sqlite').DatabaseSync : require(modulePath);
const db = new Database(path);
db.exec('PRAGMA busy_timeout = 5000');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => { try { checkpoint.get(); } catch {} }, intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  try { db.exec('PRAGMA wal_checkpoint(TRUNCATE)'); } catch {}
  db.close();
  parentPort.close();
});
parentPort.postMessage('ready');
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Start checkpointing `path` every `intervalMs`; undefined when no worker could start (SQLite's own then apply). */
export async function startCheckpointer(path: string, driver: SqliteDriverName, intervalMs = 1_000): Promise<Checkpointer | undefined> {
  try {
    const modulePath = driver === 'better-sqlite3' ? createRequire(import.meta.url).resolve('better-sqlite3') : undefined;
    const worker = new Worker(WORKER, { eval: true, workerData: { driver, modulePath, path, intervalMs } });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', () => reject(new Error('checkpoint worker exited')));
    });
    worker.unref();
    return {
      stop: async () => {
        worker.postMessage('stop');
        const timer = setTimeout(() => void worker.terminate(), 5_000);
        await exited;
        clearTimeout(timer);
      },
    };
  } catch {
    return undefined;
  }
}
