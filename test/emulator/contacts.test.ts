// Contacts: the bearer check, the lead/user rules, conflicts, custom attributes, update and delete.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { build, useEmulator } from './harness.js';

const emulator = useEmulator();

describe('bearer token', () => {
  test('a call without a bearer token answers 401 unauthorized in an error.list', async () => {
    const answer = await emulator.api('POST', '/contacts', build.lead(), { token: null });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.type, 'error.list');
    assert.equal(answer.body.errors[0].code, 'unauthorized');
    assert.equal(typeof answer.body.request_id, 'string');
    const state = await emulator.hook('GET', '/state');
    assert.equal(state.body.contacts.length, 0);
  });

  test('an empty bearer token is refused', async () => {
    const answer = await emulator.api('GET', '/data_attributes', undefined, { headers: { Authorization: 'Bearer ' }, token: null });
    assert.equal(answer.status, 401);
  });

  test('any non-empty token is accepted when the emulator was started without one', async () => {
    const answer = await emulator.api('POST', '/contacts', build.lead(), { token: 'whatever-123' });
    assert.equal(answer.status, 200);
  });
});

describe('creating contacts', () => {
  test('omitting role creates a user', async () => {
    const answer = await emulator.api('POST', '/contacts', { email: 'no-role@example.com' });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.role, 'user');
  });

  test('contact ids are 24 lowercase hex characters', async () => {
    const answer = await emulator.api('POST', '/contacts', build.lead());
    assert.match(answer.body.id, /^[0-9a-f]{24}$/);
  });

  test('a lead keeps no avatar while a user keeps it', async () => {
    const avatar = 'https://example.com/face.png';
    const lead = await emulator.api('POST', '/contacts', build.lead({ avatar }));
    const user = await emulator.api('POST', '/contacts', build.user({ avatar }));
    assert.equal(lead.status, 200);
    assert.equal(lead.body.avatar, null);
    assert.deepEqual(user.body.avatar, { type: 'avatar', image_url: avatar });
  });

  test('a lead cannot be given an external_id', async () => {
    const answer = await emulator.api('POST', '/contacts', build.lead({ external_id: 'u-1' }));
    assert.equal(answer.status, 400);
    assert.equal(answer.body.errors[0].code, 'parameter_invalid');
    assert.equal(answer.body.errors[0].field, 'external_id');
  });

  test('several leads may share one email', async () => {
    const first = await emulator.api('POST', '/contacts', build.lead({ email: 'shared@example.com' }));
    const second = await emulator.api('POST', '/contacts', build.lead({ email: 'shared@example.com' }));
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.notEqual(first.body.id, second.body.id);
  });

  test('a second user with the same email answers 409 conflict naming the existing id', async () => {
    const first = await emulator.api('POST', '/contacts', { role: 'user', email: 'one@example.com' });
    const second = await emulator.api('POST', '/contacts', { role: 'user', email: 'ONE@example.com' });
    assert.equal(second.status, 409);
    assert.equal(second.body.errors[0].code, 'conflict');
    assert.equal(second.body.errors[0].message, `A contact matching those details already exists with id=${first.body.id}`);
  });

  test('a user with an existing external_id answers 409 conflict', async () => {
    const first = await emulator.api('POST', '/contacts', build.user({ external_id: 'u-42' }));
    const second = await emulator.api('POST', '/contacts', build.user({ external_id: 'u-42' }));
    assert.equal(second.status, 409);
    assert.match(second.body.errors[0].message, new RegExp(`id=${first.body.id}$`));
  });

  test('users sharing an email coexist when their external_ids differ', async () => {
    const first = await emulator.api('POST', '/contacts', build.user({ email: 'team@example.com', external_id: 'a' }));
    const second = await emulator.api('POST', '/contacts', build.user({ email: 'team@example.com', external_id: 'b' }));
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
  });

  test('a user may take the email of an existing lead', async () => {
    await emulator.api('POST', '/contacts', build.lead({ email: 'both@example.com' }));
    const user = await emulator.api('POST', '/contacts', build.user({ email: 'both@example.com' }));
    assert.equal(user.status, 200);
  });

  test('a body without email, external_id or role is refused with 400', async () => {
    const answer = await emulator.api('POST', '/contacts', { name: 'Nobody' });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.errors[0].code, 'parameter_not_found');
  });

  test('malformed JSON answers 400 bad_request, not 500', async () => {
    const answer = await emulator.api('POST', '/contacts', '{"role":');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.errors[0].code, 'bad_request');
  });

  test('a wrongly typed field answers 400 parameter_invalid', async () => {
    const answer = await emulator.api('POST', '/contacts', build.lead({ name: 42 }));
    assert.equal(answer.status, 400);
    assert.equal(answer.body.errors[0].field, 'name');
  });

  test('owner_id is an integer on 2.14 and a string on 2.16', async () => {
    const old = await emulator.api('POST', '/contacts', build.lead({ owner_id: 7 }));
    const current = await emulator.api('POST', '/contacts', build.lead({ owner_id: '7' }), { version: '2.16' });
    assert.equal(old.body.owner_id, 7);
    assert.equal(current.body.owner_id, '7');
    const wrong = await emulator.api('POST', '/contacts', build.lead({ owner_id: '7' }));
    assert.equal(wrong.status, 400);
  });

  test('an unknown Intercom-Version answers 400 intercom_version_invalid', async () => {
    const answer = await emulator.api('POST', '/contacts', build.lead(), { headers: { 'Intercom-Version': '9.9' } });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.errors[0].code, 'intercom_version_invalid');
  });
});

