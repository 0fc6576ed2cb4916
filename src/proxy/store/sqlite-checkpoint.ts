// Moves the SQLite store's write-ahead log into the database file from a worker thread, so the fsyncs a checkpoint
// needs never block the proxy's event loop (commits themselves do not fsync in WAL mode with synchronous=NORMAL).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SqliteDriverName } from './sqlite-driver.js';

// Dynamic imports only: an eval worker is a CommonJS script or an ES module depending on the nearest package.json.
const WORKER = `
(async () => {
  const { workerData, parentPort } = await import('node:worker_threads');
  const { driver, moduleUrl, path, intervalMs } = workerData;
  // node:sqlite's ExperimentalWarning (Node 22) is held back while it loads, as in sqlite-driver.ts.
  const quiet = typeof process === 'object' && typeof process.emitWarning === 'function';
  const emitWarning = quiet ? process.emitWarning : undefined;
  if (quiet) process.emitWarning = (warning, ...rest) => { if (!/SQLite/i.test(String(warning && warning.message || warning))) emitWarning.call(process, warning, ...rest); };
  const Database = driver === 'node:sqlite' ? (await import('node:sqlite')).DatabaseSync : (await import(moduleUrl)).default;
  if (quiet) process.emitWarning = emitWarning;
  const db = new Database(path);
  db.exec('PRAGMA busy_timeout = 5000');
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  const timer = setInterval(() => { try { checkpoint.get(); } catch {} }, intervalMs);
  parentPort.once('message', () => {
    clearInterval(timer);
    try { db.exec('PRAGMA wal_checkpoint(TRUNCATE)'); } catch {}
    db.close();
    // Deno's worker_threads has no parentPort.close(): say so and let the parent end the worker (Node exits anyway).
    parentPort.postMessage('stopped');
    parentPort.close?.();
  });
  parentPort.postMessage('ready');
})();
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Start checkpointing `path` every `intervalMs`; undefined when no worker could start (SQLite's own then apply). */
export async function startCheckpointer(path: string, driver: SqliteDriverName, intervalMs = 1_000): Promise<Checkpointer | undefined> {
  try {
    const moduleUrl = driver === 'better-sqlite3' ? pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href : undefined;
    const worker = new Worker(WORKER, { eval: true, workerData: { driver, moduleUrl, path, intervalMs } });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', () => reject(new Error('checkpoint worker exited')));
    });
    worker.unref();
    return {
      stop: async () => {
        const stopped = new Promise<void>((resolve) => worker.once('message', () => resolve()));
        worker.postMessage('stop');
        const timer = setTimeout(() => void worker.terminate(), 5_000);
        await Promise.race([stopped, exited]);
        void worker.terminate();
        await exited;
        clearTimeout(timer);
      },
    };
  } catch {
    return undefined;
  }
}
