// A long Intercom outage, in compressed time: queued submissions are retried far past the old give-up point and
// delivered once after recovery; what outlives the retention period or is refused for good becomes a dead letter
// (one log line each) that `leadrelay-proxy queue retry` delivers once the cause is fixed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { auditWhenDelivered, buildSubmission, type SubmissionResult } from '../../bench/fault-load.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { LEADS_QUEUE } from '../../src/proxy/delivery/delivery-queue.js';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { serve, type ServeOptions, type ServedProxy } from '../../src/proxy/node.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { ACCESS_TOKEN, SECRET, assertTokenNeverLeaked, testProxyOptions, mergeOptions } from './harness.js';
import { runQueueCli } from './queue-cli.js';
import { waitUntil } from '../support/wait.js';

const MINUTE = { timeoutMs: 60_000 };

const dataDir = mkdtempSync(join(tmpdir(), 'leadrelay-outage-'));
let emulator: RunningEmulator;
const logs: Record<string, unknown>[] = [];
const closers: (() => Promise<void>)[] = [];

before(async () => {
  emulator = await startEmulator({ port: 0 });
});
after(async () => {
  for (const close of closers.reverse()) await close();
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
  assertTokenNeverLeaked({ logs, responses: [] });
});

async function setFaults(list: Record<string, unknown>[]): Promise<void> {
  assert.equal((await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' })).status, 200);
  if (list.length === 0) return;
  const response = await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(list) });
  assert.equal(response.status, 200);
}

async function openStore(): Promise<{ store: SqliteStore; path: string }> {
  const path = join(dataDir, `${randomUUID()}.db`);
  const store = await SqliteStore.open({ path });
  closers.push(() => store.close());
  return { store, path };
}

/** A proxy on `store` with time compressed: queue at once, retry every few ms, recovery bound 20 ms. */
async function startProxy(store: SqliteStore, extra: Partial<ServeOptions> = {}): Promise<ServedProxy> {
  const proxy = await serve(
    mergeOptions(
      {
        port: 0,
        ...testProxyOptions(emulator.url, logs),
        store,
        intercom: { ...testProxyOptions(emulator.url, logs).intercom, retryBaseMs: 5, maxRetries: 0 },
        delivery: { recoveryWaitMs: 0, recoveryLagMs: 20, leaseMs: 1000 },
        testing: { queuePollMs: 5 },
        queue: { retry: { firstMs: 2, maxMs: 20 } },
      },
      extra,
    ),
  );
  closers.push(() => proxy.close());
  return proxy;
}

