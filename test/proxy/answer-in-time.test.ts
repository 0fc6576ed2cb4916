// On a durable store a visitor is answered about `recoveryWaitMs` after sending, even while one Intercom call is
// slow: the submission is queued (202) and that call finishes under the same claim; still one lead, one conversation.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { buildLead, startInProcessStack, type Stack } from './harness.js';
import { waitUntil } from '../support/wait.js';

let stack: Stack;

before(async () => {
  stack = await startInProcessStack({ delivery: { recoveryWaitMs: 300 } });
  await stack.proxy.proxy.ready;
});
after(() => stack.close());

test('a slow POST /contacts: answered 202 queued while it runs, then delivered once; a resend gets the created answer', async () => {
  await stack.addFault({ route: 'POST /contacts', delayMs: 2_000, times: 1 });
  const key = randomUUID();
  const lead = buildLead({ email: `slow-${randomUUID()}@example.com` });
  const answer = await stack.post('/leads', lead, { key });
  assert.equal(answer.status, 202, 'queued instead of waiting for the slow call');
  assert.equal(answer.json.status, 'queued');
  assert.equal(typeof answer.json.leadToken, 'string');

  const state = await waitUntil(async () => {
    const current = await stack.emulatorState();
    return current.conversations.length > 0 ? current : undefined;
  }, 'the slow call finishing the delivery');
  const resend = await waitUntil(async () => {
    const again = await stack.post('/leads', lead, { key });
    return again.status === 201 ? again : undefined;
  }, 'the record answered 201');
  assert.equal(resend.json.conversationId, state.conversations[0].id);
  const after = await stack.emulatorState();
  assert.equal(after.contacts.filter((contact) => contact.email === lead.email).length, 1, 'one lead');
  assert.equal(after.conversations.length, 1, 'one conversation');
  assert.equal(stack.logs.filter((line) => line.event === 'queue_dead_letter').length, 0);
});
