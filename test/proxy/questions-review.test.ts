// Questions as a visitor, a resending browser and a second visitor from the same company would try them: a resend
// after the questions file changed, a message that dresses up as answers, and one company typed three ways.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { companyReference } from '../../src/proxy/intercom/company-reference.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { apiCalls, buildLead, SECRET, startInProcessStack, testProxyOptions, type Stack } from './harness.js';
import { serveInProcess, type InProcessProxy } from './in-process.js';
import { ANSWERS, EVERY_TYPE, INLINE, setupDone } from './questions-fixture.js';

/** The fixed first line of the answers block in a conversation's first message. */
const HEADING = 'Answers to the form (checked by LeadRelay):';

/** The same file a week later: the plan "pro" is gone and a question was added, so its hash is another. */
const EDITED = {
  ...EVERY_TYPE,
  questions: [
    ...EVERY_TYPE.questions.map((question) =>
      question.name === 'plan' ? { ...question, options: [{ value: 'starter', label: 'Starter' }, 'enterprise', 'scale'] } : question,
    ),
    { name: 'role_title', type: 'text', label: 'Your role', required: true },
  ],
};

/** GET /questions' hash for the default form, from a stack or a second proxy. */
async function formHash(proxy: Stack | InProcessProxy): Promise<string> {
  const answer = ('send' in proxy ? (await proxy.send('/questions?form=default', {})).json : await (await proxy.request('/questions?form=default')).json()) as { hash: string };
  return answer.hash;
}

function post(proxy: InProcessProxy, body: unknown, key: string): Promise<Response> {
  return proxy.request('/leads', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key, connection: 'close' }, body: JSON.stringify(body) });
}

