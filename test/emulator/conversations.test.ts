// Conversations: a contact starts one (the answer is the message), fetches it, and replies by exactly one identifier.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build, useEmulator } from './harness.js';

const emulator = useEmulator();

async function newLead(fields: Record<string, unknown> = {}) {
  return (await emulator.api('POST', '/contacts', build.lead(fields))).body;
}

test('POST /conversations answers the user_message with a numeric-string conversation_id', async () => {
  const lead = await newLead();
  const answer = await emulator.api('POST', '/conversations', build.conversation(lead.id, { body: 'Hello there' }));
  assert.equal(answer.status, 200);
  assert.equal(answer.body.type, 'user_message');
  assert.equal(answer.body.body, 'Hello there');
  assert.equal(answer.body.message_type, 'inapp');
  assert.match(answer.body.id, /^\d+$/);
  assert.match(answer.body.conversation_id, /^\d+$/);
  const conversation = await emulator.api('GET', `/conversations/${answer.body.conversation_id}`);
  assert.equal(conversation.body.source.body, 'Hello there');
  assert.equal(conversation.body.source.id, answer.body.id);
  assert.deepEqual(conversation.body.contacts.contacts, [{ type: 'contact', id: lead.id, external_id: null }]);
});

test('an unknown from.id answers 404 User Not Found', async () => {
  const answer = await emulator.api('POST', '/conversations', build.conversation('0123456789abcdef01234567'));
  assert.equal(answer.status, 404);
  assert.equal(answer.body.errors[0].message, 'User Not Found');
});

test('a conversation without a body is refused with 400', async () => {
  const lead = await newLead();
  const answer = await emulator.api('POST', '/conversations', { from: { type: 'lead', id: lead.id } });
  assert.equal(answer.status, 400);
});

test('an unknown conversation answers 404', async () => {
  assert.equal((await emulator.api('GET', '/conversations/999999')).status, 404);
});

test('a lead replies by intercom_user_id and the answer is the conversation with the new part', async () => {
  const lead = await newLead();
  const { conversation_id: id } = (await emulator.api('POST', '/conversations', build.conversation(lead.id))).body;
  const answer = await emulator.api('POST', `/conversations/${id}/reply`, build.reply({ intercom_user_id: lead.id }, { body: 'Also pricing' }));
  assert.equal(answer.status, 200);
  assert.equal(answer.body.type, 'conversation');
  const parts = answer.body.conversation_parts.conversation_parts;
  assert.equal(parts.length, 1);
  assert.equal(parts[0].body, 'Also pricing');
  assert.equal(parts[0].author.id, lead.id);
  assert.match(parts[0].id, /^\d+$/);
});

test('a user replies by email or by user_id (its external_id)', async () => {
  const user = (await emulator.api('POST', '/contacts', build.user({ external_id: 'u-7', email: 'u7@example.com' }))).body;
  const { conversation_id: id } = (await emulator.api('POST', '/conversations', build.conversation(user.id, { from: { type: 'user', id: user.id } }))).body;
  const byEmail = await emulator.api('POST', `/conversations/${id}/reply`, build.reply({ email: 'u7@example.com' }));
  const byUserId = await emulator.api('POST', `/conversations/${id}/reply`, build.reply({ user_id: 'u-7' }));
  assert.equal(byEmail.status, 200);
  assert.equal(byUserId.status, 200);
  assert.equal(byUserId.body.conversation_parts.total_count, 2);
});

test('a reply naming two identifiers, or none, is refused with 400', async () => {
  const lead = await newLead();
  const { conversation_id: id } = (await emulator.api('POST', '/conversations', build.conversation(lead.id))).body;
  const two = await emulator.api('POST', `/conversations/${id}/reply`, build.reply({ intercom_user_id: lead.id, email: lead.email }));
  const none = await emulator.api('POST', `/conversations/${id}/reply`, build.reply({}));
  assert.equal(two.status, 400);
  assert.equal(none.status, 400);
  const conversation = await emulator.api('GET', `/conversations/${id}`);
  assert.equal(conversation.body.conversation_parts.total_count, 0);
});

test('a reply into "last" lands in the contact\'s latest conversation', async () => {
  const lead = await newLead();
  await emulator.api('POST', '/conversations', build.conversation(lead.id));
  const latest = (await emulator.api('POST', '/conversations', build.conversation(lead.id))).body.conversation_id;
  const answer = await emulator.api('POST', '/conversations/last/reply', build.reply({ intercom_user_id: lead.id }));
  assert.equal(answer.body.id, latest);
});

test('a reply to an unknown conversation, or to someone else\'s, answers 404', async () => {
  const lead = await newLead();
  const stranger = await newLead();
  const { conversation_id: id } = (await emulator.api('POST', '/conversations', build.conversation(lead.id))).body;
  const unknown = await emulator.api('POST', '/conversations/424242/reply', build.reply({ intercom_user_id: lead.id }));
  const foreign = await emulator.api('POST', `/conversations/${id}/reply`, build.reply({ intercom_user_id: stranger.id }));
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errors[0].message, 'Resource Not Found');
  assert.equal(foreign.status, 404);
});

test('after a merge the user can reply into the lead\'s conversation', async () => {
  const lead = await newLead();
  const user = (await emulator.api('POST', '/contacts', build.user())).body;
  const { conversation_id: id } = (await emulator.api('POST', '/conversations', build.conversation(lead.id))).body;
  await emulator.api('POST', '/contacts/merge', { from: lead.id, into: user.id });
  const answer = await emulator.api('POST', `/conversations/${id}/reply`, build.reply({ intercom_user_id: user.id }));
  assert.equal(answer.status, 200);
  assert.equal(answer.body.source.author.id, user.id);
});