describe('custom attributes', () => {
  test('a custom attribute must exist as a data attribute first', async () => {
    const refused = await emulator.api('POST', '/contacts', build.lead({ custom_attributes: { plan: 'pro' } }));
    assert.equal(refused.status, 400);
    assert.equal(refused.body.errors[0].code, 'parameter_not_found');
    assert.equal(refused.body.errors[0].message, "Custom attribute 'plan' does not exist");

    const created = await emulator.api('POST', '/data_attributes', { name: 'plan', model: 'contact', data_type: 'string' });
    assert.equal(created.status, 200);
    assert.equal(created.body.full_name, 'custom_attributes.plan');
    const accepted = await emulator.api('POST', '/contacts', build.lead({ custom_attributes: { plan: 'pro' } }));
    assert.equal(accepted.status, 200);
    assert.deepEqual(accepted.body.custom_attributes, { plan: 'pro' });
  });

  test('a value of the wrong type for its data attribute is refused', async () => {
    await emulator.api('POST', '/data_attributes', { name: 'seats', model: 'contact', data_type: 'integer' });
    const answer = await emulator.api('POST', '/contacts', build.lead({ custom_attributes: { seats: 'many' } }));
    assert.equal(answer.status, 400);
    assert.equal(answer.body.errors[0].code, 'parameter_invalid');
  });

  test('GET /data_attributes lists the custom attributes created', async () => {
    await emulator.api('POST', '/data_attributes', { name: 'submission_id', model: 'contact', data_type: 'string' });
    const list = await emulator.api('GET', '/data_attributes?model=contact');
    assert.ok(list.body.data.some((item: { name: string; custom: boolean }) => item.name === 'submission_id' && item.custom));
    const again = await emulator.api('POST', '/data_attributes', { name: 'submission_id', model: 'contact', data_type: 'string' });
    assert.equal(again.status, 400);
  });
});

describe('fetching, updating and deleting', () => {
  test('GET /contacts/{id} returns the contact and 404 for an unknown id', async () => {
    const created = await emulator.api('POST', '/contacts', build.lead());
    const fetched = await emulator.api('GET', `/contacts/${created.body.id}`);
    assert.equal(fetched.body.email, created.body.email);
    const missing = await emulator.api('GET', '/contacts/000000000000000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.errors[0].code, 'not_found');
  });

  test('PUT changes the given fields and keeps the rest', async () => {
    const created = await emulator.api('POST', '/contacts', build.lead({ phone: '+441234567890' }));
    const updated = await emulator.api('PUT', `/contacts/${created.body.id}`, { name: 'Renamed' });
    assert.equal(updated.body.name, 'Renamed');
    assert.equal(updated.body.phone, '+441234567890');
  });

  test('PUT cannot give a lead an external_id, but can make it a user with one', async () => {
    const lead = await emulator.api('POST', '/contacts', build.lead());
    const refused = await emulator.api('PUT', `/contacts/${lead.body.id}`, { external_id: 'x-1' });
    assert.equal(refused.status, 400);
    const promoted = await emulator.api('PUT', `/contacts/${lead.body.id}`, { role: 'user', external_id: 'x-1' });
    assert.equal(promoted.status, 200);
    assert.equal(promoted.body.role, 'user');
    const back = await emulator.api('PUT', `/contacts/${lead.body.id}`, { role: 'lead' });
    assert.equal(back.status, 400);
  });

  test('DELETE answers the reference with deleted true, and the contact is gone', async () => {
    const created = await emulator.api('POST', '/contacts', build.user());
    const deleted = await emulator.api('DELETE', `/contacts/${created.body.id}`);
    assert.deepEqual(deleted.body, { type: 'contact', id: created.body.id, external_id: created.body.external_id, deleted: true });
    assert.equal((await emulator.api('GET', `/contacts/${created.body.id}`)).status, 404);
  });

  test('find_by_external_id finds users and never leads', async () => {
    const user = await emulator.api('POST', '/contacts', build.user({ external_id: 'ext-9' }));
    const found = await emulator.api('GET', '/contacts/find_by_external_id/ext-9');
    assert.equal(found.body.id, user.body.id);
    const missing = await emulator.api('GET', '/contacts/find_by_external_id/nobody');
    assert.equal(missing.status, 404);
  });
});
