// The one retry policy every level uses: its backoff, jitter, limits and abortable sleep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, jitter, mayRetry, sleep, type RetryPolicy } from '../../src/proxy/retry-policy.js';

test('backoff multiplies the first wait by the coefficient per attempt, capped at maxMs, and stays finite after days of attempts', () => {
  const policy: RetryPolicy = { initialMs: 1_000, coefficient: 2, maxMs: 300_000 };
  assert.deepEqual([0, 1, 2, 8, 9, 10].map((attempt) => backoffDelay(policy, attempt)), [1_000, 2_000, 4_000, 256_000, 300_000, 300_000]);
  assert.equal(backoffDelay(policy, 5_000), 300_000);
  assert.equal(backoffDelay({ initialMs: 200, coefficient: 2, maxMs: Number.POSITIVE_INFINITY }, 5_000), 200 * 2 ** 30);
  assert.deepEqual([0, 3].map((attempt) => backoffDelay({ initialMs: 50, coefficient: 1, maxMs: 1_000 }, attempt)), [50, 50], 'coefficient 1: a fixed interval');
});

test('jitter spreads a wait evenly over ±spread and the policy applies it only when it asks', () => {
  assert.equal(jitter(1_000, 0.1, () => 0), 900);
  assert.equal(jitter(1_000, 0.1, () => 0.5), 1_000);
  assert.equal(jitter(1_000, 0.25, () => 0.999_999), 1_250);
  const policy: RetryPolicy = { initialMs: 200, coefficient: 2, maxMs: 5_000, jitter: 0.1 };
  assert.equal(backoffDelay(policy, 1, () => 0), 360);
  assert.equal(backoffDelay({ ...policy, jitter: undefined }, 1, () => 0), 400);
});

test('mayRetry stops at maxAttempts and at a deadline the wait would pass', () => {
  const policy: RetryPolicy = { initialMs: 100, coefficient: 2, maxMs: 1_000, maxAttempts: 2 };
  assert.deepEqual([0, 1, 2].map((attempt) => mayRetry(policy, attempt, 100)), [true, true, false]);
  assert.equal(mayRetry({ ...policy, maxAttempts: 0 }, 0, 0), false, 'no retries at all');
  assert.equal(mayRetry({ ...policy, maxAttempts: undefined }, 1_000, 0), true, 'no count limit when absent');
  assert.equal(mayRetry({ ...policy, deadline: 1_000 }, 0, 100, 900), true, 'the retry starts exactly at the deadline');
  assert.equal(mayRetry({ ...policy, deadline: 1_000 }, 0, 101, 900), false);
});

test('sleep resolves after its wait, and an abort rejects it with the signal reason (at once when already aborted)', async () => {
  await sleep(0);
  const controller = new AbortController();
  const pending = sleep(60_000, controller.signal);
  controller.abort(new Error('stopping'));
  await assert.rejects(pending, /stopping/);
  await assert.rejects(sleep(60_000, AbortSignal.abort(new Error('already'))), /already/);
});
