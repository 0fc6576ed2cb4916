// A queued submission's token whose store record is gone: one lookup in Intercom, remembered in the store either way.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { LOOKUPS_PER_MINUTE } from '../../src/proxy/delivery/lead-resolver.js';
import { signLeadToken } from '../../src/proxy/guards/lead-token.js';
import { MemoryStore } from '../../src/proxy/store/index.js';
import { SECRET, apiCalls, buildLead, startInProcessStack, type Stack } from './harness.js';

describe('POST /messages with a queued token whose record is gone', () => {
  let stack: Stack;
  let restarted: Stack;
  before(async () => {
    stack = await startInProcessStack();
    // A second proxy on the same Intercom with a store of its own: it has no record of the first one's submissions.
    restarted = await startInProcessStack({ intercom: { baseUrl: stack.emulator.url }, store: new MemoryStore(), testing: { setupDataAttributes: false }, delivery: { pendingLeadWaitMs: 30_000 } });
  });
  after(async () => {
    await restarted.close();
    await stack.close();
  });

  const calls = async () => apiCalls(await stack.emulatorRequests());
  const searches = async () => (await calls()).filter((call) => call.path.endsWith('/search')).length;

  test('a delivered lead is found by one lookup, and later follow-ups cost no search at all', async () => {
    const submissionId = randomUUID();
    const delivered = await stack.post('/leads', buildLead(), { key: submissionId });
    assert.equal(delivered.status, 201);
    // The token as it was handed out while the submission was queued: it names the submission only.
    const leadToken = await signLeadToken({ submissionId }, SECRET);

    const before = await searches();
    const first = await restarted.post('/messages', { leadToken, body: 'first follow-up' }, { key: null });
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(first.json, { conversationId: delivered.json.conversationId });
    assert.equal(await searches(), before + 2, 'one contact search and one conversation search');
    for (const body of ['second', 'third', 'fourth']) {
      const again = await restarted.post('/messages', { leadToken, body }, { key: null });
      assert.equal(again.status, 201);
    }
    assert.equal(await searches(), before + 2, 'the lookup is remembered');
  });

  test('a submission Intercom does not know answers 503 lead_pending at once, and the miss is remembered', async () => {
    const leadToken = await signLeadToken({ submissionId: randomUUID() }, SECRET);
    const before = await searches();
    for (let i = 0; i < 10; i++) {
      // Nothing will ever deliver a submission without a record, so waiting (30 s on this proxy) cannot help.
      const response = await restarted.post('/messages', { leadToken, body: 'anyone?' }, { key: null });
      assert.equal(response.status, 503);
      assert.equal(response.json.error.code, 'lead_pending');
    }
    assert.equal(await searches(), before + 1, 'one contact search for ten requests');
  });

  test('a lookup that failed (Intercom 5xx) is not remembered as a miss: the next request looks again and finds the lead', async () => {
    const submissionId = randomUUID();
    const delivered = await stack.post('/leads', buildLead({ email: 'flaky@example.com' }), { key: submissionId });
    assert.equal(delivered.status, 201);
    const leadToken = await signLeadToken({ submissionId }, SECRET);
    // Every attempt of the first request's search fails (the proxy retries a search twice).
    await stack.addFault({ route: 'POST /contacts/search', status: 500, times: 3 });
    const failed = await restarted.post('/messages', { leadToken, body: 'first' }, { key: null });
    assert.equal(failed.status, 503);
    const retried = await restarted.post('/messages', { leadToken, body: 'second' }, { key: null });
    assert.equal(retried.status, 201, retried.text);
    assert.deepEqual(retried.json, { conversationId: delivered.json.conversationId });
  });

  test(`lookups for all clients together stop at ${LOOKUPS_PER_MINUTE} a minute, whatever the tokens`, async () => {
    const fresh = await startInProcessStack({ intercom: { baseUrl: stack.emulator.url }, store: new MemoryStore(), testing: { setupDataAttributes: false } });
    try {
      const before = await searches();
      for (let i = 0; i < LOOKUPS_PER_MINUTE + 15; i++) {
        const leadToken = await signLeadToken({ submissionId: randomUUID() }, SECRET);
        const response = await fresh.post('/messages', { leadToken, body: 'anyone?' }, { key: null });
        assert.equal(response.status, 503);
      }
      assert.equal(await searches(), before + LOOKUPS_PER_MINUTE);
    } finally {
      await fresh.close();
    }
  });
});
