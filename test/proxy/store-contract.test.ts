// One Store contract, three stores: memory, Redis and SQLite pass the same suite; Redis and SQLite also across handles.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runExactlyOnce, type OnceOutcome } from '../../src/proxy/delivery/idempotency.js';
import { MemoryStore } from '../../src/proxy/store/memory.js';
import { RedisStore } from '../../src/proxy/store/redis.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { waitUntil } from '../support/wait.js';
import { startTestRedis, type TestRedis } from './redis-server.js';
import { describeStoreContract } from './store-contract.js';

let redis: TestRedis;
const sqliteDir = mkdtempSync(join(tmpdir(), 'leadrelay-store-'));
before(async () => {
  redis = await startTestRedis();
});
after(async () => {
  await redis.stop();
  rmSync(sqliteDir, { recursive: true, force: true });
});

describeStoreContract('memory', async () => new MemoryStore());
describeStoreContract('redis', async () => new RedisStore({ url: redis.url, prefix: redis.prefix() }));
describeStoreContract('sqlite', () => SqliteStore.open({ path: join(sqliteDir, `${randomUUID()}.db`) }));

describe('RedisStore across instances', () => {
  const opened: RedisStore[] = [];
  /** Two stores on one Redis and one prefix: what two proxy processes see. */
  const pair = () => {
    const prefix = redis.prefix();
    const stores = [new RedisStore({ url: redis.url, prefix }), new RedisStore({ url: redis.url, prefix })] as const;
    opened.push(...stores);
    return stores;
  };
  after(async () => {
    for (const store of opened) await store.close();
  });

  test('two stores racing to claim one key have exactly one winner', async () => {
    const [a, b] = pair();
    for (let round = 0; round < 20; round += 1) {
      const key = randomUUID();
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).claim(key, { fingerprint: 'fp', owner: `o${i}`, leaseMs: 10_000 })),
      );
      assert.equal(claims.filter((claim) => claim.outcome === 'claimed').length, 1, `round ${round}`);
      assert.equal(claims.filter((claim) => claim.outcome === 'busy').length, 7);
    }
  });

  test('runExactlyOnce over two stores runs the work once and the waiting instance gets the stored answer', async () => {
    const [a, b] = pair();
    const key = randomUUID();
    let runs = 0;
    const work = async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { status: 201, body: { run: runs } };
    };
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => runExactlyOnce(i % 2 ? a : b, key, 'fp', { leaseMs: 10_000, waitMs: 5_000 }, work)),
    );
    // Every caller gets the answer: none is left busy, mismatched or lost.
    const results = outcomes.map((outcome) => {
      assert.equal(outcome.kind, 'done');
      return outcome as Extract<OnceOutcome, { kind: 'done' }>;
    });
    assert.equal(runs, 1);
    for (const result of results) assert.deepEqual(result.answer, { status: 201, body: { run: 1 } });
  });

  test('a waiter on one store is woken by a completion on the other', async () => {
    const [a, b] = pair();
    const key = randomUUID();
    await a.claim(key, { fingerprint: 'fp', owner: 'a', leaseMs: 60_000 });
    const waiting = b.waitForSettled(key, 30_000);
    assert.equal(await a.complete(key, 'a', { status: 201, body: 'done' }), true);
    assert.deepEqual((await waiting)?.answer, { status: 201, body: 'done' });
  });

  test('progress written through one store resumes through the other after the lease lapses', async () => {
    const [a, b] = pair();
    const key = randomUUID();
    await a.claim(key, { fingerprint: 'fp', owner: 'a', leaseMs: 50 });
    await a.saveProgress(key, 'a', { steps: { contactId: 'c-1' }, pendingStep: 'conversationId' }, 50);
    // The holder "crashes": the waiter wakes when the lease runs out, then takes the work over.
    const settled = await b.waitForSettled(key, 5_000);
    assert.equal(settled?.leaseOwner, 'a');
    const taken = await b.claim(key, { fingerprint: 'fp', owner: 'b', leaseMs: 10_000 });
    assert.equal(taken.outcome, 'claimed');
    assert.deepEqual(taken.record.steps, { contactId: 'c-1' });
    assert.equal(taken.record.pendingStep, 'conversationId');
  });

  test('stores with different prefixes do not see each other', async () => {
    const a = new RedisStore({ url: redis.url, prefix: redis.prefix() });
    const b = new RedisStore({ url: redis.url, prefix: redis.prefix() });
    opened.push(a, b);
    const key = randomUUID();
    await a.claim(key, { fingerprint: 'fp', owner: 'a', leaseMs: 10_000 });
    assert.equal(await b.get(key), undefined);
    assert.equal((await b.claim(key, { fingerprint: 'fp', owner: 'b', leaseMs: 10_000 })).outcome, 'claimed');
    const bucket = randomUUID();
    await a.hit(bucket, 60_000);
    assert.equal((await b.hit(bucket, 60_000)).count, 1);
  });

  test('rate-limit counters are shared by every store on one prefix and restart after the window', async () => {
    const [a, b] = pair();
    const bucket = randomUUID();
    assert.equal((await a.hit(bucket, 60_000)).count, 1);
    assert.equal((await b.hit(bucket, 60_000)).count, 2);
    const short = randomUUID();
    await a.hit(short, 30);
    await waitUntil(async () => (await b.hit(short, 30)).count === 1, 'a new window to start at one', { timeoutMs: 5_000, intervalMs: 5 });
  });

  test('connect() refuses an address where no Redis answers', async () => {
    await assert.rejects(RedisStore.connect({ url: 'redis://127.0.0.1:1' }));
  });
});

