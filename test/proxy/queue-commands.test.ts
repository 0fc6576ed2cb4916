// `leadrelay-proxy queue` on Redis, as a child process: counts, export and retry of dead letters a proxy made; the
// persistence warning at start; and plain refusals where there is no queue to show.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { auditWhenDelivered, buildSubmission, type SubmissionResult } from '../../bench/fault-load.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { serve } from '../../src/proxy/node.js';
import { openStore } from '../../src/proxy/store/open-store.js';
import { RedisStore } from '../../src/proxy/store/redis.js';
import { ACCESS_TOKEN, SECRET } from './harness.js';
import { runQueueCli } from './queue-cli.js';
import { startTestRedis, type TestRedis } from './redis-server.js';
import { waitUntil } from '../support/wait.js';

let redis: TestRedis;
let emulator: RunningEmulator;
/** A database of its own: the CLI uses the default key prefix, so no other test file may share its keyspace. */
let redisUrl: string;

before(async () => {
  redis = await startTestRedis();
  emulator = await startEmulator({ port: 0 });
  const url = new URL(redis.url);
  url.pathname = '/11';
  redisUrl = url.toString();
  const client = new Redis(redisUrl);
  await client.flushdb();
  client.disconnect();
});
after(async () => {
  await emulator.close();
  await redis.stop();
});

async function setFaults(list: Record<string, unknown>[]): Promise<void> {
  await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' });
  if (list.length) await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify(list), headers: { 'content-type': 'application/json' } });
}

describe('queue commands on Redis', () => {
  test('queue counts the dead letters, export prints them as JSON lines, retry --dead delivers each once', async () => {
    const store = new RedisStore({ url: redisUrl });
    const logs: Record<string, unknown>[] = [];
    await setFaults([{ route: 'POST /contacts', status: 503 }]);
    const proxy = await serve({
      port: 0,
      intercom: { accessToken: ACCESS_TOKEN, baseUrl: emulator.url, maxRetries: 0 },
      secret: SECRET,
      clients: { rateLimit: 0 },
      store,
      logger: (line) => logs.push(line),
      delivery: { recoveryWaitMs: 0, recoveryLagMs: 20, leaseMs: 1000 },
      testing: { queuePollMs: 5 },
      queue: { retry: { firstMs: 2, maxMs: 20 }, retentionMs: 300 },
    });
    try {
      const results: SubmissionResult[] = [];
      for (const i of [1, 2, 3]) {
        const key = randomUUID();
        const response = await fetch(`${proxy.url}/leads`, {
          method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(buildSubmission(i)),
        });
        assert.equal(response.status, 202);
        results.push({ key, status: 202, attempts: 1, latencyMs: 0 });
      }
      await waitUntil(async () => (await store.queueStats('leads')).dead >= 3, 'three dead letters', { timeoutMs: 30_000 });

      const counts = await runQueueCli([], { REDIS_URL: redisUrl });
      assert.equal(counts.status, 0, counts.stderr);
      assert.match(counts.stdout, /^waiting\s+0$/m);
      assert.match(counts.stdout, /^retrying\s+0$/m);
      assert.match(counts.stdout, /^dead\s+3$/m);

      const exported = await runQueueCli(['export'], { LEADRELAY_STORE: redisUrl });
      assert.equal(exported.status, 0, exported.stderr);
      const letters = exported.stdout.trim().split('\n').map((line) => JSON.parse(line));
      assert.deepEqual(letters.map((letter) => letter.id).sort(), results.map((result) => result.key).sort());
      const deadTimes = letters.map((letter) => Date.parse(letter.deadAt));
      assert.deepEqual(deadTimes, [...deadTimes].sort((a, b) => a - b), 'in the order they died');
      assert.ok(letters.every((letter) => /^retention_expired/.test(letter.reason) && letter.submission.email));
      assert.ok(!exported.stdout.includes(ACCESS_TOKEN));

      await setFaults([]);
      const retried = await runQueueCli(['retry', '--dead'], { REDIS_URL: redisUrl });
      assert.equal(retried.status, 0, retried.stderr);
      assert.match(retried.stdout, /^3 dead letters back in the queue/);
      const audit = await auditWhenDelivered(emulator.url, results, 30_000, SECRET);
      assert.deepEqual([audit.created, audit.leads, audit.conversations, audit.duplicated], [3, 3, 3, 0]);
    } finally {
      await proxy.close();
      await store.close();
    }
  });

  test('opening Redis warns when a restart would lose the queue (appendonly off), as its CONFIG says', async () => {
    const client = new Redis(redisUrl);
    const [, appendonly] = (await client.config('GET', 'appendonly')) as string[];
    client.disconnect();
    const lines: Record<string, unknown>[] = [];
    const { store, kind } = await openStore({ url: redisUrl, logger: (line) => lines.push(line) });
    await store.close();
    assert.equal(kind, 'redis');
    const warned = lines.some((line) => line.event === 'redis_not_persistent' && /appendonly/.test(String(line.warning)));
    assert.equal(warned, appendonly !== 'yes');
    assert.ok(!JSON.stringify(lines).includes(redisUrl), 'the URL (which may carry a password) is not logged');
  });
});

describe('queue commands refuse plainly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-nostore-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('no SQLite file where the proxy would keep one: exit 1 naming LEADRELAY_DATA_DIR, and no file is created', async () => {
    const run = await runQueueCli([], { LEADRELAY_DATA_DIR: join(dir, 'missing') });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /No LeadRelay store at .*LEADRELAY_DATA_DIR/);
    assert.equal(existsSync(join(dir, 'missing')), false);
  });

  test('the memory store and unknown arguments: exit 1 with a sentence, never a stack trace', async () => {
    const memory = await runQueueCli([], { LEADRELAY_STORE: 'memory:' });
    assert.equal(memory.status, 1);
    assert.match(memory.stderr, /need SQLite or Redis/);
    const unknown = await runQueueCli(['purge'], { LEADRELAY_DATA_DIR: dir });
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown arguments "purge"/);
    assert.doesNotMatch(unknown.stderr + memory.stderr, /\n\s+at /);
  });
});
