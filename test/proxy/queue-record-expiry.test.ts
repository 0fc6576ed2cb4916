// A queued submission whose idempotency record was lost (expired, or its key reused) is never doubled and never dropped.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, test } from 'node:test';
import { LEADS_QUEUE, type QueuedLead } from '../../src/proxy/delivery/delivery-queue.js';
import { leadRecordKey } from '../../src/proxy/delivery/lead-resolver.js';
import { checkLeadRequest, fingerprintSubmission } from '../../src/proxy/guards/lead-request.js';
import { loadPhoneRules } from '../../src/proxy/guards/phone.js';
import { RECORD_TTL_MS } from '../../src/proxy/store/retention.js';
import { MemoryStore } from '../../src/proxy/store/memory.js';
import { buildLead, startInProcessStack } from './harness.js';
import { waitUntil } from '../support/wait.js';

const MINUTE = { timeoutMs: 60_000 };

// The routes load the phone rules before validating; these tests call the validation directly.
before(() => loadPhoneRules());

test('a dead letter retried after its record expired finds the lead it created instead of creating a second one', async () => {
  let clock = Date.now();
  // The store's clock: records and queue items age by it; the drain loop and Intercom calls run in real time.
  const store = new MemoryStore({ now: () => clock });
  const stack = await startInProcessStack({ store });
  try {
    const { submission } = checkLeadRequest(buildLead({ email: `expiry-${randomUUID()}@example.com` }));
    const submissionId = randomUUID();
    const key = leadRecordKey(submissionId);
    const fingerprint = fingerprintSubmission(submission);
    // As POST /leads does: the record (with the queued answer's lead token), then the queue item.
    const owner = randomUUID();
    await store.claim(key, { fingerprint, owner, leaseMs: 60_000 });
    await store.saveProgress(key, owner, { steps: { queuedToken: 'the 202 answer' } }, 60_000);
    await store.release(key, owner);
    const item: QueuedLead = { submissionId, fingerprint, submission };
    // The contact is created, then Intercom refuses the conversation for good: a dead letter with a lead behind it.
    await stack.addFault({ route: 'POST /conversations', status: 400, times: 1 });
    await store.enqueue(LEADS_QUEUE, submissionId, JSON.stringify(item));
    await waitUntil(async () => (await store.listDead(LEADS_QUEUE)).length === 1, 'the dead letter', MINUTE);
    assert.equal((await stack.emulatorState()).contacts.length, 1);

    // Weeks later the operator fixes the cause and retries; the record is gone by then.
    clock += RECORD_TTL_MS + 60_000;
    assert.equal(await store.retryDead(LEADS_QUEUE), 1);
    await waitUntil(async () => (await store.queueStats(LEADS_QUEUE)).waiting === 0 && (await stack.emulatorState()).conversations.length === 1, 'the delivery', MINUTE);

    const state = await stack.emulatorState();
    assert.equal(state.contacts.length, 1, 'one lead for one submission');
    assert.equal(state.conversations[0].source.author.id, state.contacts[0].id, 'the conversation is started by that lead');
  } finally {
    await stack.close();
    await store.close();
  }
});

test('a queued submission whose key now holds another submission becomes a dead letter, not dropped', async () => {
  const store = new MemoryStore();
  const stack = await startInProcessStack({ store });
  try {
    const { submission } = checkLeadRequest(buildLead({ email: `mismatch-${randomUUID()}@example.com` }));
    const submissionId = randomUUID();
    // The key's record was lost and then claimed for a different body: the queued one cannot be delivered under it.
    const owner = randomUUID();
    await store.claim(leadRecordKey(submissionId), { fingerprint: 'another submission', owner, leaseMs: 60_000 });
    await store.release(leadRecordKey(submissionId), owner);
    const item: QueuedLead = { submissionId, fingerprint: fingerprintSubmission(submission), submission };
    await store.enqueue(LEADS_QUEUE, submissionId, JSON.stringify(item));
    await waitUntil(
      async () => {
        const stats = await store.queueStats(LEADS_QUEUE);
        return stats.waiting + stats.retrying === 0;
      },
      'the item to leave the queue',
      MINUTE,
    );
    const dead = await store.listDead(LEADS_QUEUE);
    assert.deepEqual(dead.map((letter) => [letter.id, letter.reason]), [[submissionId, 'idempotency_key_reused']]);
    assert.equal((await stack.emulatorState()).contacts.length, 0);
  } finally {
    await stack.close();
    await store.close();
  }
});