describe('a resend after the questions file changed', () => {
  let stack: Stack;
  let store: SqliteStore;
  let dataDir: string;
  let edited: InProcessProxy;
  const logs: Record<string, unknown>[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'leadrelay-questions-review-'));
    store = await SqliteStore.open({ path: join(dataDir, 'leadrelay.db') });
    // One store, as a proxy restarted with the new file (or a second instance already running it) shares it.
    stack = await startInProcessStack({ questions: EVERY_TYPE, store, ...INLINE });
    await setupDone(stack);
  });
  after(async () => {
    await edited?.close();
    await stack.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('answers the stored answer, sent with or without the old hash, and writes nothing more to Intercom', async () => {
    const key = randomUUID();
    const oldHash = await formHash(stack);
    const body = buildLead({ answers: ANSWERS, questionsHash: oldHash });
    const first = await stack.post('/leads', body, { key });
    assert.equal(first.status, 201, first.text);
    const withoutHash = buildLead({ answers: ANSWERS });
    const firstWithoutHash = await stack.post('/leads', withoutHash, { key: randomUUID() });
    assert.equal(firstWithoutHash.status, 201, firstWithoutHash.text);
    const keyWithoutHash = randomUUID();
    assert.equal((await stack.post('/leads', { ...withoutHash, email: 'api@example.com' }, { key: keyWithoutHash })).status, 201);

    edited = serveInProcess({ port: 0, ...testProxyOptions(stack.emulator.url, logs), store, questions: EDITED, ...INLINE });
    await setupDone(edited);
    assert.notEqual(await formHash(edited), oldHash, 'the file changed');
    const writesBefore = apiCalls(await stack.emulatorRequests()).filter((request) => request.method !== 'GET').length;

    // The browser's outbox sends the very same request again (its first answer was lost on the way).
    const again = await post(edited, body, key);
    const text = await again.text();
    assert.equal(again.status, 201, text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(JSON.parse(text), first.json, 'the same lead token as the first answer');
    // An API caller sends no hash: its resend is checked against nothing but what it sent the first time.
    const apiAgain = await post(edited, { ...withoutHash, email: 'api@example.com' }, keyWithoutHash);
    assert.equal(apiAgain.status, 201, await apiAgain.text());
    assert.equal(apiAgain.headers.get('idempotent-replayed'), 'true');
    assert.equal(apiCalls(await stack.emulatorRequests()).filter((request) => request.method !== 'GET').length, writesBefore, 'nothing more reached Intercom');
  });

  test('anything else under that key, or a new submission from the old form, is still told the questions changed', async () => {
    const key = randomUUID();
    const oldHash = await formHash(stack);
    const body = buildLead({ answers: ANSWERS, questionsHash: oldHash, email: 'changed@example.com' });
    assert.equal((await stack.post('/leads', body, { key })).status, 201);
    edited ??= serveInProcess({ port: 0, ...testProxyOptions(stack.emulator.url, logs), store, questions: EDITED, ...INLINE });
    await setupDone(edited);

    const otherAnswers = await post(edited, { ...body, answers: { ...ANSWERS, team_size: 43 } }, key);
    assert.equal(otherAnswers.status, 409, 'another body under the key is no resend');
    assert.equal(((await otherAnswers.json()) as { error: { code: string } }).error.code, 'questions_changed');
    const fresh = await post(edited, body, randomUUID());
    assert.equal(fresh.status, 409, 'a new key is a new submission: checked against the file of today');
    const freshNoHash = await post(edited, { ...body, questionsHash: undefined }, randomUUID());
    assert.equal(freshNoHash.status, 400);
    assert.deepEqual(((await freshNoHash.json()) as { error: { fields: Record<string, string> } }).error.fields, { plan: 'unknown_option', role_title: 'required' });
  });

  test('a submission queued before the change, resent after it, gets its 202 and lead token again', async () => {
    // Intercom is down when it arrives: the proxy queues it (202) and the browser may send it again at any time.
    const queuing = serveInProcess({ port: 0, ...testProxyOptions(stack.emulator.url, logs), store, questions: EVERY_TYPE, delivery: { recoveryWaitMs: 0 } });
    try {
      await stack.addFault({ route: 'POST /contacts', status: 503, times: 100_000 });
      const key = randomUUID();
      const body = buildLead({ answers: ANSWERS, questionsHash: await formHash(queuing), email: 'queued@example.com' });
      const first = await post(queuing, body, key);
      const firstText = await first.text();
      assert.equal(first.status, 202, firstText);
      edited ??= serveInProcess({ port: 0, ...testProxyOptions(stack.emulator.url, logs), store, questions: EDITED, ...INLINE });
      const again = await post(edited, body, key);
      const text = await again.text();
      assert.equal(again.status, 202, text);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(JSON.parse(text), JSON.parse(firstText));
    } finally {
      await queuing.close();
    }
  });
});

describe('the first message: answers a visitor\'s text cannot forge', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({
      // Named forms only: a submission that names none is the form without questions.
      questions: { forms: { demo: EVERY_TYPE.questions, contact: [{ name: 'topic', type: 'text', label: 'Topic' }] } },
      ...INLINE,
    });
    await setupDone(stack);
  });
  after(() => stack.close());

  const FORGED = [
    'Hello,',
    '',
    HEADING,
    'Plan: Enterprise',
    'Budget: 999999',
    'Company: Globex',
    '',
    'Message:',
    '> thanks',
  ].join('\n');

  /** The first message's answers block (its lines up to the first blank one) and the rest. */
  async function firstMessage(): Promise<{ block: string[]; rest: string[]; body: string }> {
    const { conversations } = (await stack.emulatorState()) as { conversations: { source: { body: string } }[] };
    const body = conversations.at(-1)!.source.body;
    const lines = body.split(/\r\n|[\n\r\u2028\u2029]/u);
    const blank = lines.indexOf('');
    return { block: lines.slice(0, blank), rest: lines.slice(blank + 1), body };
  }

  test('the answers come first under a fixed heading; every line the visitor wrote follows, quoted', async () => {
    const response = await stack.post('/leads', buildLead({ message: FORGED, form: 'demo', answers: { ...ANSWERS, budget: undefined, interests: undefined } }));
    assert.equal(response.status, 201, response.text);
    const { block, rest, body } = await firstMessage();
    const answers = ['Company: Acme  Inc', 'About you: We build engines.', 'Work email: ada@acme.example', 'Website: https://acme.example', 'Office phone: +44 20 7946 0958', 'Team size: 42', 'Plan: Pro', 'Subscribe me: Yes', 'Start date: 2026-03-01', 'campaign: spring-26', 'source_site: docs-site'];
    assert.deepEqual(block, [HEADING, ...answers], body);
    assert.equal(rest[0], 'Message:');
    assert.deepEqual(rest.slice(1), FORGED.split('\n').map((line) => (line ? `> ${line}` : '>')), body);
    // Read the way a person reads the Inbox: only one heading, and no answer line outside the block.
    assert.equal(body.split('\n').filter((line) => line === HEADING).length, 1);
    for (const label of ['Plan:', 'Budget:', 'Company:']) {
      assert.deepEqual(rest.filter((line) => line.startsWith(label)), [], `no ${label} line outside the answers block`);
    }
  });

  test('a form with questions left unanswered, and a form without questions on a proxy with a file, still start with the heading', async () => {
    for (const form of ['contact', undefined]) {
      const response = await stack.post('/leads', buildLead({ message: FORGED, form, answers: {} }));
      assert.equal(response.status, 201, response.text);
      const { block, rest, body } = await firstMessage();
      assert.deepEqual(block, [`${HEADING} none`], body);
      assert.equal(rest[0], 'Message:');
      assert.ok(rest.slice(1).every((line) => line.startsWith('>')), body);
    }
  });

  test('a line separator in the message cannot end the quote', async () => {
    const response = await stack.post('/leads', buildLead({ message: 'Hi\u2028Plan: Enterprise\u2029Budget: 1', form: 'demo', answers: ANSWERS }));
    assert.equal(response.status, 201, response.text);
    const { rest, body } = await firstMessage();
    assert.equal(rest[0], 'Message:', body);
    assert.ok(rest.length > 1 && rest.slice(1).every((line) => line.startsWith('> ')), body);
    assert.ok(rest.slice(1).join(' ').includes('Plan: Enterprise'), 'the visitor\'s words are there, inside the quote');
  });

  test('without a message, the proxy\'s own sentence follows the answers', async () => {
    const response = await stack.post('/leads', buildLead({ message: undefined, form: 'demo', answers: ANSWERS }));
    assert.equal(response.status, 201, response.text);
    const { block, rest } = await firstMessage();
    assert.equal(block[0], HEADING);
    assert.deepEqual(rest, ['New lead from the LeadRelay form on "Pricing" (https://example.com/pricing). No message was written.']);
  });
});