async function submit(proxy: ServedProxy, i: number): Promise<SubmissionResult> {
  const key = randomUUID();
  const response = await fetch(`${proxy.url}/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(buildSubmission(i)),
  });
  assert.equal(response.status, 202, await response.text());
  return { key, status: 202, attempts: 1, latencyMs: 0 };
}

const deadLetterLines = (id?: string) =>
  logs.filter((line) => line.event === 'queue_dead_letter' && (id === undefined || line.submissionRef === submissionReference(SECRET, id)));

test('an outage of 40 failed deliveries per submission (twice the old give-up) loses nothing: each is delivered once after it', async () => {
  const { store } = await openStore();
  const failures = new Map<string, number>();
  const retryLater = store.retryLater.bind(store);
  store.retryLater = async (queue, id, owner, notBefore) => {
    failures.set(id, (failures.get(id) ?? 0) + 1);
    return retryLater(queue, id, owner, notBefore);
  };
  await setFaults([{ route: 'POST /contacts', status: 503 }]);
  const proxy = await startProxy(store);
  const results = [await submit(proxy, 1), await submit(proxy, 2), await submit(proxy, 3)];
  await waitUntil(async () => results.every((result) => (failures.get(result.key) ?? 0) >= 40), '40 failed deliveries of each', MINUTE);
  const during = await store.queueStats(LEADS_QUEUE);
  assert.deepEqual([during.waiting + during.retrying, during.dead], [3, 0], 'all still queued, none given up');

  await setFaults([]);
  const audit = await auditWhenDelivered(emulator.url, results, 30_000, SECRET);
  assert.deepEqual([audit.created, audit.leads, audit.conversations, audit.duplicated], [3, 3, 3, 0]);
  await waitUntil(
    async () => {
      const { waiting, retrying } = await store.queueStats(LEADS_QUEUE);
      return waiting + retrying === 0;
    },
    'an empty queue',
    MINUTE,
  );
  assert.deepEqual(await store.queueStats(LEADS_QUEUE), { waiting: 0, retrying: 0, dead: 0 });
  for (const result of results) assert.equal(deadLetterLines(result.key).length, 0);
});

test('past the retention period queued submissions become dead letters (one log line each); queue retry --dead delivers them once', async () => {
  const { store, path } = await openStore();
  await setFaults([{ route: 'POST /contacts', status: 503 }]);
  const proxy = await startProxy(store, { queue: { retentionMs: 300 } });
  const results = [await submit(proxy, 10), await submit(proxy, 11)];
  await waitUntil(async () => (await store.queueStats(LEADS_QUEUE)).dead === 2, 'two dead letters', MINUTE);
  for (const result of results) {
    const lines = deadLetterLines(result.key);
    assert.equal(lines.length, 1, 'one log line per move');
    assert.match(String(lines[0]!.reason), /^retention_expired/);
  }

  await setFaults([]);
  const exported = await runQueueCli(['export'], { LEADRELAY_STORE: `sqlite:${path}` });
  assert.equal(exported.status, 0, exported.stderr);
  const letters = exported.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(letters.map((letter) => letter.id).sort(), results.map((result) => result.key).sort());
  assert.deepEqual(letters.map((letter) => letter.submission.email).sort(), ['load-10@example.com', 'load-11@example.com'], 'nothing was deleted');

  const retried = await runQueueCli(['retry', '--dead'], { LEADRELAY_STORE: `sqlite:${path}` });
  assert.equal(retried.status, 0, retried.stderr);
  const audit = await auditWhenDelivered(emulator.url, results, 30_000, SECRET);
  assert.deepEqual([audit.created, audit.leads, audit.conversations, audit.duplicated], [2, 2, 2, 0]);
  await waitUntil(
    async () => {
      const { waiting, retrying } = await store.queueStats(LEADS_QUEUE);
      return waiting + retrying === 0;
    },
    'an empty queue',
    MINUTE,
  );
  assert.deepEqual(await store.queueStats(LEADS_QUEUE), { waiting: 0, retrying: 0, dead: 0 });
});

test('a queued submission Intercom refuses for good is a dead letter at once with its reason; queue retry <id> delivers it once fixed', async () => {
  const { store, path } = await openStore();
  // Accepted while Intercom is down, by an instance without a drain loop (so nothing races the switch of faults).
  await setFaults([{ route: 'POST /contacts', status: 503 }]);
  const accepting = await startProxy(store, { testing: { queuePollMs: 0 } });
  const result = await submit(accepting, 20);
  await accepting.close();

  // Intercom now refuses the contact (say, a data attribute was archived): no retrying a 400 for days.
  await setFaults([{ route: 'POST /contacts', status: 400 }]);
  await startProxy(store);
  await waitUntil(async () => (await store.queueStats(LEADS_QUEUE)).dead === 1, 'the dead letter', MINUTE);
  const [letter] = await store.listDead(LEADS_QUEUE);
  assert.equal(letter!.id, result.key);
  assert.match(letter!.reason, /^intercom_refused 400/);
  assert.equal(deadLetterLines(result.key).length, 1);
  assert.equal((await store.queueStats(LEADS_QUEUE)).retrying, 0, 'not retried while dead');

  await setFaults([]);
  const unknown = await runQueueCli(['retry', randomUUID()], { LEADRELAY_STORE: `sqlite:${path}` });
  assert.equal(unknown.status, 1, 'an id that is not a dead letter is refused');
  const retried = await runQueueCli(['retry', result.key], { LEADRELAY_STORE: `sqlite:${path}` });
  assert.equal(retried.status, 0, retried.stderr);
  const audit = await auditWhenDelivered(emulator.url, [result], 30_000, SECRET);
  assert.deepEqual([audit.created, audit.leads, audit.conversations, audit.duplicated], [1, 1, 1, 0]);
});
