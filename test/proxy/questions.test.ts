// The site's own questions through the proxy, against the emulator: GET /questions, answers checked against the
// proxy's definition, typed custom attributes on the lead, the answers in the first message, and the company.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { validateRequest } from '../fixtures/intercom/validate.js';
import { companyReference } from '../../src/proxy/intercom/company-reference.js';
import { ensureDataAttributes, questionDataAttributes } from '../../src/proxy/intercom/data-attributes.js';
import { loadQuestions } from '../../src/proxy/guards/questions.js';
import { apiCalls, buildLead, SECRET, startInProcessStack, testIntercomClient, type Stack } from './harness.js';
import { ANSWERS, EVERY_TYPE, EXPECTED_ATTRIBUTES, EXPECTED_TYPES, INLINE, setupDone } from './questions-fixture.js';

async function currentHash(stack: Stack): Promise<string> {
  const response = await stack.send('/questions?form=default', { method: 'GET' });
  assert.equal(response.status, 200);
  return response.json.hash;
}

/** Calls that would write to Intercom (the data attributes' start-up aside). */
async function writes(stack: Stack): Promise<{ method: string; path: string }[]> {
  return apiCalls(await stack.emulatorRequests()).filter((request) => request.method !== 'GET');
}

// Compiling a version's spec schemas takes seconds: done before any stack exists, so no idle connection to an
// emulator is closed under a test meanwhile.
before(() => {
  for (const version of ['2.14', '2.16'] as const) validateRequest(version, 'POST', '/companies', { company_id: 'warm-up' });
});