describe('one company, typed three ways', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({ questions: EVERY_TYPE, ...INLINE });
    await setupDone(stack);
  });
  after(() => stack.close());

  test('"Acme Inc", "ACME  INC " and "acme inc" are one company, which keeps the name it was created with', async () => {
    const typed = ['Acme Inc', 'ACME  INC ', 'acme inc', '\u200bAcme\u00a0Inc'];
    for (const [index, name] of typed.entries()) {
      const response = await stack.post('/leads', buildLead({ email: `buyer${index}@acme.example`, answers: { ...ANSWERS, company_name: name } }));
      assert.equal(response.status, 201, response.text);
    }
    const { contacts, companies } = (await stack.emulatorState()) as unknown as { contacts: any[]; companies: any[] };
    assert.equal(companies.length, 1, JSON.stringify(companies.map((company) => company.name)));
    const [company] = companies;
    assert.equal(company.company_id, companyReference(SECRET, 'acme inc'));
    assert.equal(company.name, 'Acme Inc', 'the first name stays');
    assert.equal(company.user_count, typed.length);
    for (const contact of contacts) assert.deepEqual(contact.companies.data.map((entry: { id: string }) => entry.id), [company.id]);
    // The company was written once; the later leads only attached to it.
    const writes = apiCalls(await stack.emulatorRequests()).filter((request) => request.method === 'POST' && request.path === '/companies');
    assert.equal(writes.length, 1, 'one POST /companies: no rename by a later variant');
  });

  test('"Acme" and "ACME " are one company, "Acme Inc" another', () => {
    assert.equal(companyReference(SECRET, 'Acme'), companyReference(SECRET, 'ACME '));
    assert.equal(companyReference(SECRET, 'acme  inc'), companyReference(SECRET, 'Acme Inc'));
    assert.notEqual(companyReference(SECRET, 'Acme'), companyReference(SECRET, 'Acme Inc'));
  });
});
