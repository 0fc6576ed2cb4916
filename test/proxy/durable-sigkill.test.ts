// The default store keeps what it accepted: 200 submissions queued while Intercom fails every create survive a
// SIGKILL of the only proxy process, and a restarted one delivers each exactly once when Intercom recovers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { auditWhenDelivered, driveSubmissions } from '../../bench/fault-load.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { waitUntil } from '../support/wait.js';
import { ACCESS_TOKEN, SECRET } from './harness.js';
import { startProxyProcess, type ProxyProcess } from './proxy-process.js';
import { runQueueCli } from './queue-cli.js';

const N = 200;
const dataDir = mkdtempSync(join(tmpdir(), 'leadrelay-sigkill-'));
/** No LEADRELAY_STORE and no REDIS_URL: the CLI's default store, SQLite in LEADRELAY_DATA_DIR. */
const CHILD_ENV = {
  LEADRELAY_DATA_DIR: dataDir,
  LEADRELAY_RECOVERY_WAIT_MS: '0',
  LEADRELAY_RECOVERY_LAG_MS: '200',
  LEADRELAY_LEASE_MS: '1000',
  LEADRELAY_QUEUE_RETRY_MAX_MS: '500',
};

let emulator: RunningEmulator;
const running: ProxyProcess[] = [];

before(async () => {
  emulator = await startEmulator({ port: 0 });
});
after(async () => {
  for (const proxy of running) await proxy.kill();
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function faults(method: 'POST' | 'DELETE', body?: unknown): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/faults`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.equal(response.status, 200);
}

/** `leadrelay-proxy queue` as an operator runs it, in its own process, on the same data folder. */
async function queueCounts(): Promise<Record<string, string>> {
  const result = await runQueueCli([], { LEADRELAY_DATA_DIR: dataDir });
  assert.equal(result.status, 0, result.stderr);
  return Object.fromEntries(result.stdout.trim().split('\n').map((line) => line.split(/\s+/, 2) as [string, string]));
}

test(`SIGKILL with ${N} queued submissions on the default store: after a restart, ${N} leads, ${N} conversations, no duplicates`, async () => {
  // Intercom fails every create; searches work, so recovery can prove nothing was made.
  await faults('POST', [
    { route: 'POST /contacts', status: 503 },
    { route: 'POST /conversations', status: 503 },
  ]);
  const first = await startProxyProcess({ emulatorUrl: emulator.url, accessToken: ACCESS_TOKEN, secret: SECRET, env: CHILD_ENV });
  running.push(first);
  assert.match(first.output(), /"store":"sqlite"/, 'the CLI picked SQLite by default');
  const results = await driveSubmissions({ proxyUrls: () => [first.url], n: N, concurrency: 16, giveUpMs: 60_000 });
  assert.deepEqual(
    results.map((result) => result.status),
    Array.from({ length: N }, () => 202),
    'every submission was accepted as queued',
  );

  await first.kill();
  const queued = await queueCounts();
  assert.equal(Number(queued.waiting) + Number(queued.retrying), N, `all ${N} are still queued after SIGKILL`);
  assert.equal(Number(queued.dead), 0);

  await faults('DELETE');
  const second = await startProxyProcess({ emulatorUrl: emulator.url, accessToken: ACCESS_TOKEN, secret: SECRET, env: CHILD_ENV });
  running.push(second);
  const audit = await auditWhenDelivered(emulator.url, results, 90_000, SECRET);
  assert.equal(audit.created, N, `delivered ${audit.created} of ${N}`);
  assert.equal(audit.leads, N);
  assert.equal(audit.conversations, N);
  assert.equal(audit.duplicated, 0, `duplicates: ${audit.duplicateIds.join(', ')}`);
  assert.equal(audit.lost, 0);

  // The queue empties once every delivery is acknowledged.
  const counts = await waitUntil(async () => {
    const now = await queueCounts();
    return Number(now.waiting) + Number(now.retrying) === 0 && now;
  }, 'the queue to empty', { timeoutMs: 30_000 });
  assert.deepEqual([counts.waiting, counts.retrying, counts.dead], ['0', '0', '0']);
  await second.stop();
});
