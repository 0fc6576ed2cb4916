// Companies: create or update by company_id, retrieve, attach a contact and detach it; and data attributes of each type.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateResponse } from '../fixtures/intercom/validate.js';
import { build, useEmulator } from './harness.js';

const emulator = useEmulator();

const company = (fields: Record<string, unknown> = {}) => ({ company_id: 'lr-0123abcd', name: 'Acme GmbH', ...fields });

describe('POST /companies', () => {
  test('creates a company by company_id, then updates the same one (one company, same id)', async () => {
    const created = await emulator.api('POST', '/companies', company({ size: 40, website: 'https://acme.example' }));
    assert.equal(created.status, 200);
    assert.equal(created.body.type, 'company');
    assert.equal(created.body.company_id, 'lr-0123abcd');
    assert.match(created.body.id, /^[0-9a-f]{24}$/);
    assert.equal(created.body.size, 40);
    assert.equal(created.body.user_count, 0);
    const updated = await emulator.api('POST', '/companies', { company_id: 'lr-0123abcd', industry: 'Rockets', monthly_spend: 155.98 });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.id, created.body.id);
    assert.equal(updated.body.name, 'Acme GmbH', 'fields not sent are kept');
    assert.equal(updated.body.industry, 'Rockets');
    assert.equal(updated.body.monthly_spend, 155, 'Intercom truncates monthly_spend');
    const list = await emulator.api('GET', '/companies');
    assert.equal(list.body.total_count, 1);
  });

  test('an unknown parameter is 400 bad_request "bad \'<name>\' parameter", as the spec\'s example', async () => {
    const answer = await emulator.api('POST', '/companies', { test: 'invalid' });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.type, 'error.list');
    assert.deepEqual(answer.body.errors, [{ code: 'bad_request', message: "bad 'test' parameter" }]);
    assert.equal((await emulator.api('GET', '/companies')).body.total_count, 0);
  });

  test('update_last_request_at exists only from 2.16', async () => {
    assert.equal((await emulator.api('POST', '/companies', company({ update_last_request_at: true }), { version: '2.14' })).status, 400);
    const answer = await emulator.api('POST', '/companies', company({ update_last_request_at: true }), { version: '2.16' });
    assert.equal(answer.status, 200);
    assert.equal(typeof answer.body.last_request_at, 'number');
  });

  test('without company_id, or with a wrongly typed field, nothing is created', async () => {
    for (const body of [{ name: 'No id' }, company({ size: 'big' }), company({ name: 5 }), company({ custom_attributes: { tier: 'gold' } })]) {
      const answer = await emulator.api('POST', '/companies', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.type, 'error.list');
    }
    assert.equal((await emulator.api('GET', '/companies')).body.total_count, 0);
  });

  test('company custom attributes must exist as company data attributes, of the right type', async () => {
    await emulator.api('POST', '/data_attributes', { name: 'tier', model: 'contact', data_type: 'string' });
    assert.equal((await emulator.api('POST', '/companies', company({ custom_attributes: { tier: 'gold' } }))).status, 400, 'a contact attribute is not a company one');
    await emulator.api('POST', '/data_attributes', { name: 'tier', model: 'company', data_type: 'string' });
    const answer = await emulator.api('POST', '/companies', company({ custom_attributes: { tier: 'gold' } }));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.custom_attributes, { tier: 'gold' });
  });
});

describe('retrieving companies', () => {
  test('GET /companies?company_id= and ?name= answer a list with the match; no match is 404 company_not_found', async () => {
    const created = (await emulator.api('POST', '/companies', company())).body;
    await emulator.api('POST', '/companies', { company_id: 'other', name: 'Other' });
    const byId = await emulator.api('GET', '/companies?company_id=lr-0123abcd');
    assert.equal(byId.status, 200);
    assert.equal(byId.body.type, 'list');
    assert.deepEqual(byId.body.data.map((item: { id: string }) => item.id), [created.id]);
    const byName = await emulator.api('GET', `/companies?name=${encodeURIComponent('Acme GmbH')}`);
    assert.deepEqual(byName.body.data.map((item: { id: string }) => item.id), [created.id]);
    const missing = await emulator.api('GET', '/companies?company_id=nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body.errors, [{ code: 'company_not_found', message: 'Company Not Found' }]);
  });

  test('GET /companies/{id} by Intercom id; an unknown id is 404 company_not_found', async () => {
    const created = (await emulator.api('POST', '/companies', company())).body;
    const found = await emulator.api('GET', `/companies/${created.id}`);
    assert.equal(found.status, 200);
    assert.equal(found.body.company_id, 'lr-0123abcd');
    const missing = await emulator.api('GET', '/companies/0123456789abcdef01234567');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.errors[0].code, 'company_not_found');
  });
});