for (const version of ['2.14', '2.16'] as const) {
  describe(`custom questions on Intercom-Version ${version}`, () => {
    let stack: Stack;
    before(async () => {
      stack = await startInProcessStack({ intercom: { version }, questions: EVERY_TYPE, ...INLINE });
      await setupDone(stack);
    });
    after(() => stack.close());

    test('one submission makes one lead with typed custom attributes, one conversation listing the answers, one company with the lead attached', async () => {
      const key = randomUUID();
      const body = buildLead({ answers: ANSWERS, questionsHash: await currentHash(stack) });
      const response = await stack.post('/leads', body, { key });
      assert.equal(response.status, 201, response.text);

      const state = (await stack.emulatorState()) as { contacts: any[]; conversations: any[]; companies: any[] };
      assert.equal(state.contacts.length, 1);
      const [lead] = state.contacts;
      for (const [attribute, value] of Object.entries(EXPECTED_ATTRIBUTES)) {
        assert.deepEqual(lead.custom_attributes[attribute], value, `custom attribute ${attribute}`);
      }
      assert.equal(typeof lead.custom_attributes.team_size_n, 'number');
      assert.equal(typeof lead.custom_attributes.subscribe, 'boolean');

      assert.equal(state.conversations.length, 1);
      const first: string = state.conversations[0].source.body;
      // The answers block first, under its fixed heading; the visitor's message after it, quoted.
      assert.ok(first.startsWith('Answers to the form (checked by LeadRelay):\n'), first);
      assert.ok(first.endsWith('\n\nMessage:\n> I would like a demo of the analytical engine.'), first);
      for (const line of ['Company: Acme Inc', 'Team size: 42', 'Budget: 1500.5', 'Plan: Pro', 'Interests: api, inbox', 'Subscribe me: Yes', 'Start date: 2026-03-01']) {
        assert.ok(first.split('\n').some((text) => text.replace(/\s+/g, ' ') === line), `the first message lists "${line}":\n${first}`);
      }

      assert.equal(state.companies.length, 1);
      const [company] = state.companies;
      assert.equal(company.company_id, companyReference(SECRET, 'acme inc'));
      assert.equal(company.user_count, 1);
      assert.equal(company.name, 'Acme Inc', 'the name as typed, spaces collapsed');
      assert.deepEqual(lead.companies.data.map((entry: { id: string }) => entry.id), [company.id]);

      // The data attributes were created with the answers' types, and nothing the file does not name.
      const requests = await stack.emulatorRequests();
      const created = requests.filter((request) => request.method === 'POST' && request.path === '/data_attributes').map((request) => request.body as { name: string; data_type: string });
      for (const [name, type] of Object.entries(EXPECTED_TYPES)) {
        assert.equal(created.find((attribute) => attribute.name === name)?.data_type, type, `data attribute ${name}`);
      }
      assert.deepEqual(created.filter((attribute) => !attribute.name.startsWith('leadrelay_') && !(attribute.name in EXPECTED_TYPES)), []);

      // A resend with the same key is the same submission: replayed, and nothing more is written.
      const before = (await writes(stack)).length;
      const again = await stack.post('/leads', body, { key });
      assert.equal(again.status, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal((await writes(stack)).length, before);
      // The same key with other answers is another submission: refused.
      const changed = await stack.post('/leads', { ...body, answers: { ...ANSWERS, team_size: 43 } }, { key });
      assert.equal(changed.status, 422);
      assert.equal(changed.json.error.code, 'idempotency_key_reused');
      assert.equal((await writes(stack)).length, before);

      // Last: compiling the spec's schemas takes seconds, long enough for the emulator to close an idle connection.
      for (const request of requests.filter((r) => r.method !== 'GET' && !r.path.startsWith('/_emulator'))) {
        assert.deepEqual(validateRequest(version, request.method, request.path, request.body).errors, [], `${request.method} ${request.path} is valid ${version}`);
      }
    });

    for (const route of ['POST /contacts', 'POST /companies', 'POST /contacts/{id}/companies']) {
      test(`a fault after commit on ${route} makes no second lead, attribute, company or attach write`, async () => {
        await stack.reset();
        // reset() makes LeadRelay's own attributes again; the questions' ones too, as the proxy's set-up did.
        await ensureDataAttributes(testIntercomClient(stack.emulator.url), questionDataAttributes(loadQuestions(EVERY_TYPE).definition));
        await stack.addFault({ route, status: 503, afterCommit: true, times: 1 });
        const before = await writes(stack);
        const response = await stack.post('/leads', buildLead({ answers: { ...ANSWERS, company_name: 'Babbage Ltd' } }));
        assert.equal(response.status, 201, response.text);
        const made = (await writes(stack)).slice(before.length);
        // The answers' attributes travel with POST /contacts: one such call, and no other call writes them.
        assert.equal(made.filter((call) => call.path === '/contacts').length, 1, 'one POST /contacts');
        assert.deepEqual(made.filter((call) => call.method === 'PUT'), [], 'no PUT of the attributes');
        assert.equal(made.filter((call) => call.path === '/companies').length, 1, 'one POST /companies');
        assert.equal(made.filter((call) => /^\/contacts\/[^/]+\/companies$/.test(call.path)).length, 1, 'one attach');
        const state = (await stack.emulatorState()) as unknown as { contacts: any[]; companies: any[] };
        const babbage = state.companies.filter((company) => company.company_id === companyReference(SECRET, 'Babbage Ltd'));
        assert.equal(babbage.length, 1);
        assert.equal(babbage[0].user_count, 1);
        const leads = state.contacts.filter((contact) => contact.companies?.data?.some((entry: { id: string }) => entry.id === babbage[0].id));
        assert.equal(leads.length, 1, 'one lead');
        assert.equal(leads[0].custom_attributes.team_size_n, 42, 'with its typed answers');
      });
    }
  });
}

describe('answers the definition does not allow', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({ questions: EVERY_TYPE, ...INLINE });
    await setupDone(stack);
  });
  after(() => stack.close());

  const cases: [string, Record<string, unknown>, string, string][] = [
    ['an option the select does not have', { plan: 'gold' }, 'plan', 'unknown_option'],
    ['a box the checkboxes do not have', { interests: ['api', 'crm'] }, 'interests', 'unknown_option'],
    ['a number below its min', { team_size: 0 }, 'team_size', 'out_of_range'],
    ['a whole-number question given a fraction', { team_size: 2.5 }, 'team_size', 'invalid_number'],
    ['a number as words', { team_size: 'many' }, 'team_size', 'invalid_number'],
    ['a date out of range', { start: '2025-12-31' }, 'start', 'out_of_range'],
    ['a date that does not exist', { start: '2026-02-30' }, 'start', 'invalid_date'],
    ['a text over its maxLength', { about: 'x'.repeat(101) }, 'about', 'too_long'],
    ['a required question left out', { plan: undefined }, 'plan', 'required'],
    ['the company left empty', { company_name: '  ' }, 'company_name', 'required'],
    ['a number given as true', { budget: true }, 'budget', 'invalid_type'],
    ['a checkbox given an object', { subscribe: { yes: 1 } }, 'subscribe', 'invalid_type'],
    ['an email that is none', { work_email: 'not an address' }, 'work_email', 'invalid_email'],
    ['a name not in the file', { colour: 'blue' }, 'answers.colour', 'unknown_field'],
    ['an attribute smuggled as an answer', { leadrelay_submission_id: 'x' }, 'answers.leadrelay_submission_id', 'unknown_field'],
  ];
  for (const [what, change, field, code] of cases) {
    test(`${what}: 400 naming ${field}, and nothing reaches Intercom`, async () => {
      const before = (await apiCalls(await stack.emulatorRequests())).length;
      const response = await stack.post('/leads', buildLead({ answers: { ...ANSWERS, ...change } }));
      assert.equal(response.status, 400, response.text);
      assert.equal(response.json.error.code, 'invalid_field');
      assert.deepEqual(response.json.error.fields, { [field]: code });
      assert.equal(apiCalls(await stack.emulatorRequests()).length, before, 'no call to Intercom');
    });
  }

  test('answers that are not an object, an unknown form, and a hash that is not a string are refused', async () => {
    const before = apiCalls(await stack.emulatorRequests()).length;
    const list = await stack.post('/leads', buildLead({ answers: ['pro'] }));
    assert.equal(list.status, 400);
    assert.equal(list.json.error.fields.answers, 'invalid_type');
    const form = await stack.post('/leads', buildLead({ answers: ANSWERS, form: 'demo' }));
    assert.equal(form.status, 400);
    assert.deepEqual(form.json.error.fields, { form: 'unknown_option' });
    const hash = await stack.post('/leads', buildLead({ answers: ANSWERS, questionsHash: 42 }));
    assert.equal(hash.status, 400);
    assert.equal(hash.json.error.fields.questionsHash, 'invalid_type');
    assert.equal(apiCalls(await stack.emulatorRequests()).length, before);
  });

  test('a hidden answer that does not fit is dropped and logged by name, never a refusal', async () => {
    const response = await stack.post('/leads', buildLead({ answers: { ...ANSWERS, campaign: 'line\nbreak', source_site: 'forged' } }));
    assert.equal(response.status, 201, response.text);
    const line = stack.logs.findLast((entry) => entry.route === '/leads');
    assert.deepEqual(line?.contextDropped, ['answers.campaign']);
    assert.ok(!JSON.stringify(stack.logs).includes('line\\nbreak'), 'the dropped value is not logged');
    const { contacts } = await stack.emulatorState();
    const lead = contacts.at(-1);
    assert.equal(lead.custom_attributes.campaign, undefined);
    assert.equal(lead.custom_attributes['source site'], 'docs-site', 'a fixed hidden value is the file\'s, whatever was sent');
  });

  test('a form built from other questions gets 409 questions_changed with the current hash, and nothing is sent', async () => {
    const before = apiCalls(await stack.emulatorRequests()).length;
    const response = await stack.post('/leads', buildLead({ answers: ANSWERS, questionsHash: '0123456789abcdef' }));
    assert.equal(response.status, 409);
    assert.equal(response.json.error.code, 'questions_changed');
    assert.equal(response.json.error.questionsHash, await currentHash(stack));
    assert.equal(apiCalls(await stack.emulatorRequests()).length, before);
    // The whole file's hash (a page that baked in every form) is current too.
    const all = await stack.send('/questions', { method: 'GET' });
    const accepted = await stack.post('/leads', buildLead({ answers: ANSWERS, questionsHash: all.json.hash }));
    assert.equal(accepted.status, 201, accepted.text);
  });

  test('a lead without answers still works on a proxy with questions only when none is required', async () => {
    const response = await stack.post('/leads', buildLead());
    assert.equal(response.status, 400);
    assert.deepEqual(response.json.error.fields, { company_name: 'required', plan: 'required' });
  });
});

