// Every answer the emulator gives validates against the response schema of the spec file of the version asked for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateRequest, validateResponse, type SpecVersion } from '../fixtures/intercom/validate.js';
import { build, useEmulator } from './harness.js';

const emulator = useEmulator();

/** Drives every endpoint through its success and error answers, in one version. */
async function exerciseEveryOperation(version: SpecVersion) {
  const options = { version };
  const call = (method: string, path: string, body?: unknown) => emulator.api(method, path, body, options);
  await call('POST', '/data_attributes', { name: 'source', model: 'contact', data_type: 'string' });
  await call('GET', '/data_attributes');
  const lead = (await call('POST', '/contacts', build.lead({ email: 'same@example.com', phone: '+15550101', custom_attributes: { source: 'widget' } }))).body;
  const user = (await call('POST', '/contacts', build.user({ email: 'same@example.com', avatar: 'https://example.com/a.png', owner_id: version === '2.16' ? '5' : 5 }))).body;
  await call('POST', '/contacts', build.user({ email: 'same@example.com', external_id: user.external_id }));
  await call('POST', '/contacts', build.lead({ external_id: 'nope' }));
  await call('POST', '/contacts', { name: 'no identifiers' });
  await call('POST', '/contacts', { role: 'lead' });
  await call('GET', `/contacts/${lead.id}`);
  await call('PUT', `/contacts/${lead.id}`, { name: 'Renamed Lead' });
  await call('GET', `/contacts/find_by_external_id/${user.external_id}`);
  await call('GET', '/contacts/find_by_external_id/unknown');
  await call('POST', '/contacts/search', { query: { field: 'email', operator: '=', value: 'same@example.com' }, pagination: { per_page: 1 } });
  await call('POST', '/contacts/search', { query: { operator: 'AND', value: [{ field: 'role', operator: '=', value: 'lead' }, { field: 'name', operator: '~', value: 'Lead' }] } });
  await call('POST', '/contacts/search', { query: { field: 'email', operator: 'LIKE', value: 'x' } });
  const message = (await call('POST', '/conversations', build.conversation(lead.id))).body;
  await call('POST', '/conversations', build.conversation('0123456789abcdef01234567'));
  await call('POST', `/conversations/${message.conversation_id}/reply`, build.reply({ intercom_user_id: lead.id }));
  await call('POST', '/conversations/last/reply', build.reply({ intercom_user_id: lead.id }));
  await call('POST', '/conversations/999/reply', build.reply({ intercom_user_id: lead.id }));
  await call('GET', `/conversations/${message.conversation_id}`);
  await call('POST', '/contacts/merge', { from: user.id, into: lead.id });
  await call('POST', '/contacts/merge', { from: lead.id, into: user.id });
  await call('GET', `/contacts/${lead.id}`);
  await call('GET', `/conversations/${message.conversation_id}`);
  const visitor = (await emulator.hook('POST', '/visitors', { name: 'Vis', email: 'vis@example.com' })).body;
  const anonymous = (await emulator.hook('POST', '/visitors', {})).body;
  await call('GET', `/visitors?user_id=${visitor.user_id}`);
  await call('GET', `/visitors?user_id=${anonymous.user_id}`);
  await call('GET', '/visitors?user_id=unknown');
  await call('PUT', '/visitors', { user_id: visitor.user_id, name: 'Vis Renamed' });
  await call('POST', '/visitors/convert', { type: 'user', visitor: { user_id: visitor.user_id }, user: { user_id: 'ext-vis' } });
  const company = (await call('POST', '/companies', { company_id: 'c-1', name: 'Acme', size: 4, plan: 'Pro' })).body;
  await call('POST', '/companies', { test: 'invalid' });
  await call('GET', '/companies?company_id=c-1');
  await call('GET', '/companies?company_id=missing');
  await call('GET', `/companies/${company.id}`);
  await call('POST', `/contacts/${user.id}/companies`, { id: company.id });
  await call('POST', `/contacts/${user.id}/companies`, { id: '123' });
  await call('GET', `/contacts/${user.id}/companies`);
  await call('DELETE', `/contacts/${user.id}/companies/${company.id}`);
  const doomed = (await call('POST', '/contacts', build.user())).body;
  await call('DELETE', `/contacts/${doomed.id}`);
  await call('GET', '/data_attributes', undefined);
  await emulator.api('GET', `/contacts/${user.id}`, undefined, { version, token: null });
  await emulator.hook('POST', '/faults', { route: 'POST /conversations', status: 503, times: 1 });
  await call('POST', '/conversations', build.conversation(user.id));
}

for (const version of ['2.14', '2.16'] as const) {
  test(`every answer to a ${version} call validates against the ${version} response schemas`, async () => {
    await exerciseEveryOperation(version);
    if (version === '2.16') {
      await emulator.api('POST', '/contacts/search', { query: { field: 'role', operator: '=', value: 'user' }, sort: { field: 'x', order: 'up' } }, { version });
    }
    const statuses = new Set(emulator.answers.map((answer) => answer.status));
    for (const status of [200, 400, 401, 404, 409, 503]) assert.ok(statuses.has(status), `the run produced a ${status}`);
    if (version === '2.16') assert.ok(statuses.has(410));
    const failures = emulator.answers
      .map((answer) => ({ answer, result: validateResponse(version, answer.method, answer.path, answer.status, answer.body) }))
      .filter(({ result }) => !result.valid)
      .map(({ answer, result }) => `${answer.method} ${answer.path} ${answer.status}: ${result.errors.join('; ')}`);
    assert.deepEqual(failures, []);
  });
}

test('the validator catches a response that breaks the schema', () => {
  const result = validateResponse('2.16', 'GET', '/contacts/0123456789abcdef01234567', 200, { type: 'contact', owner_id: 5 });
  assert.equal(result.valid, false);
  const message = validateResponse('2.14', 'POST', '/conversations', 200, { type: 'user_message', id: '1', created_at: 1, body: 'x', message_type: 'inapp' });
  assert.equal(message.valid, false, 'conversation_id is required');
});

test('the request validator accepts the proxy-shaped bodies and refuses two reply identifiers', () => {
  assert.equal(validateRequest('2.14', 'POST', '/contacts', { role: 'lead', email: 'a@b.c', name: 'A', phone: '+15550100' }).valid, true);
  assert.equal(validateRequest('2.14', 'POST', '/conversations', { from: { type: 'lead', id: '0123456789abcdef01234567' }, body: 'Hi' }).valid, true);
  assert.equal(validateRequest('2.14', 'POST', '/conversations/5/reply', build.reply({ intercom_user_id: '0123456789abcdef01234567' })).valid, true);
  assert.equal(validateRequest('2.14', 'POST', '/conversations/5/reply', build.reply({ intercom_user_id: 'x', email: 'a@b.c' })).valid, false);
  assert.equal(validateRequest('2.14', 'POST', '/contacts/merge', { from: 'a' }).valid, false);
  assert.equal(validateRequest('2.14', 'POST', '/contacts', { role: 'lead', owner_id: '7' }).valid, false);
});