describe('attaching contacts', () => {
  test('a lead attached to a company: the company counts it, the contact lists it, attaching again changes nothing', async () => {
    const lead = (await emulator.api('POST', '/contacts', build.lead())).body;
    const created = (await emulator.api('POST', '/companies', company())).body;
    const attached = await emulator.api('POST', `/contacts/${lead.id}/companies`, { id: created.id });
    assert.equal(attached.status, 200);
    assert.equal(attached.body.id, created.id);
    assert.equal(attached.body.user_count, 1);
    const again = await emulator.api('POST', `/contacts/${lead.id}/companies`, { id: created.id });
    assert.equal(again.status, 200);
    assert.equal(again.body.user_count, 1);
    const listed = await emulator.api('GET', `/contacts/${lead.id}/companies`);
    assert.equal(listed.status, 200);
    assert.equal(listed.body.type, 'list');
    assert.equal(listed.body.total_count, 1);
    assert.equal(listed.body.data[0].id, created.id);
    const contact = await emulator.api('GET', `/contacts/${lead.id}`);
    assert.equal(contact.body.companies.total_count, 1);
    assert.deepEqual(contact.body.companies.data, [{ id: created.id, type: 'company', url: `/companies/${created.id}` }]);
  });

  test('attach errors: no id is 400 "company not specified", an unknown company 404 company_not_found, an unknown contact 404 not_found', async () => {
    const lead = (await emulator.api('POST', '/contacts', build.lead())).body;
    const created = (await emulator.api('POST', '/companies', company())).body;
    const noId = await emulator.api('POST', `/contacts/${lead.id}/companies`, {});
    assert.equal(noId.status, 400);
    assert.deepEqual(noId.body.errors, [{ code: 'parameter_not_found', message: 'company not specified' }]);
    const unknownCompany = await emulator.api('POST', `/contacts/${lead.id}/companies`, { id: '123' });
    assert.equal(unknownCompany.status, 404);
    assert.equal(unknownCompany.body.errors[0].code, 'company_not_found');
    const unknownContact = await emulator.api('POST', '/contacts/0123456789abcdef01234567/companies', { id: created.id });
    assert.equal(unknownContact.status, 404);
    assert.deepEqual(unknownContact.body.errors, [{ code: 'not_found', message: 'User Not Found' }]);
    assert.equal((await emulator.api('GET', '/contacts/0123456789abcdef01234567/companies')).status, 404);
    assert.equal((await emulator.api('GET', `/companies/${created.id}`)).body.user_count, 0);
  });

  test('detaching: the company answers with its new count; a company the contact is not attached to is 404', async () => {
    const lead = (await emulator.api('POST', '/contacts', build.lead())).body;
    const created = (await emulator.api('POST', '/companies', company())).body;
    await emulator.api('POST', `/contacts/${lead.id}/companies`, { id: created.id });
    const detached = await emulator.api('DELETE', `/contacts/${lead.id}/companies/${created.id}`);
    assert.equal(detached.status, 200);
    assert.equal(detached.body.user_count, 0);
    assert.equal((await emulator.api('GET', `/contacts/${lead.id}/companies`)).body.total_count, 0);
    const twice = await emulator.api('DELETE', `/contacts/${lead.id}/companies/${created.id}`);
    assert.equal(twice.status, 404);
    assert.equal(twice.body.errors[0].code, 'company_not_found');
    const noContact = await emulator.api('DELETE', `/contacts/0123456789abcdef01234567/companies/${created.id}`);
    assert.deepEqual(noContact.body.errors, [{ code: 'not_found', message: 'User Not Found' }]);
  });

  test('a lead merged into a user passes its companies on, counted once', async () => {
    const lead = (await emulator.api('POST', '/contacts', build.lead({ email: 'same@acme.example' }))).body;
    const user = (await emulator.api('POST', '/contacts', build.user({ email: 'same@acme.example' }))).body;
    const created = (await emulator.api('POST', '/companies', company())).body;
    await emulator.api('POST', `/contacts/${lead.id}/companies`, { id: created.id });
    assert.equal((await emulator.api('POST', '/contacts/merge', { from: lead.id, into: user.id })).status, 200);
    const listed = await emulator.api('GET', `/contacts/${user.id}/companies`);
    assert.deepEqual(listed.body.data.map((item: { id: string }) => item.id), [created.id]);
    assert.equal(listed.body.data[0].user_count, 1);
  });

  test('a deleted contact no longer counts in user_count', async () => {
    const lead = (await emulator.api('POST', '/contacts', build.lead())).body;
    const created = (await emulator.api('POST', '/companies', company())).body;
    await emulator.api('POST', `/contacts/${lead.id}/companies`, { id: created.id });
    await emulator.api('DELETE', `/contacts/${lead.id}`);
    assert.equal((await emulator.api('GET', `/companies/${created.id}`)).body.user_count, 0);
  });

  test('GET /_emulator/state lists the companies as the API shows them', async () => {
    const lead = (await emulator.api('POST', '/contacts', build.lead())).body;
    const created = (await emulator.api('POST', '/companies', company())).body;
    await emulator.api('POST', `/contacts/${lead.id}/companies`, { id: created.id });
    const state = await emulator.hook('GET', '/state');
    assert.equal(state.status, 200);
    assert.deepEqual(state.body.companies.map((item: { id: string; user_count: number }) => [item.id, item.user_count]), [[created.id, 1]]);
    assert.equal(state.body.contacts[0].companies.data[0].id, created.id);
    assert.ok(Array.isArray(state.body.conversations), 'the rest of the state is still there');
  });

  test('reset forgets companies', async () => {
    await emulator.api('POST', '/companies', company());
    await emulator.hook('POST', '/reset', {});
    assert.equal((await emulator.api('GET', '/companies')).body.total_count, 0);
  });
});

