// A new contact's id is recorded with the conversation's start marker (one store write fewer per lead): a resend
// after the conversation failed reuses that contact without searching, and makes one lead and one conversation.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { leadRecordKey } from '../../src/proxy/delivery/lead-resolver.js';
import { MemoryStore } from '../../src/proxy/store/memory.js';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { SECRET, apiCalls, buildLead, startStack, type Stack } from './harness.js';

let stack: Stack;
const store = new MemoryStore();
before(async () => {
  stack = await startStack({ store, delivery: { recoveryWaitMs: 0 }, intercom: { maxRetries: 0 } });
});
after(async () => {
  await stack.close();
  await store.close();
});

test('after the conversation is refused once, the record holds the contact and a resend creates only the conversation', async () => {
  await stack.addFault({ route: 'POST /conversations', status: 400, times: 1 });
  const key = randomUUID();
  const body = buildLead({ email: 'steps@example.com' });
  const refused = await stack.post('/leads', body, { key });
  assert.equal(refused.status, 502, refused.text);
  const record = await store.get(leadRecordKey(key));
  assert.ok(record?.steps.contactId, 'the contact id was saved with the conversation step');
  assert.equal(record?.pendingStep, undefined, 'a refused call leaves nothing pending');

  const before = apiCalls(await stack.emulatorRequests()).length;
  const created = await stack.post('/leads', body, { key });
  assert.equal(created.status, 201, created.text);
  const calls = apiCalls(await stack.emulatorRequests()).slice(before).map((request) => `${request.method} ${request.path}`);
  assert.deepEqual(calls, ['POST /conversations'], 'no second contact and no search');
  const state = await stack.emulatorState();
  assert.equal(state.contacts.filter((contact) => contact.custom_attributes?.leadrelay_submission_id === submissionReference(SECRET, key)).length, 1);
  assert.equal(state.conversations.filter((conversation) => conversation.id === created.json.conversationId).length, 1);
});
