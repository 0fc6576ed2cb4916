// POST /leads against the emulator, in-process: one lead, one conversation, exactly once, resumed after failures.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { validateRequest } from '../fixtures/intercom/validate.js';
import { signLeadToken, verifyLeadToken } from '../../src/proxy/guards/lead-token.js';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { ACCESS_TOKEN, SECRET, apiCalls, buildLead, inProcessFetch, startInProcessStack, type Stack } from './harness.js';

describe('POST /leads', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack();
  });
  beforeEach(() => stack.reset());
  after(() => stack.close());

  test('a valid submission creates one lead and one conversation whose body is the message', async () => {
    const key = randomUUID();
    const response = await stack.post('/leads', buildLead(), { key });
    assert.equal(response.status, 201);
    assert.equal(response.json.status, 'created');

    const { contacts, conversations } = await stack.emulatorState();
    assert.equal(contacts.length, 1);
    const [lead] = contacts;
    assert.equal(lead.role, 'lead');
    assert.equal(lead.phone, '+442079460958');
    assert.equal(lead.email, 'ada@example.com');
    assert.equal(lead.avatar, null);
    assert.equal(lead.external_id, null);
    // Intercom holds a one-way reference, never the Idempotency-Key: a key read there would replay the lead token.
    assert.equal(lead.custom_attributes.leadrelay_submission_id, submissionReference(SECRET, key));
    assert.ok(!JSON.stringify(lead).includes(key), 'the Idempotency-Key appears nowhere on the lead');
    assert.equal(lead.custom_attributes.leadrelay_page_url, 'https://example.com/pricing');
    assert.equal(lead.custom_attributes.leadrelay_utm_source, 'newsletter');
    assert.equal(lead.custom_attributes.leadrelay_consent, true);

    assert.equal(conversations.length, 1);
    assert.equal(String(conversations[0].id), response.json.conversationId);
    assert.equal(conversations[0].source.body, 'I would like a demo of the analytical engine.');
    assert.equal(conversations[0].contacts.contacts[0].id, lead.id);

    const claims = await verifyLeadToken(response.json.leadToken, SECRET);
    assert.deepEqual(
      { contactId: claims.contactId, conversationId: claims.conversationId, submissionId: claims.submissionId },
      { contactId: lead.id, conversationId: response.json.conversationId, submissionId: key },
    );
  });

  test('every request the proxy sends validates against the 2.14 request schemas and carries the headers', async () => {
    const restarted = await startInProcessStack();
    try {
      const response = await restarted.post('/leads', buildLead({ message: undefined, avatar: 'https://example.com/a.png' }));
      assert.equal(response.status, 201);
      const requests = await restarted.emulatorRequests();
      assert.ok(requests.some((request) => request.path === '/data_attributes' && request.method === 'POST'));
      for (const request of requests.filter((r) => r.method !== 'GET')) {
        const result = validateRequest('2.14', request.method, request.path, request.body);
        assert.deepEqual(result.errors, [], `${request.method} ${request.path} is valid 2.14`);
        assert.equal(request.headers['intercom-version'], '2.14');
        assert.equal(request.headers.authorization, '[redacted]');
      }
      const contactCall = requests.find((request) => request.path === '/contacts')!;
      const body = contactCall.body as Record<string, unknown>;
      assert.equal(body.role, 'lead');
      assert.ok(!('avatar' in body) && !('external_id' in body), 'no avatar and no external_id on a lead');
      const conversationCall = requests.find((request) => request.path === '/conversations')!;
      assert.match((conversationCall.body as { body: string }).body, /"Pricing" \(https:\/\/example\.com\/pricing\)/);
    } finally {
      await restarted.close();
    }
  });

  test('50 retries with the same key, some concurrent, create exactly one lead and one conversation', async () => {
    const key = randomUUID();
    const body = buildLead();
    const first = await Promise.all(Array.from({ length: 20 }, () => stack.post('/leads', body, { key })));
    const rest: typeof first = [];
    for (let i = 0; i < 15; i += 1) rest.push(await stack.post('/leads', body, { key }));
    rest.push(...(await Promise.all(Array.from({ length: 15 }, () => stack.post('/leads', body, { key })))));
    const all = [...first, ...rest];
    assert.equal(all.length, 50);
    for (const response of all) {
      assert.equal(response.status, 201);
      assert.equal(response.json.conversationId, all[0]!.json.conversationId);
      assert.equal(response.json.leadToken, all[0]!.json.leadToken);
    }
    const { contacts, conversations } = await stack.emulatorState();
    assert.equal(contacts.length, 1);
    assert.equal(conversations.length, 1);
    const calls = apiCalls(await stack.emulatorRequests());
    assert.equal(calls.filter((call) => call.path === '/contacts').length, 1);
    assert.equal(calls.filter((call) => call.path === '/conversations').length, 1);
  });

  test('the same key with a different body answers 422 idempotency_key_reused and creates nothing', async () => {
    const key = randomUUID();
    assert.equal((await stack.post('/leads', buildLead(), { key })).status, 201);
    const reused = await stack.post('/leads', buildLead({ message: 'Something else' }), { key });
    assert.equal(reused.status, 422);
    assert.equal(reused.json.error.code, 'idempotency_key_reused');
    assert.equal((await stack.emulatorState()).contacts.length, 1);
  });

  test('a 503 on POST /conversations is recovered by a search of the contact\'s conversations, then one conversation', async () => {
    const key = randomUUID();
    await stack.addFault({ route: 'POST /conversations', status: 503, times: 1 });
    const response = await stack.post('/leads', buildLead(), { key });
    assert.equal(response.status, 201);
    const { contacts, conversations } = await stack.emulatorState();
    assert.equal(contacts.length, 1);
    assert.equal(conversations.length, 1);
    assert.equal((await verifyLeadToken(response.json.leadToken, SECRET)).contactId, contacts[0].id);
    const calls = apiCalls(await stack.emulatorRequests());
    assert.equal(calls.filter((call) => call.path === '/contacts').length, 1);
    const sequence = calls.filter((call) => call.path.startsWith('/conversations')).map((call) => `${call.path} ${call.status}`);
    assert.equal(sequence[0], '/conversations 503');
    assert.equal(sequence.at(-1), '/conversations 200');
    assert.ok(sequence.includes('/conversations/search 200'), 'searched before creating again');
  });

  test('a 404 on POST /conversations right after the contact was created is retried after a short delay', async () => {
    await stack.addFault({ route: 'POST /conversations', status: 404, times: 2 });
    const response = await stack.post('/leads', buildLead());
    assert.equal(response.status, 201);
    const calls = apiCalls(await stack.emulatorRequests()).filter((call) => call.path === '/conversations');
    assert.deepEqual(calls.map((call) => call.status), [404, 404, 200]);
    assert.equal((await stack.emulatorState()).conversations.length, 1);
  });

  test('a 429 from Intercom is retried once X-RateLimit-Reset has passed', async () => {
    // The emulator's reset is the end of its 10 s slice; bring it forward so the test does not wait for it.
    const soonReset: typeof fetch = async (input, init) => {
      const response = await inProcessFetch(input, init);
      if (response.status !== 429) return response;
      const headers = new Headers(response.headers);
      headers.set('x-ratelimit-reset', String(Date.now() / 1000 + 0.05));
      return new Response(response.body, { status: 429, headers });
    };
    const local = await startInProcessStack({ intercom: { retryBaseMs: 10, fetch: soonReset } });
    try {
      await local.addFault({ route: 'POST /contacts', status: 429, times: 1 });
      const response = await local.post('/leads', buildLead());
      assert.equal(response.status, 201);
      const calls = apiCalls(await local.emulatorRequests()).filter((call) => call.path === '/contacts');
      assert.deepEqual(calls.map((call) => call.status), [429, 200]);
    } finally {
      await local.close();
    }
  });

  test('a 429 whose reset is further away than the proxy waits queues the submission: 202 with a lead token', async () => {
    await stack.addFault({ route: 'POST /contacts', status: 429, times: 1 });
    // rateWaitMs 0: any reset is further away than the proxy waits inline (the emulator's may be a moment away).
    const local = await startInProcessStack({ intercom: { baseUrl: stack.emulator.url, maxRetryDelayMs: 0 }, delivery: { rateWaitMs: 0 }, testing: { queuePollMs: 0 } });
    try {
      const key = randomUUID();
      const response = await local.post('/leads', buildLead(), { key });
      assert.equal(response.status, 202);
      assert.equal(response.json.status, 'queued');
      assert.equal(typeof response.json.leadToken, 'string');
      assert.equal((await stack.emulatorState()).contacts.length, 0);
      const again = await local.post('/leads', buildLead(), { key });
      assert.equal(again.status, 202);
      assert.equal(again.json.leadToken, response.json.leadToken, 'a retry replays the same 202');
    } finally {
      await local.close();
    }
  });

  test('a 5xx on POST /contacts is not retried blindly: search by submission id first, then one lead', async () => {
    const key = randomUUID();
    await stack.addFault({ route: 'POST /contacts', status: 500, times: 1 });
    const response = await stack.post('/leads', buildLead(), { key });
    assert.equal(response.status, 201);
    const calls = apiCalls(await stack.emulatorRequests()).filter((call) => call.path.startsWith('/contacts'));
    assert.deepEqual(calls.map((call) => `${call.path} ${call.status}`).filter((line) => !line.startsWith('/contacts/search')), [
      '/contacts 500',
      '/contacts 200',
    ]);
    const firstCreate = calls.findIndex((call) => call.path === '/contacts');
    const secondCreate = calls.findIndex((call, i) => i > firstCreate && call.path === '/contacts');
    assert.ok(calls.slice(firstCreate, secondCreate).some((call) => call.path === '/contacts/search'), 'searched in between');
    assert.equal((await stack.emulatorState()).contacts.length, 1);
    assert.ok(!response.text.includes(ACCESS_TOKEN));
  });

  test('without a message the conversation body names the page', async () => {
    const response = await stack.post('/leads', buildLead({ message: undefined }));
    assert.equal(response.status, 201);
    const { conversations } = await stack.emulatorState();
    assert.equal(conversations[0].source.body, 'New lead from the LeadRelay form on "Pricing" (https://example.com/pricing). No message was written.');
  });

  test('each request is logged as one line with method, route, status and duration, and nothing personal', async () => {
    stack.logs.length = 0;
    await stack.post('/leads', buildLead());
    const lines = stack.logs.filter((line) => line.route === '/leads');
    assert.equal(lines.length, 1);
    assert.deepEqual(Object.keys(lines[0]!).sort(), ['durationMs', 'method', 'route', 'status']);
    assert.equal(lines[0]!.status, 201);
    assert.ok(!JSON.stringify(stack.logs).includes('ada@example.com'));
  });

  test('a valid lead token of a contact that is still a lead starts the new conversation from that same lead', async () => {
    const first = await stack.post('/leads', buildLead());
    assert.equal(first.status, 201);
    const firstClaims = await verifyLeadToken(first.json.leadToken, SECRET);
    stack.logs.length = 0;
    const key = randomUUID();
    const second = await stack.post('/leads', buildLead({ message: 'A second question, same browser.', leadToken: first.json.leadToken }), { key });
    assert.equal(second.status, 201);

    const { contacts, conversations } = await stack.emulatorState();
    assert.equal(contacts.length, 1, 'no second lead for the same browser');
    assert.equal(conversations.length, 2);
    const started = conversations.find((conversation: any) => String(conversation.id) === second.json.conversationId);
    assert.equal(started.source.body, 'A second question, same browser.');
    assert.equal(started.source.author.id, firstClaims.contactId);
    const claims = await verifyLeadToken(second.json.leadToken, SECRET);
    assert.deepEqual({ contactId: claims.contactId, submissionId: claims.submissionId }, { contactId: firstClaims.contactId, submissionId: key });
    assert.equal(apiCalls(await stack.emulatorRequests()).filter((call) => call.method === 'POST' && call.path === '/contacts').length, 1);
    assert.ok(!stack.logs.some((line) => line.leadTokenIgnored), 'the token was used, not ignored');
  });

  test('a 503 after commit on the conversation of a reused lead recovers the new conversation, not the old one', async () => {
    const first = await stack.post('/leads', buildLead());
    await stack.addFault({ route: 'POST /conversations', status: 503, afterCommit: true, times: 1 });
    const second = await stack.post('/leads', buildLead({ message: 'Follow-up after a lost answer.', leadToken: first.json.leadToken }));
    assert.equal(second.status, 201);
    const { contacts, conversations } = await stack.emulatorState();
    assert.equal(contacts.length, 1);
    assert.equal(conversations.length, 2, 'the committed conversation was found, not created again');
    assert.notEqual(second.json.conversationId, first.json.conversationId);
    const started = conversations.find((conversation: any) => String(conversation.id) === second.json.conversationId);
    assert.equal(started.source.body, 'Follow-up after a lost answer.');
  });

  for (const [name, token] of [
    ['forged (signed with another secret)', () => signLeadToken({ contactId: 'x'.repeat(24), submissionId: randomUUID() }, 'not-the-proxy-secret')],
    ['expired', () => signLeadToken({ contactId: 'x'.repeat(24), submissionId: randomUUID() }, SECRET, -60)],
    ['malformed', async () => 'not.a.token'],
  ] as const) {
    test(`a ${name} lead token is ignored: the submission becomes a new lead, logged as leadTokenIgnored`, async () => {
      const existing = await stack.post('/leads', buildLead());
      stack.logs.length = 0;
      const response = await stack.post('/leads', buildLead({ message: 'Sent with a stale token.', leadToken: await token() }));
      assert.equal(response.status, 201);
      const { contacts, conversations } = await stack.emulatorState();
      assert.equal(contacts.length, 2, 'a new lead, the message is not lost');
      const claims = await verifyLeadToken(response.json.leadToken, SECRET);
      assert.notEqual(claims.contactId, (await verifyLeadToken(existing.json.leadToken, SECRET)).contactId);
      const started = conversations.find((conversation: any) => String(conversation.id) === response.json.conversationId);
      assert.equal(started.source.body, 'Sent with a stale token.');
      const line = stack.logs.find((entry) => entry.route === '/leads');
      assert.equal(line?.leadTokenIgnored, true);
    });
  }

  test('a valid lead token whose lead was merged into a user is ignored: a new lead is created', async () => {
    const first = await stack.post('/leads', buildLead());
    const { contactId } = await verifyLeadToken(first.json.leadToken, SECRET);
    const emulatorCall = (path: string, body: unknown) =>
      stack.emulatorFetch(path, {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'intercom-version': '2.14', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((response) => response.json() as Promise<any>);
    const user = await emulatorCall('/contacts', { role: 'user', email: 'ada.user@example.com', external_id: 'user-1' });
    await emulatorCall('/contacts/merge', { from: contactId, into: user.id });
    stack.logs.length = 0;
    const response = await stack.post('/leads', buildLead({ leadToken: first.json.leadToken }));
    assert.equal(response.status, 201);
    const claims = await verifyLeadToken(response.json.leadToken, SECRET);
    assert.notEqual(claims.contactId, contactId);
    assert.notEqual(claims.contactId, user.id);
    assert.equal(stack.logs.find((entry) => entry.route === '/leads')?.leadTokenIgnored, true);
  });
});
