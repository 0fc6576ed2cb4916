// Each failure is retried at one level: lead delivery's creating calls get one attempt from the client, a queued
// delivery makes one pass per queue attempt, and the queue's backoff is what tries again.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { IntercomClient, IntercomError } from '../../src/proxy/intercom/intercom-client.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { apiCalls, buildLead, startStack, type Stack } from './harness.js';
import { waitUntil } from '../support/wait.js';

/** A client whose every answer is a 429 that resets in 50 ms, counting the attempts. */
function rateLimitedClient(): { client: IntercomClient; attempts: () => number } {
  let attempts = 0;
  const client = new IntercomClient({
    accessToken: 'tok_test',
    baseUrl: 'http://127.0.0.1:9',
    retryBaseMs: 1,
    fetch: async () => {
      attempts += 1;
      return new Response(JSON.stringify({ type: 'error.list', errors: [{ code: 'rate_limit_exceeded' }] }), {
        status: 429,
        headers: { 'x-ratelimit-reset': String((Date.now() + 50) / 1000), 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '900' },
      });
    },
  });
  return { client, attempts: () => attempts };
}

test("the client gives a creating call of lead delivery ('once') one attempt, where 'create' retries a 429 itself", async () => {
  const once = rateLimitedClient();
  await assert.rejects(once.client.request('POST', '/contacts', {}, { retry: 'once' }), (error: unknown) => error instanceof IntercomError && error.status === 429);
  assert.equal(once.attempts(), 1);

  const create = rateLimitedClient();
  await assert.rejects(create.client.request('POST', '/contacts', {}, { retry: 'create' }), IntercomError);
  assert.equal(create.attempts(), 3, 'the first attempt and maxRetries (2) more');
});

describe('a queued delivery while Intercom refuses the contact for a while (409, nothing created)', () => {
  let stack: Stack;
  let store: SqliteStore;
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-levels-'));

  before(async () => {
    store = await SqliteStore.open({ path: join(dir, 'proxy.db') });
    // A queue backoff short enough for a test, and a delivery budget (min of 10 s and maxMs) long enough for passes.
    stack = await startStack({ store, delivery: { recoveryWaitMs: 50 }, queue: { retry: { firstMs: 20, maxMs: 1_000 } } });
  });
  after(async () => {
    await stack.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('makes one POST /contacts per queue attempt: the queue is the one level that tries again', async () => {
    await stack.addFault({ route: 'POST /contacts', status: 409, times: 3 });
    const response = await stack.post('/leads', buildLead());
    assert.equal(response.status, 202, response.text);
    const delivered = await waitUntil(() => stack.logs.find((line) => line.event === 'queue_delivered'), 'the queued delivery', { timeoutMs: 15_000 });
    const posts = apiCalls(await stack.emulatorRequests()).filter((request) => request.method === 'POST' && request.path === '/contacts');
    assert.deepEqual(
      posts.map((request) => request.status),
      [409, 409, 409, 200],
      'one inline attempt, then one per queue attempt',
    );
    // Each refused POST of the queue was one queue attempt put back with backoff (not a pass within one attempt).
    const retries = stack.logs.filter((line) => line.event === 'delivery_retry');
    assert.deepEqual(
      retries.map((line) => line.reason),
      ['upstream_unavailable', 'upstream_unavailable'],
    );
    assert.ok(Number(delivered.attempts) >= 3, 'the delivering attempt came after both');
  });
});
