// An attacker's view of custom questions: a typed company name aimed at a real customer's company, answers that try
// to set Intercom's own fields or LeadRelay's, form names and answer names that are JavaScript's own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { companyReference } from '../../src/proxy/intercom/company-reference.js';
import { ACCESS_TOKEN, apiCalls, buildLead, SECRET, startInProcessStack, type Stack } from './harness.js';
import { ANSWERS, EVERY_TYPE, INLINE, setupDone } from './questions-fixture.js';

describe('custom questions under attack', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({ questions: EVERY_TYPE, ...INLINE });
    await setupDone(stack);
  });
  after(() => stack.close());

  test('typing a real customer\'s company (its name, its company_id, or a leadrelay- id) never attaches the visitor to it', async () => {
    // The site's own integration made this company; its company_id is the customer's name.
    const real = await stack.emulatorFetch('/companies', {
      method: 'POST',
      headers: { authorization: `Bearer ${ACCESS_TOKEN}`, 'content-type': 'application/json', 'intercom-version': '2.14' },
      body: JSON.stringify({ company_id: 'acme', name: 'Acme' }),
    });
    assert.equal(real.status, 200);
    const realId = ((await real.json()) as { id: string }).id;
    const guessed = companyReference('not-the-secret-0123456789abcdef0123456789abcdef', 'Acme');
    for (const typed of ['Acme', 'acme', guessed]) {
      const response = await stack.post('/leads', buildLead({ email: `${typed.length}.${Date.now()}@example.com`, answers: { ...ANSWERS, company_name: typed } }));
      assert.equal(response.status, 201, response.text);
    }
    const { contacts, companies } = (await stack.emulatorState()) as unknown as { contacts: any[]; companies: any[] };
    assert.equal(companies.find((company) => company.id === realId).user_count, 0, 'nobody joined the real company');
    for (const contact of contacts) {
      for (const entry of contact.companies?.data ?? []) assert.notEqual(entry.id, realId);
    }
    const made = companies.filter((company) => company.id !== realId).map((company) => company.company_id).sort();
    assert.deepEqual(made, [companyReference(SECRET, 'acme'), companyReference(SECRET, guessed)].sort(), 'only ids the proxy derived with its secret');
    assert.equal(companies.filter((company) => company.company_id === guessed).length, 0, 'a guessed leadrelay- id is text like any other');
  });

  test('answers cannot set Intercom\'s own contact fields or LeadRelay\'s attributes', async () => {
    const before = apiCalls(await stack.emulatorRequests()).length;
    const response = await stack.post('/leads', buildLead({ answers: { ...ANSWERS, role: 'user', external_id: 'admin-1', owner_id: 1, leadrelay_consent: true, custom_attributes: { vip: true } } }));
    assert.equal(response.status, 400);
    assert.deepEqual(response.json.error.fields, {
      'answers.role': 'unknown_field',
      'answers.external_id': 'unknown_field',
      'answers.owner_id': 'unknown_field',
      'answers.leadrelay_consent': 'unknown_field',
      'answers.custom_attributes': 'unknown_field',
    });
    assert.equal(apiCalls(await stack.emulatorRequests()).length, before);
  });

  test('JavaScript\'s own names as a form or an answer are refused, never read from a prototype', async () => {
    const before = apiCalls(await stack.emulatorRequests()).length;
    for (const form of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const response = await stack.post('/leads', buildLead({ form, answers: ANSWERS }));
      assert.equal(response.status, 400, form);
      assert.deepEqual(response.json.error.fields, { form: 'unknown_option' }, form);
    }
    const body = `{"name":"Ada","email":"ada@example.com","hp":"","elapsedMs":8000,"answers":{"company_name":"Acme","plan":"pro","__proto__":{"plan":"gold"},"constructor":"x"}}`;
    const response = await stack.post('/leads', body);
    assert.equal(response.status, 400, response.text);
    assert.deepEqual(response.json.error.fields, { 'answers.__proto__': 'unknown_field', 'answers.constructor': 'unknown_field' });
    const question = await stack.send('/questions?form=__proto__', { method: 'GET' });
    assert.equal(question.status, 404);
    assert.equal(apiCalls(await stack.emulatorRequests()).length, before);
  });
});
