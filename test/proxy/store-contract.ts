// The behaviour every Store must have, as one suite: run it against each implementation (memory now, Redis later).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { Store } from '../../src/proxy/store/index.js';
import { runOnce } from '../../src/proxy/idempotency.js';

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
      const deadline = Date.now() + 2000;
      let taken = await store.claim(key, claimOf('b'));
      while (taken.outcome !== 'claimed' && Date.now() < deadline) taken = await store.claim(key, claimOf('b'));
      assert.equal(taken.outcome, 'claimed');
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

    test('runOnce runs concurrent work for one key once and gives every caller the answer', async () => {
      const store = await fresh();
      const key = randomUUID();
      let runs = 0;
      const work = async () => {
        runs += 1;
        await new Promise((resolve) => setImmediate(resolve));
        return { status: 201, body: { n: runs } };
      };
      const results = await Promise.all(
        Array.from({ length: 10 }, () => runOnce(store, key, 'fp', { leaseMs: 10_000, waitMs: 5_000 }, work)),
      );
      assert.equal(runs, 1);
      assert.equal(results.filter((result) => !result.replayed).length, 1);
      for (const result of results) assert.deepEqual(result.answer, { status: 201, body: { n: 1 } });
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
  });
}