describe('SqliteStore across handles and restarts', () => {
  test('a queue, its dead letters and the records survive closing and reopening the file', async () => {
    const path = join(sqliteDir, `${randomUUID()}.db`);
    const first = await SqliteStore.open({ path });
    await first.enqueue('leads', 'a', 'A');
    await first.enqueue('leads', 'b', 'B');
    await first.leaseNext('leads', 'w1', 60_000);
    await first.deadLetter('leads', 'a', 'w1', 'refused');
    await first.claim('key-1', { fingerprint: 'fp', owner: 'o1', leaseMs: 60_000 });
    await first.complete('key-1', 'o1', { status: 201, body: { ok: true } });
    await first.close();
    const second = await SqliteStore.open({ path });
    try {
      assert.equal(second.durable, true);
      assert.deepEqual({ ...(await second.queueStats('leads')), oldestEnqueuedAt: 0 }, { waiting: 1, retrying: 0, dead: 1, oldestEnqueuedAt: 0 });
      assert.equal((await second.leaseNext('leads', 'w2', 60_000))?.payload, 'B');
      assert.deepEqual((await second.listDead('leads')).map((letter) => [letter.id, letter.reason]), [['a', 'refused']]);
      const replay = await second.claim('key-1', { fingerprint: 'fp', owner: 'o2', leaseMs: 60_000 });
      assert.deepEqual([replay.outcome, replay.record.answer], ['done', { status: 201, body: { ok: true } }]);
    } finally {
      await second.close();
    }
  });

  test('a worker thread folds the write-ahead log into the database file while the store is open', async () => {
    const path = join(sqliteDir, `${randomUUID()}.db`);
    const store = await SqliteStore.open({ path });
    try {
      // Few enough commits that SQLite's own automatic checkpoint (1000 pages) would not run yet.
      for (let i = 0; i < 40; i += 1) await store.enqueue('leads', `id-${i}`, 'x'.repeat(500));
      await waitUntil(() => statSync(path).size >= 8 * 4096, 'a checkpoint to grow the database file to 8 pages or more', { timeoutMs: 10_000, intervalMs: 50 });
    } finally {
      await store.close();
    }
  });

  test('two handles on one file racing to claim a key or lease an item have exactly one winner', async () => {
    const path = join(sqliteDir, `${randomUUID()}.db`);
    const a = await SqliteStore.open({ path });
    const b = await SqliteStore.open({ path });
    try {
      for (let round = 0; round < 10; round += 1) {
        const key = randomUUID();
        const claims = await Promise.all(
          Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).claim(key, { fingerprint: 'fp', owner: `o${i}`, leaseMs: 10_000 })),
        );
        assert.equal(claims.filter((claim) => claim.outcome === 'claimed').length, 1, `round ${round}`);
        await a.enqueue(`q${round}`, 'x', 'X');
        const leases = await Promise.all([a.leaseNext(`q${round}`, 'wa', 10_000), b.leaseNext(`q${round}`, 'wb', 10_000)]);
        assert.equal(leases.filter(Boolean).length, 1);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
