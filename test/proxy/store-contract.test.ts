// One Store contract, two stores: the memory store and the Redis store pass the same suite; Redis also across handles.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { runOnce } from '../../src/proxy/idempotency.js';
import { MemoryStore } from '../../src/proxy/store/memory.js';
import { RedisStore } from '../../src/proxy/store/redis.js';
import { startTestRedis, type TestRedis } from './redis-server.js';
import { describeStoreContract } from './store-contract.js';

let redis: TestRedis;
before(async () => {
  redis = await startTestRedis();
});
after(() => redis.stop());

describeStoreContract('memory', async () => new MemoryStore());
describeStoreContract('redis', async () => new RedisStore({ url: redis.url, prefix: redis.prefix() }));

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

  test('runOnce over two stores runs the work once and the waiting instance gets the stored answer', async () => {
    const [a, b] = pair();
    const key = randomUUID();
    let runs = 0;
    const work = async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { status: 201, body: { run: runs } };
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => runOnce(i % 2 ? a : b, key, 'fp', { leaseMs: 10_000, waitMs: 5_000 }, work)),
    );
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
    const deadline = Date.now() + 5_000;
    let count = (await b.hit(short, 30)).count;
    while (count !== 1 && Date.now() < deadline) count = (await b.hit(short, 30)).count;
    assert.equal(count, 1, 'a new window starts at one');
  });

  test('connect() refuses an address where no Redis answers', async () => {
    await assert.rejects(RedisStore.connect({ url: 'redis://127.0.0.1:1' }));
  });
});
