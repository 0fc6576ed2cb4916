// The queue's counts and dead letters, part of the Store contract: every store passes the same tests.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { Store } from '../../src/proxy/store/index.js';

export function queueContractTests(fresh: () => Promise<Store>): void {
  test('queueStats counts never-tried and retrying items, dead letters and the oldest enqueue', async () => {
    const store = await fresh();
    const queue = randomUUID();
    assert.deepEqual(await store.queueStats(queue), { waiting: 0, retrying: 0, dead: 0 });
    const before = Date.now();
    await store.enqueue(queue, 'a', 'A');
    await store.enqueue(queue, 'b', 'B');
    await store.enqueue(queue, 'c', 'C');
    await store.leaseNext(queue, 'w1', 10_000);
    await store.retryLater(queue, 'a', 'w1', 0);
    await store.leaseNext(queue, 'w1', 10_000);
    assert.equal(await store.deadLetter(queue, 'a', 'w1', 'refused'), true);
    await store.leaseNext(queue, 'w1', 10_000);
    await store.retryLater(queue, 'b', 'w1', Date.now() + 60_000);
    const stats = await store.queueStats(queue);
    assert.deepEqual({ ...stats, oldestEnqueuedAt: undefined }, { waiting: 1, retrying: 1, dead: 1, oldestEnqueuedAt: undefined });
    assert.ok(stats.oldestEnqueuedAt! >= before - 1000 && stats.oldestEnqueuedAt! <= Date.now() + 1000, 'the oldest is b');
  });

  test('deadLetter moves only the lease holder\'s item, keeps it with its reason, and takes it out of the queue', async () => {
    const store = await fresh();
    const queue = randomUUID();
    await store.enqueue(queue, 'a', '{"n":1}');
    await store.enqueue(queue, 'b', '{"n":2}');
    await store.leaseNext(queue, 'w1', 10_000);
    assert.equal(await store.deadLetter(queue, 'a', 'w2', 'x'), false, 'a worker without the lease cannot move it');
    assert.equal(await store.deadLetter(queue, 'a', 'w1', 'intercom_rejected: 400 parameter_invalid'), true);
    const [letter, ...more] = await store.listDead(queue);
    assert.equal(more.length, 0);
    assert.deepEqual([letter?.id, letter?.payload, letter?.reason], ['a', '{"n":1}', 'intercom_rejected: 400 parameter_invalid']);
    assert.ok(letter!.deadAt > 0);
    assert.equal((await store.leaseNext(queue, 'w1', 10_000))?.id, 'b', 'the dead item is no longer leased');
    await store.ack(queue, 'b', 'w1');
    assert.equal(await store.leaseNext(queue, 'w1', 10_000), undefined);
  });

  test('retryDead puts one dead letter, or all, back at the tail ready now as a fresh item', async () => {
    const store = await fresh();
    const queue = randomUUID();
    for (const id of ['a', 'b', 'c']) {
      await store.enqueue(queue, id, id.toUpperCase());
      await store.leaseNext(queue, 'w1', 10_000);
      await store.deadLetter(queue, id, 'w1', `reason ${id}`);
    }
    await store.enqueue(queue, 'd', 'D');
    const dead = await store.listDead(queue);
    assert.deepEqual(dead.map((letter) => letter.id), ['a', 'b', 'c'], 'oldest first');
    // A fresh item is enqueued when it is retried: the retention period starts again.
    const enqueuedBefore = dead[1]!.enqueuedAt;
    while (Date.now() <= enqueuedBefore + 1) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await store.retryDead(queue, 'b'), 1);
    assert.equal(await store.retryDead(queue, 'nope'), 0);
    assert.deepEqual((await store.listDead(queue)).map((letter) => letter.id), ['a', 'c']);
    const order: string[] = [];
    for (let item = await store.leaseNext(queue, 'w1', 10_000); item; item = await store.leaseNext(queue, 'w1', 10_000)) {
      order.push(`${item.id}:${item.payload}:${item.attempts}`);
      if (item.id === 'b') assert.ok(item.enqueuedAt > enqueuedBefore, 'a retried dead letter is enqueued anew');
      await store.ack(queue, item.id, 'w1');
    }
    assert.deepEqual(order, ['d:D:0', 'b:B:0']);
    assert.equal(await store.retryDead(queue), 2);
    assert.deepEqual((await store.listDead(queue)).length, 0);
    assert.deepEqual(await store.queueStats(queue).then((stats) => [stats.waiting, stats.dead]), [2, 0]);
  });
}
