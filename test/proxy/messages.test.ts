// POST /messages: a follow-up by lead token becomes the lead's reply in its conversation; bad tokens are 401.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { validateRequest } from '../fixtures/intercom/validate.js';
import { signLeadToken } from '../../src/proxy/guards/lead-token.js';
import { SECRET, apiCalls, buildLead, startInProcessStack, type Stack } from './harness.js';

describe('POST /messages', () => {
  let stack: Stack;
  let leadToken: string;
  let conversationId: string;
  before(async () => {
    stack = await startInProcessStack();
  });
  beforeEach(async () => {
    await stack.reset();
    const created = await stack.post('/leads', buildLead());
    ({ leadToken, conversationId } = created.json);
  });
  after(() => stack.close());

  test('a follow-up is posted as the lead\'s reply with intercom_user_id and a valid 2.14 body', async () => {
    const response = await stack.post('/messages', { leadToken, body: 'Also, do you ship to Mars?' }, { key: null });
    assert.equal(response.status, 201);
    assert.deepEqual(response.json, { conversationId });
    const [reply] = apiCalls(await stack.emulatorRequests()).filter((call) => call.path.endsWith('/reply'));
    assert.equal(reply!.path, `/conversations/${conversationId}/reply`);
    const { contacts } = await stack.emulatorState();
    assert.deepEqual(reply!.body, { message_type: 'comment', type: 'user', intercom_user_id: contacts[0].id, body: 'Also, do you ship to Mars?' });
    assert.deepEqual(validateRequest('2.14', 'POST', reply!.path, reply!.body).errors, []);
  });

  test('a follow-up retried with the same Idempotency-Key is posted once', async () => {
    const key = randomUUID();
    const answers = await Promise.all([1, 2, 3].map(() => stack.post('/messages', { leadToken, body: 'Once only' }, { key })));
    assert.deepEqual(answers.map((answer) => answer.status), [201, 201, 201]);
    assert.equal(apiCalls(await stack.emulatorRequests()).filter((call) => call.path.endsWith('/reply')).length, 1);
  });

  test('a forged, tampered, expired or missing lead token answers 401 invalid_lead_token and reaches nothing', async () => {
    const [header, payload, signature] = leadToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'aaaaaaaaaaaaaaaaaaaaaaaa' })).toString('base64url')}.${signature}`;
    const otherSecret = await signLeadToken({ contactId: claims.sub, conversationId, submissionId: randomUUID() }, 'another-secret');
    const expired = await signLeadToken({ contactId: claims.sub, conversationId, submissionId: randomUUID() }, SECRET, -10);
    const before = apiCalls(await stack.emulatorRequests()).length;
    for (const token of [tampered, otherSecret, expired, 'not.a.jwt', '']) {
      const response = await stack.post('/messages', { leadToken: token, body: 'hello' }, { key: null });
      assert.equal(response.status, 401, `token ${token.slice(0, 12)}`);
      assert.equal(response.json.error.code, 'invalid_lead_token');
    }
    const missing = await stack.post('/messages', { body: 'hello' }, { key: null });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.json.error.fields, { leadToken: 'required' });
    assert.equal(apiCalls(await stack.emulatorRequests()).length, before);
  });

  test('an empty body or an unknown field is a 400 field error', async () => {
    const empty = await stack.post('/messages', { leadToken, body: '   ' }, { key: null });
    assert.deepEqual(empty.json.error.fields, { body: 'required' });
    const unknown = await stack.post('/messages', { leadToken, body: 'hi', intercom_user_id: 'x' }, { key: null });
    assert.deepEqual(unknown.json.error.fields, { intercom_user_id: 'unknown_field' });
  });
});
