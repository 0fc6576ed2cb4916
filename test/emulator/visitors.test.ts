// Messenger visitors: the creation hook, fetch by user_id, update, and conversion into a lead or a user.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build, useEmulator } from './harness.js';

const emulator = useEmulator();
const newVisitor = async (fields: Record<string, unknown> = {}) => (await emulator.hook('POST', '/visitors', fields)).body;

test('the hook creates a visitor that GET /visitors?user_id= finds', async () => {
  const visitor = await newVisitor({ name: 'Vera', email: 'vera@example.com' });
  assert.equal(visitor.type, 'visitor');
  assert.equal(typeof visitor.user_id, 'string');
  const fetched = await emulator.api('GET', `/visitors?user_id=${visitor.user_id}`);
  assert.equal(fetched.status, 200);
  assert.equal(fetched.body.id, visitor.id);
  assert.equal(fetched.body.email, 'vera@example.com');
});

test('an unknown visitor answers 404 Visitor Not Found, a missing user_id 400', async () => {
  const missing = await emulator.api('GET', '/visitors?user_id=nobody');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.errors[0].message, 'Visitor Not Found');
  assert.equal((await emulator.api('GET', '/visitors')).status, 400);
});

test('PUT /visitors updates the name by user_id', async () => {
  const visitor = await newVisitor();
  const updated = await emulator.api('PUT', '/visitors', { user_id: visitor.user_id, name: 'Renamed' });
  assert.equal(updated.body.name, 'Renamed');
});

test('converting a visitor into a new user creates it with the given external id, and the visitor is gone', async () => {
  const visitor = await newVisitor({ name: 'Vic' });
  const answer = await emulator.api('POST', '/visitors/convert', {
    type: 'user',
    visitor: { user_id: visitor.user_id },
    user: { user_id: 'ext-vic', email: 'vic@example.com' },
  });
  assert.equal(answer.status, 200);
  assert.equal(answer.body.role, 'user');
  assert.equal(answer.body.external_id, 'ext-vic');
  assert.equal(answer.body.name, 'Vic');
  assert.equal((await emulator.api('GET', `/visitors?user_id=${visitor.user_id}`)).status, 404);
});

test('converting a visitor into an existing user merges it into that user', async () => {
  const user = (await emulator.api('POST', '/contacts', build.user({ external_id: 'ext-known', name: null }))).body;
  const visitor = await newVisitor({ name: 'Known' });
  const answer = await emulator.api('POST', '/visitors/convert', { type: 'user', visitor: { id: visitor.id }, user: { user_id: 'ext-known' } });
  assert.equal(answer.body.id, user.id);
  assert.equal(answer.body.name, 'Known');
  assert.equal((await emulator.hook('GET', '/state')).body.contacts.length, 1);
});

test('converting a visitor into a lead creates a lead', async () => {
  const visitor = await newVisitor({ email: 'lead-vis@example.com' });
  const answer = await emulator.api('POST', '/visitors/convert', { type: 'lead', visitor: { email: 'lead-vis@example.com' }, user: { id: 'ignored' } });
  assert.equal(answer.body.role, 'lead');
  assert.equal(answer.body.email, 'lead-vis@example.com');
});

test('a convert body without type, visitor or user is refused with 400', async () => {
  const visitor = await newVisitor();
  const answer = await emulator.api('POST', '/visitors/convert', { visitor: { user_id: visitor.user_id }, user: { user_id: 'x' } });
  assert.equal(answer.status, 400);
});

test('a visitor who starts a conversation as from.type "contact" becomes a lead', async () => {
  const visitor = await newVisitor({ name: 'Talker', email: 'talker@example.com' });
  const message = await emulator.api('POST', '/conversations', { from: { type: 'contact', id: visitor.user_id }, body: 'Hello' });
  assert.equal(message.status, 200);
  const state = (await emulator.hook('GET', '/state')).body;
  assert.equal(state.visitors.length, 0);
  assert.equal(state.contacts.length, 1);
  assert.equal(state.contacts[0].role, 'lead');
  assert.equal(state.contacts[0].email, 'talker@example.com');
  assert.equal(state.conversations[0].contacts.contacts[0].id, state.contacts[0].id);
});
