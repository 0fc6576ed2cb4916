// The behaviour every Store must have, as one suite: run it against each implementation (memory, Redis, SQLite).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { Store } from '../../src/proxy/store/index.js';
import { runExactlyOnce, type OnceOutcome } from '../../src/proxy/delivery/idempotency.js';
import { waitUntil } from '../support/wait.js';
import { queueContractTests } from './store-contract-queue.js';

const claimOf = (owner: string, fingerprint = 'fp-1', leaseMs = 10_000) => ({ fingerprint, owner, leaseMs });

export function describeStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    const stores: Store[] = [];
    const fresh = async () => {
      const store = await makeStore();
      stores.push(store);
      return store;
    };
    after(async () => {
      for (const store of stores) await store.close();
    });

    test('the first claim of a key wins and a second caller is told it is busy', async () => {
      const store = await fresh();
      const key = randomUUID();
      assert.equal((await store.claim(key, claimOf('a'))).outcome, 'claimed');
      assert.equal((await store.claim(key, claimOf('b'))).outcome, 'busy');
    });

    test('a claim with another fingerprint is a mismatch', async () => {
      const store = await fresh();
      const key = randomUUID();
      await store.claim(key, claimOf('a', 'fp-1'));
      assert.equal((await store.claim(key, claimOf('b', 'fp-2'))).outcome, 'mismatch');
    });

    test('progress saved by the lease holder is seen by the next claimer after a release', async () => {
      const store = await fresh();
      const key = randomUUID();
      await store.claim(key, claimOf('a'));
      assert.equal(await store.saveProgress(key, 'a', { steps: { contactId: 'c1' }, pendingStep: 'conversationId' }, 10_000), true);
      await store.release(key, 'a');
      const again = await store.claim(key, claimOf('b'));
      assert.equal(again.outcome, 'claimed');
      assert.deepEqual(again.record.steps, { contactId: 'c1' });
      assert.equal(again.record.pendingStep, 'conversationId');
    });

    test('a caller that lost its lease can no longer write progress or complete', async () => {
      const store = await fresh();
      const key = randomUUID();
      await store.claim(key, claimOf('a', 'fp-1', 1));
      // The 1 ms lease lapses; poll with a deadline until another caller can take the key over.
      await waitUntil(async () => (await store.claim(key, claimOf('b'))).outcome === 'claimed', 'another caller to claim the lapsed key', { timeoutMs: 2000, intervalMs: 5 });
      assert.equal(await store.saveProgress(key, 'a', { steps: { contactId: 'stale' } }, 10_000), false);
      assert.equal(await store.complete(key, 'a', { status: 201, body: {} }), false);
    });

    test('a completed key answers done with the stored answer', async () => {
      const store = await fresh();
      const key = randomUUID();
      await store.claim(key, claimOf('a'));
      assert.equal(await store.complete(key, 'a', { status: 201, body: { ok: 1 } }), true);
      const done = await store.claim(key, claimOf('b'));
      assert.equal(done.outcome, 'done');
      assert.deepEqual(done.record.answer, { status: 201, body: { ok: 1 } });
    });

    test('waitForSettled wakes a waiter when the holder completes', async () => {
      const store = await fresh();
      const key = randomUUID();
      await store.claim(key, claimOf('a'));
      const waiting = store.waitForSettled(key, 5_000);
      await store.complete(key, 'a', { status: 201, body: 'x' });
      assert.deepEqual((await waiting)?.answer, { status: 201, body: 'x' });
    });

    test('runExactlyOnce runs concurrent work for one key once and gives every caller the answer', async () => {
      const store = await fresh();
      const key = randomUUID();
      let runs = 0;
      const work = async () => {
        runs += 1;
        await new Promise((resolve) => setImmediate(resolve));
        return { status: 201, body: { n: runs } };
      };
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => runExactlyOnce(store, key, 'fp', { leaseMs: 10_000, waitMs: 5_000 }, work)),
      );
      // Every caller gets the answer: none is left busy, mismatched or lost.
      const results = outcomes.map((outcome) => {
        assert.equal(outcome.kind, 'done');
        return outcome as Extract<OnceOutcome, { kind: 'done' }>;
      });
      assert.equal(runs, 1);
      assert.equal(results.filter((result) => !result.replayed).length, 1);
      for (const result of results) assert.deepEqual(result.answer, { status: 201, body: { n: 1 } });
    });

    test('the queue leases items oldest first, one lease at a time, and ack removes the item', async () => {
      const store = await fresh();
      const queue = randomUUID();
      assert.equal(await store.enqueue(queue, 'a', '{"n":1}'), true);
      assert.equal(await store.enqueue(queue, 'b', '{"n":2}'), true);
      assert.equal(await store.enqueue(queue, 'a', '{"n":3}'), false, 'an id already queued is not added twice');
      assert.equal((await store.queueStats(queue)).waiting, 2);
      const first = await store.leaseNext(queue, 'w1', 10_000);
      assert.deepEqual([first?.id, first?.payload, first?.attempts], ['a', '{"n":1}', 0]);
      assert.equal(await store.leaseNext(queue, 'w2', 10_000), undefined, 'single flight: no second lease while one is live');
      assert.equal(await store.ack(queue, 'a', 'w2'), false, 'only the lease holder acks');
      assert.equal(await store.ack(queue, 'a', 'w1'), true);
      const second = await store.leaseNext(queue, 'w2', 10_000);
      assert.equal(second?.id, 'b');
      assert.equal(await store.ack(queue, 'b', 'w2'), true);
      assert.equal(await store.leaseNext(queue, 'w2', 10_000), undefined);
      assert.equal((await store.queueStats(queue)).waiting, 0);
    });

    test('retryLater keeps the item in its place, counts the attempt and hides it until notBefore', async () => {
      const store = await fresh();
      const queue = randomUUID();
      await store.enqueue(queue, 'a', 'A');
      await store.enqueue(queue, 'b', 'B');
      const leased = await store.leaseNext(queue, 'w1', 10_000);
      assert.equal(await store.retryLater(queue, leased!.id, 'w1', Date.now() + 60_000), true);
      assert.equal((await store.queueStats(queue)).retrying, 1, 'the attempt is counted');
      const next = await store.leaseNext(queue, 'w1', 10_000);
      assert.equal(next?.id, 'b', 'a deferred item lets the next ready one through');
      assert.equal(await store.retryLater(queue, 'b', 'w1', 0), true);
      const again = await store.leaseNext(queue, 'w2', 10_000);
      assert.deepEqual([again?.id, again?.attempts], ['b', 1]);
    });

    test('a lapsed queue lease lets another worker lease the same item', async () => {
      const store = await fresh();
      const queue = randomUUID();
      await store.enqueue(queue, 'a', 'A');
      assert.equal((await store.leaseNext(queue, 'w1', 1))?.id, 'a');
      const taken = await waitUntil(() => store.leaseNext(queue, 'w2', 10_000), 'another worker to lease the lapsed item', { timeoutMs: 2000, intervalMs: 5 });
      assert.equal(taken?.id, 'a');
      assert.equal(await store.ack(queue, 'a', 'w1'), false, 'the worker that lost the lease cannot ack');
      assert.equal(await store.ack(queue, 'a', 'w2'), true);
    });

    test('hit counts per bucket within a window', async () => {
      const store = await fresh();
      const bucket = randomUUID();
      assert.equal((await store.hit(bucket, 60_000)).count, 1);
      const second = await store.hit(bucket, 60_000);
      assert.equal(second.count, 2);
      assert.ok(second.resetAt > Date.now());
      assert.equal((await store.hit(`${bucket}-other`, 60_000)).count, 1);
    });

    queueContractTests(fresh);
  });
}