describe('data attributes of each type, and contacts type-checked against them', () => {
  const cases: Array<[string, unknown, unknown]> = [
    ['string', 'hello', 5],
    ['integer', 42, 4.5],
    ['float', 4.5, '4.5'],
    ['boolean', true, 'true'],
    ['date', 1767225600, '2026-01-01'],
  ];
  for (const [dataType, good, bad] of cases) {
    test(`a ${dataType} attribute takes ${JSON.stringify(good)} and refuses ${JSON.stringify(bad)} with 400 parameter_invalid`, async () => {
      const created = await emulator.api('POST', '/data_attributes', { name: `answer_${dataType}`, model: 'contact', data_type: dataType });
      assert.equal(created.status, 200);
      assert.equal(created.body.data_type, dataType);
      const accepted = await emulator.api('POST', '/contacts', build.lead({ custom_attributes: { [`answer_${dataType}`]: good } }));
      assert.equal(accepted.status, 200);
      assert.deepEqual(accepted.body.custom_attributes, { [`answer_${dataType}`]: good });
      const refused = await emulator.api('POST', '/contacts', build.lead({ custom_attributes: { [`answer_${dataType}`]: bad } }));
      assert.equal(refused.status, 400);
      assert.equal(refused.body.errors[0].code, 'parameter_invalid');
      const updated = await emulator.api('PUT', `/contacts/${accepted.body.id}`, { custom_attributes: { [`answer_${dataType}`]: bad } });
      assert.equal(updated.status, 400);
      assert.deepEqual((await emulator.api('GET', `/contacts/${accepted.body.id}`)).body.custom_attributes, { [`answer_${dataType}`]: good });
    });
  }

  test('a list attribute takes only its options', async () => {
    await emulator.api('POST', '/data_attributes', { name: 'team_size', model: 'contact', data_type: 'options', options: [{ value: '1-10' }, { value: '11-50' }] });
    assert.equal((await emulator.api('POST', '/contacts', build.lead({ custom_attributes: { team_size: '11-50' } }))).status, 200);
    const refused = await emulator.api('POST', '/contacts', build.lead({ custom_attributes: { team_size: '51-200' } }));
    assert.equal(refused.status, 400);
    assert.equal(refused.body.errors[0].code, 'parameter_invalid');
  });
});

describe('the specs', () => {
  test('every company answer validates against the 2.14 and 2.16 response schemas', async () => {
    for (const version of ['2.14', '2.16'] as const) {
      const lead = (await emulator.api('POST', '/contacts', build.lead(), { version })).body;
      const created = (await emulator.api('POST', '/companies', company({ company_id: `c-${version}`, plan: 'Pro', size: 3, website: 'https://a.example', industry: 'Tools', remote_created_at: 1374138000 }), { version })).body;
      await emulator.api('POST', '/companies', { test: 'invalid' }, { version });
      await emulator.api('GET', `/companies?company_id=c-${version}`, undefined, { version });
      await emulator.api('GET', '/companies?company_id=missing', undefined, { version });
      await emulator.api('GET', `/companies/${created.id}`, undefined, { version });
      await emulator.api('POST', `/contacts/${lead.id}/companies`, { id: created.id }, { version });
      await emulator.api('POST', `/contacts/${lead.id}/companies`, {}, { version });
      await emulator.api('POST', `/contacts/${lead.id}/companies`, { id: '123' }, { version });
      await emulator.api('GET', `/contacts/${lead.id}/companies`, undefined, { version });
      await emulator.api('GET', `/contacts/${lead.id}`, undefined, { version });
      await emulator.api('DELETE', `/contacts/${lead.id}/companies/${created.id}`, undefined, { version });
    }
    const failures = emulator.answers
      .map((answer) => ({ answer, result: validateResponse(answer.version, answer.method, answer.path, answer.status, answer.body) }))
      .filter(({ result }) => !result.valid)
      .map(({ answer, result }) => `${answer.version} ${answer.method} ${answer.path} ${answer.status}: ${result.errors.join('; ')}`);
    assert.deepEqual(failures, []);
    assert.ok(emulator.answers.some((answer) => answer.status === 404 && answer.path.startsWith('/companies')));
  });
});
