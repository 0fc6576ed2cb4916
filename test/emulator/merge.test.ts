// Merging a lead into a user: role rules, 2.16's duplicate check, what happens to the lead's id, data and conversations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build, useEmulator } from './harness.js';

const emulator = useEmulator();

async function leadWithConversation(fields: Record<string, unknown> = {}) {
  const lead = (await emulator.api('POST', '/contacts', build.lead(fields))).body;
  const message = (await emulator.api('POST', '/conversations', build.conversation(lead.id))).body;
  return { lead, conversationId: message.conversation_id as string };
}

test('merging a lead into a user answers the user and moves the conversation to it', async () => {
  const { lead, conversationId } = await leadWithConversation({ email: 'ada@example.com' });
  const user = (await emulator.api('POST', '/contacts', build.user({ email: 'ada@example.com' }))).body;
  const merged = await emulator.api('POST', '/contacts/merge', { from: lead.id, into: user.id });
  assert.equal(merged.status, 200);
  assert.equal(merged.body.id, user.id);
  const conversation = await emulator.api('GET', `/conversations/${conversationId}`);
  assert.equal(conversation.status, 200);
  assert.deepEqual(conversation.body.contacts.contacts.map((c: { id: string }) => c.id), [user.id]);
});

test('after a merge the lead id answers 404 on 2.14', async () => {
  const { lead } = await leadWithConversation();
  const user = (await emulator.api('POST', '/contacts', build.user())).body;
  await emulator.api('POST', '/contacts/merge', { from: lead.id, into: user.id });
  const gone = await emulator.api('GET', `/contacts/${lead.id}`);
  assert.equal(gone.status, 404);
  assert.equal(gone.body.errors[0].code, 'not_found');
});

test('after a merge the lead id answers 410 contact_merged with a canonical Link on 2.16', async () => {
  const lead = (await emulator.api('POST', '/contacts', build.lead({ email: 'b@example.com' }))).body;
  const user = (await emulator.api('POST', '/contacts', build.user({ email: 'b@example.com' }))).body;
  await emulator.api('POST', '/contacts/merge', { from: lead.id, into: user.id }, { version: '2.16' });
  const gone = await emulator.api('GET', `/contacts/${lead.id}`, undefined, { version: '2.16' });
  assert.equal(gone.status, 410);
  assert.equal(gone.body.errors[0].code, 'contact_merged');
  assert.equal(gone.headers.get('link'), `</contacts/${user.id}>; rel="canonical"`);
});

test('the merged lead disappears from search and from the state hook', async () => {
  const lead = (await emulator.api('POST', '/contacts', build.lead({ email: 'gone@example.com' }))).body;
  const user = (await emulator.api('POST', '/contacts', build.user({ email: 'gone@example.com' }))).body;
  await emulator.api('POST', '/contacts/merge', { from: lead.id, into: user.id });
  const found = await emulator.api('POST', '/contacts/search', { query: { field: 'email', operator: '=', value: 'gone@example.com' } });
  assert.deepEqual(found.body.data.map((c: { id: string }) => c.id), [user.id]);
  const state = await emulator.hook('GET', '/state');
  assert.ok(!state.body.contacts.some((c: { id: string }) => c.id === lead.id));
});

test('attributes the user lacks are copied from the lead, the rest stay', async () => {
  await emulator.api('POST', '/data_attributes', { name: 'source', model: 'contact', data_type: 'string' });
  const lead = (await emulator.api('POST', '/contacts', build.lead({ name: 'Lead Name', phone: '+15550100', custom_attributes: { source: 'widget' } }))).body;
  const user = (await emulator.api('POST', '/contacts', { role: 'user', external_id: 'u-copy', name: 'User Name' })).body;
  const merged = (await emulator.api('POST', '/contacts/merge', { from: lead.id, into: user.id })).body;
  assert.equal(merged.name, 'User Name');
  assert.equal(merged.phone, '+15550100');
  assert.equal(merged.email, lead.email);
  assert.deepEqual(merged.custom_attributes, { source: 'widget' });
});

test('only a lead can be merged into a user: anything else is 400 invalid_merge', async () => {
  const lead = (await emulator.api('POST', '/contacts', build.lead())).body;
  const otherLead = (await emulator.api('POST', '/contacts', build.lead())).body;
  const user = (await emulator.api('POST', '/contacts', build.user())).body;
  const otherUser = (await emulator.api('POST', '/contacts', build.user())).body;
  for (const [from, into] of [
    [user.id, lead.id],
    [lead.id, otherLead.id],
    [user.id, otherUser.id],
  ]) {
    const answer = await emulator.api('POST', '/contacts/merge', { from, into });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.errors[0].code, 'invalid_merge');
  }
  assert.equal((await emulator.api('GET', `/contacts/${lead.id}`)).status, 200);
});

test('2.16 refuses to merge contacts that share no email or phone', async () => {
  const lead = (await emulator.api('POST', '/contacts', build.lead())).body;
  const user = (await emulator.api('POST', '/contacts', build.user())).body;
  const refused = await emulator.api('POST', '/contacts/merge', { from: lead.id, into: user.id }, { version: '2.16' });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.errors[0].code, 'invalid_merge');
  assert.match(refused.body.errors[0].message, /skip_duplicate_validation/);
});

test('2.16 merges non-duplicates with skip_duplicate_validation, and 2.14 never checks', async () => {
  const lead = (await emulator.api('POST', '/contacts', build.lead())).body;
  const user = (await emulator.api('POST', '/contacts', build.user())).body;
  const skipped = await emulator.api('POST', '/contacts/merge', { from: lead.id, into: user.id, skip_duplicate_validation: true }, { version: '2.16' });
  assert.equal(skipped.status, 200);
  const lead2 = (await emulator.api('POST', '/contacts', build.lead())).body;
  const old = await emulator.api('POST', '/contacts/merge', { from: lead2.id, into: user.id });
  assert.equal(old.status, 200);
});

test('2.16 merges duplicates that share a phone', async () => {
  const lead = (await emulator.api('POST', '/contacts', build.lead({ phone: '+441111111111' }))).body;
  const user = (await emulator.api('POST', '/contacts', build.user({ phone: '+441111111111' }))).body;
  const merged = await emulator.api('POST', '/contacts/merge', { from: lead.id, into: user.id }, { version: '2.16' });
  assert.equal(merged.status, 200);
});
