// The memory store never answers 202: while Intercom cannot take a submission it answers 503 with Retry-After, so
// the browser keeps it, and the same key sent again once Intercom is back creates exactly one lead.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { LEADS_QUEUE } from '../../src/proxy/delivery/delivery-queue.js';
import { MemoryStore } from '../../src/proxy/store/memory.js';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { SECRET, buildLead, startInProcessStack, type Stack } from './harness.js';

describe('memory store while Intercom is down', () => {
  let stack: Stack;
  const store = new MemoryStore();
  before(async () => {
    stack = await startInProcessStack({ store, delivery: { recoveryWaitMs: 0, rateWaitMs: 0 }, intercom: { retryBaseMs: 5, maxRetries: 0 } });
  });
  after(async () => {
    await stack.close();
    await store.close();
  });

  const leadsFor = async (key: string) =>
    (await stack.emulatorState()).contacts.filter((contact) => contact.custom_attributes?.leadrelay_submission_id === submissionReference(SECRET, key));

  test('a create that fails answers 503 with Retry-After and a code, never 202; the same key later makes one lead', async () => {
    await stack.addFault({ route: 'POST /contacts', status: 503 });
    const key = randomUUID();
    const body = buildLead({ email: 'memory-503@example.com' });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const refused = await stack.post('/leads', body, { key });
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.json.error.code, 'upstream_unavailable');
      assert.match(refused.headers['retry-after'] ?? '', /^[1-9]\d*$/);
    }
    assert.equal((await store.queueStats(LEADS_QUEUE)).waiting, 0, 'nothing was queued in memory');
    assert.equal((await leadsFor(key)).length, 0);

    await stack.emulatorFetch('/_emulator/faults', { method: 'DELETE' });
    // Intercom is back. The last attempt was ambiguous (a 503 may have committed), so the proxy first proves by search
    // that no lead exists, which takes until recoveryLagMs after it; meanwhile it still answers 503, as the widget retries.
    const deadline = Date.now() + 10_000;
    let created = await stack.post('/leads', body, { key });
    while (created.status === 503 && Date.now() < deadline) {
      assert.match(created.headers['retry-after'] ?? '', /^[1-9]\d*$/);
      await new Promise((resolve) => setTimeout(resolve, 50));
      created = await stack.post('/leads', body, { key });
    }
    assert.equal(created.status, 201, created.text);
    const again = await stack.post('/leads', body, { key });
    assert.deepEqual(again.json, created.json, 'a resend replays the first answer');
    assert.equal((await leadsFor(key)).length, 1);
    const conversations = (await stack.emulatorState()).conversations.filter((c) => c.id === created.json.conversationId);
    assert.equal(conversations.length, 1);
  });

  test('a spent Intercom rate window also answers 503 with Retry-After on the memory store, not 202', async () => {
    await stack.addFault({ route: 'POST /contacts', status: 429, times: 1 });
    const response = await stack.post('/leads', buildLead({ email: 'memory-429@example.com' }));
    assert.equal(response.status, 503, response.text);
    assert.match(response.headers['retry-after'] ?? '', /^[1-9]\d*$/);
  });
});