describe('GET /questions', () => {
  let stack: Stack;
  const forms = { defaultLocale: 'de', forms: { contact: [{ name: 'topic', type: 'text', label: 'Topic' }], demo: EVERY_TYPE.questions } };
  before(async () => {
    stack = await startInProcessStack({ questions: forms, origins: { allowed: ['https://shop.example'] }, ...INLINE });
    await setupDone(stack);
  });
  after(() => stack.close());

  test('serves every form with its hash, cacheable with an ETag (If-None-Match → 304), with CORS', async () => {
    const response = await stack.send('/questions', { method: 'GET', headers: { origin: 'https://shop.example' } });
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys(response.json.forms), ['contact', 'demo']);
    assert.equal(response.json.defaultLocale, 'de');
    assert.match(response.json.hash, /^[0-9a-f]{16}$/);
    assert.equal(response.json.forms.demo.questions.length, EVERY_TYPE.questions.length);
    assert.equal(response.headers.etag, `"${response.json.hash}"`);
    assert.match(response.headers['cache-control'] ?? '', /no-cache/);
    assert.equal(response.headers['access-control-allow-origin'], 'https://shop.example');
    const cached = await stack.send('/questions', { method: 'GET', headers: { origin: 'https://shop.example', 'if-none-match': response.headers.etag! } });
    assert.equal(cached.status, 304);
    assert.equal(cached.text, '');
    const stale = await stack.send('/questions', { method: 'GET', headers: { 'if-none-match': '"0000000000000000"' } });
    assert.equal(stale.status, 200);
  });

  test('?form= serves one form with its own hash and ETag; an unknown form is 404', async () => {
    const demo = await stack.send('/questions?form=demo', { method: 'GET' });
    assert.equal(demo.status, 200);
    assert.equal(demo.json.name, 'demo');
    assert.notEqual(demo.json.hash, (await stack.send('/questions?form=contact', { method: 'GET' })).json.hash);
    assert.equal(demo.headers.etag, `"${demo.json.hash}"`);
    assert.equal((await stack.send('/questions?form=demo', { method: 'GET', headers: { 'if-none-match': `W/${demo.headers.etag}` } })).status, 304);
    const unknown = await stack.send('/questions?form=pricing', { method: 'GET' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'not_found');
  });

  test('a page from another origin is refused as on every route', async () => {
    const response = await stack.send('/questions', { method: 'GET', headers: { origin: 'https://evil.example' } });
    assert.equal(response.status, 403);
  });

  test('a named form takes its answers, and the first message lists them in the file\'s default locale', async () => {
    const response = await stack.post('/leads', buildLead({ form: 'demo', answers: ANSWERS }), { headers: { origin: 'https://shop.example' } });
    assert.equal(response.status, 201, response.text);
    const { conversations } = await stack.emulatorState();
    assert.match(conversations.at(-1).source.body, /^Teamgröße: 42$/m);
    assert.match(conversations.at(-1).source.body, /^Abonnieren: Ja$/m);
    // The contact form does not know the demo form's questions.
    const wrong = await stack.post('/leads', buildLead({ form: 'contact', answers: { plan: 'pro' } }), { headers: { origin: 'https://shop.example' } });
    assert.equal(wrong.status, 400);
    assert.deepEqual(wrong.json.error.fields, { 'answers.plan': 'unknown_field' });
  });
});
