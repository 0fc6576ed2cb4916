// Recovery after ambiguous failures, over real HTTP with search lag: what may have been created is found, not made twice.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { SECRET, apiCalls, buildLead, startStack, type Stack } from './harness.js';

const SEARCH_LAG_MS = 150;

async function configure(stack: Stack, config: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${stack.emulator.url}/_emulator/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  assert.equal(response.status, 200);
}

/** Retry one submission with one key, as the widget does, until it is accepted (201) or the deadline passes. */
async function submitUntilCreated(stack: Stack, key: string, body: Record<string, unknown>) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await stack.post('/leads', body, { key });
    if (response.status === 201 || Date.now() > deadline) return response;
  }
}

async function assertOneLeadOneConversation(stack: Stack, key: string) {
  const { contacts, conversations } = await stack.emulatorState();
  const mine = contacts.filter((contact) => contact.custom_attributes.leadrelay_submission_id === submissionReference(SECRET, key));
  assert.equal(mine.length, 1, 'exactly one lead for the submission');
  const theirs = conversations.filter((conversation) => conversation.source.author.id === mine[0].id);
  assert.equal(theirs.length, 1, 'exactly one conversation started by it');
}

describe('recovery after an ambiguous failure (search lag on)', () => {
  let stack: Stack;
  before(async () => {
    // The bound must exceed the emulator's lag: a search issued that long after the attempt sees any commit.
    stack = await startStack({ delivery: { recoveryLagMs: SEARCH_LAG_MS * 3, recoveryWaitMs: 3_000 } });
  });
  beforeEach(async () => {
    await stack.reset();
    await configure(stack, { searchLagMs: SEARCH_LAG_MS });
  });
  after(() => stack.close());

  for (const fault of [
    { name: 'a 503 after commit', fault: { status: 503, afterCommit: true } },
    { name: 'a connection dropped after commit', fault: { drop: true, afterCommit: true } },
    { name: 'a connection dropped before commit', fault: { drop: true } },
  ]) {
    test(`${fault.name} on POST /contacts leaves exactly one lead and one conversation`, async () => {
      const key = randomUUID();
      await stack.addFault({ route: 'POST /contacts', times: 1, ...fault.fault });
      const response = await submitUntilCreated(stack, key, buildLead());
      assert.equal(response.status, 201);
      await assertOneLeadOneConversation(stack, key);
      const calls = apiCalls(await stack.emulatorRequests());
      const searches = calls.filter((call) => call.path === '/contacts/search');
      assert.ok(searches.length >= 1, 'the proxy searched by submission reference');
      assert.deepEqual((searches[0]!.body as any).query.value[0], {
        field: 'custom_attributes.leadrelay_submission_id',
        operator: '=',
        value: submissionReference(SECRET, key),
      });
      const creates = calls.filter((call) => call.path === '/contacts').length;
      assert.equal(creates, fault.fault.afterCommit ? 1 : 2, 'created again only when nothing had been committed');
    });

    test(`${fault.name} on POST /conversations leaves exactly one conversation`, async () => {
      const key = randomUUID();
      await stack.addFault({ route: 'POST /conversations', times: 1, ...fault.fault });
      const response = await submitUntilCreated(stack, key, buildLead());
      assert.equal(response.status, 201);
      await assertOneLeadOneConversation(stack, key);
      const calls = apiCalls(await stack.emulatorRequests());
      assert.ok(calls.some((call) => call.path === '/conversations/search'), 'the proxy searched the contact\'s conversations');
      assert.equal(calls.filter((call) => call.path === '/conversations').length, fault.fault.afterCommit ? 1 : 2);
      const { conversations } = await stack.emulatorState();
      assert.equal(response.json.conversationId, String(conversations[0].id));
    });
  }

  test('when the search cannot settle within recoveryWaitMs the submission is queued, then delivered once', async () => {
    const slow = await startStack({ intercom: { baseUrl: stack.emulator.url }, delivery: { recoveryLagMs: 600, recoveryWaitMs: 50 }, testing: { setupDataAttributes: false } });
    try {
      const key = randomUUID();
      await stack.addFault({ route: 'POST /contacts', status: 503, afterCommit: true, times: 1 });
      const response = await slow.post('/leads', buildLead(), { key });
      assert.equal(response.status, 202);
      assert.equal(response.json.status, 'queued');
      // Poll with a deadline until the drain loop found the committed lead and started its conversation.
      const deadline = Date.now() + 10_000;
      let replay = await slow.post('/leads', buildLead(), { key });
      while (replay.status !== 201 && Date.now() < deadline) replay = await slow.post('/leads', buildLead(), { key });
      assert.equal(replay.status, 201, 'a retry answers the 201 once delivered');
      await assertOneLeadOneConversation(stack, key);
      assert.equal(apiCalls(await stack.emulatorRequests()).filter((call) => call.path === '/contacts').length, 1);
    } finally {
      await slow.close();
    }
  });
});
