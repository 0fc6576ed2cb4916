// Answers on the paths beside the inline one: queued (202) and delivered by the drain loop, held while a data
// attribute's type clashes with the file, on a lead adopted through its token, and posted without JavaScript.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { companyReference } from '../../src/proxy/intercom/company-reference.js';
import { ensureDataAttributes } from '../../src/proxy/intercom/data-attributes.js';
import { IntercomClient } from '../../src/proxy/intercom/intercom-client.js';
import { verifyLeadToken } from '../../src/proxy/guards/lead-token.js';
import { serve, type ServedProxy } from '../../src/proxy/node.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { ACCESS_TOKEN, assertTokenNeverLeaked, buildLead, SECRET, startStack, testProxyOptions, type CapturedResponse, type Stack } from './harness.js';
import { ANSWERS, EVERY_TYPE, EXPECTED_ATTRIBUTES, INLINE, setupDone } from './questions-fixture.js';
import { waitUntil } from '../support/wait.js';

const SITE = 'https://shop.example';

/** A proxy with the every-type file on a SQLite store in `dir`, with short set-up and queue retries. */
async function serveOnSqlite(emulatorUrl: string, dir: string, logs: Record<string, unknown>[]): Promise<{ proxy: ServedProxy; store: SqliteStore }> {
  const store = await SqliteStore.open({ path: join(dir, 'proxy.db') });
  const options = testProxyOptions(emulatorUrl, logs);
  const proxy = await serve({
    port: 0,
    ...options,
    store,
    questions: EVERY_TYPE,
    delivery: { recoveryWaitMs: 50 },
    testing: { queuePollMs: 20 },
    intercom: { ...options.intercom, setupRetry: { firstMs: 20, maxMs: 50 } },
    queue: { retry: { firstMs: 20, maxMs: 100 } },
  });
  return { proxy, store };
}

describe('answers of a queued submission (202)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ questions: EVERY_TYPE, delivery: { recoveryWaitMs: 50 }, queue: { retry: { firstMs: 20, maxMs: 100 } } });
  });
  after(() => stack.close());

  test('travel with the queued item: the drain loop makes the lead with its attributes, the answers message and the company', async () => {
    await stack.addFault({ route: 'POST /contacts', status: 503, times: 3 });
    const response = await stack.post('/leads', buildLead({ answers: ANSWERS }));
    assert.equal(response.status, 202, response.text);
    const state = await waitUntil(
      async () => {
        const value = (await stack.emulatorState()) as { contacts: any[]; conversations: any[]; companies: any[] };
        return value.conversations.length === 1 && value.companies.some((company) => company.user_count === 1) ? value : undefined;
      },
      'the queued lead',
      { timeoutMs: 15_000 },
    );
    assert.equal(state.contacts.length, 1);
    for (const [attribute, value] of Object.entries(EXPECTED_ATTRIBUTES)) assert.deepEqual(state.contacts[0].custom_attributes[attribute], value, attribute);
    assert.match(state.conversations[0].source.body, /^Team size: 42$/m);
    assert.equal(state.companies.length, 1);
    assert.equal(state.companies[0].company_id, companyReference(SECRET, 'Acme Inc'));
  });
});

describe('a lead adopted through its lead token', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ questions: EVERY_TYPE, ...INLINE });
    await setupDone(stack.proxy.url);
  });
  after(() => stack.close());

  test('gets the new answers set on it, once', async () => {
    const first = await stack.post('/leads', buildLead({ answers: ANSWERS }));
    assert.equal(first.status, 201, first.text);
    const second = await stack.post('/leads', buildLead({ leadToken: first.json.leadToken, answers: { ...ANSWERS, team_size: 7, company_name: 'Acme Inc' } }));
    assert.equal(second.status, 201, second.text);
    const { contacts } = await stack.emulatorState();
    const { contactId } = await verifyLeadToken(first.json.leadToken, SECRET);
    assert.equal((await verifyLeadToken(second.json.leadToken, SECRET)).contactId, contactId, 'the same lead');
    const lead = contacts.find((contact: { id: string }) => contact.id === contactId);
    assert.equal(lead.custom_attributes.team_size_n, 7, 'the second answers are on the adopted lead');
    const puts = (await stack.emulatorRequests()).filter((request) => request.method === 'PUT' && request.path === `/contacts/${lead.id}`);
    assert.equal(puts.length, 1);
  });
});

describe('a data attribute of the questions file that exists with another type', () => {
  let emulator: RunningEmulator;
  let proxy: ServedProxy;
  let store: SqliteStore;
  const logs: Record<string, unknown>[] = [];
  const responses: CapturedResponse[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-clash-'));

  before(async () => {
    emulator = await startEmulator({ port: 0 });
    // The workspace already holds team_size_n, as text: the file stores whole numbers in it.
    const created = await fetch(`${emulator.url}/data_attributes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACCESS_TOKEN}`, 'content-type': 'application/json', 'intercom-version': '2.14' },
      body: JSON.stringify({ name: 'team_size_n', model: 'contact', data_type: 'string' }),
    });
    assert.equal(created.status, 200);
    ({ proxy, store } = await serveOnSqlite(emulator.url, dir, logs));
  });
  after(async () => {
    await proxy.close();
    await store.close();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
    assertTokenNeverLeaked({ logs, responses });
  });

  test('is named in the log and /health/ready; submissions wait in the queue, never dropped, and arrive once it is fixed', async () => {
    const clash = { attribute: 'team_size_n', expected: 'integer', found: 'string' };
    await waitUntil(() => logs.some((line) => line.event === 'data_attribute_clash'), 'the clash log line', { timeoutMs: 15_000 });
    const line = logs.find((entry) => entry.event === 'data_attribute_clash')!;
    assert.deepEqual(line.clashes, [clash]);
    assert.match(String(line.message), /"team_size_n" as string/);

    const ready = await fetch(`${proxy.url}/health/ready`);
    const health = (await ready.json()) as Record<string, unknown>;
    assert.equal(health.intercomSetup, 'clash');
    assert.deepEqual(health.attributeClashes, [clash]);

    const post = await fetch(`${proxy.url}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify(buildLead({ answers: ANSWERS })),
    });
    responses.push({ status: post.status, headers: {}, text: await post.text(), json: undefined });
    assert.equal(post.status, 202, 'accepted durably, not refused');
    const state = async () => (await fetch(`${emulator.url}/_emulator/state`)).json() as Promise<{ contacts: any[]; conversations: any[] }>;
    assert.equal((await state()).contacts.length, 0, 'no lead while the type clashes');
    assert.equal((await store.queueStats('leads')).dead, 0);

    // Fixed in the workspace (here: the emulator forgets the attribute): the set-up creates it and the lead arrives.
    await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    const delivered = await waitUntil(
      async () => {
        const value = await state();
        return value.conversations.length === 1 ? value : undefined;
      },
      'the held lead',
      { timeoutMs: 15_000 },
    );
    assert.equal(delivered.contacts[0].custom_attributes.team_size_n, 42);
    const after = (await (await fetch(`${proxy.url}/health/ready`)).json()) as Record<string, unknown>;
    assert.equal(after.intercomSetup, 'done');
    assert.equal(after.attributeClashes, undefined);
  });
});

describe('a data attribute whose type changes in the workspace after set-up', () => {
  let emulator: RunningEmulator;
  let proxy: ServedProxy;
  let store: SqliteStore;
  const logs: Record<string, unknown>[] = [];
  const responses: CapturedResponse[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-type-change-'));

  before(async () => {
    emulator = await startEmulator({ port: 0 });
    ({ proxy, store } = await serveOnSqlite(emulator.url, dir, logs));
  });
  after(async () => {
    await proxy.close();
    await store.close();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
    assertTokenNeverLeaked({ logs, responses });
  });

  test('Intercom refusing the value keeps the submission waiting in the queue (no dead letter), named in the log and /health/ready, until fixed; then it arrives once', async () => {
    await setupDone(proxy.url);
    // An admin deletes team_size_n and makes it again as text (LeadRelay's own attributes stay): set-up is long done.
    await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    await ensureDataAttributes(new IntercomClient({ accessToken: ACCESS_TOKEN, baseUrl: emulator.url }));
    const remade = await fetch(`${emulator.url}/data_attributes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACCESS_TOKEN}`, 'content-type': 'application/json', 'intercom-version': '2.14' },
      body: JSON.stringify({ name: 'team_size_n', model: 'contact', data_type: 'string' }),
    });
    assert.equal(remade.status, 200);

    const post = await fetch(`${proxy.url}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify(buildLead({ answers: ANSWERS })),
    });
    responses.push({ status: post.status, headers: {}, text: await post.text(), json: undefined });
    assert.equal(post.status, 202, 'accepted durably, not refused');

    const clash = { attribute: 'team_size_n', expected: 'integer', found: 'string' };
    await waitUntil(() => logs.some((line) => line.event === 'data_attribute_clash'), 'the clash log line', { timeoutMs: 15_000 });
    const line = logs.find((entry) => entry.event === 'data_attribute_clash')!;
    assert.deepEqual(line.clashes, [clash]);
    assert.match(String(line.message), /"team_size_n" as string.*rename the question's "attribute" in the file, or change the attribute in Intercom/);
    const health = (await (await fetch(`${proxy.url}/health/ready`)).json()) as Record<string, unknown>;
    assert.equal(health.intercomSetup, 'clash');
    assert.deepEqual(health.attributeClashes, [clash]);

    // The drain loop tries it again and again (with backoff): it stays waiting, never a dead letter.
    await waitUntil(
      () => logs.filter((entry) => entry.event === 'delivery_retry' && entry.reason === 'data_attribute_clash').length >= 3,
      'three queued attempts held by the clash',
      { timeoutMs: 15_000 },
    );
    const state = async () => (await fetch(`${emulator.url}/_emulator/state`)).json() as Promise<{ contacts: any[]; conversations: any[] }>;
    assert.equal((await state()).contacts.length, 0, 'no lead while the type clashes');
    const held = await store.queueStats('leads');
    assert.equal(held.dead, 0);
    assert.equal(held.waiting + held.retrying, 1);

    // Fixed in the workspace (the emulator forgets the attribute): set-up makes it again with its type, the lead arrives once.
    await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    const delivered = await waitUntil(
      async () => {
        const value = await state();
        return value.conversations.length === 1 ? value : undefined;
      },
      'the held lead',
      { timeoutMs: 15_000 },
    );
    assert.equal(delivered.contacts.filter((contact: { role: string }) => contact.role === 'lead').length, 1);
    assert.equal(delivered.contacts.find((contact: { role: string }) => contact.role === 'lead').custom_attributes.team_size_n, 42);
    await waitUntil(async () => (await store.queueStats('leads')).waiting + (await store.queueStats('leads')).retrying === 0, 'the queue empty', { timeoutMs: 5_000 });
    assert.equal((await store.queueStats('leads')).dead, 0);
    const after = (await (await fetch(`${proxy.url}/health/ready`)).json()) as Record<string, unknown>;
    assert.equal(after.intercomSetup, 'done');
  });
});

describe('a form posted without JavaScript, with questions', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ origins: { allowed: [SITE] }, questions: EVERY_TYPE, ...INLINE });
    await setupDone(stack.proxy.url);
  });
  after(() => stack.close());

  function postForm(pairs: [string, string][], locale = 'en'): Promise<CapturedResponse> {
    const body = new URLSearchParams([['name', 'Grace Hopper'], ['email', 'grace@example.com'], ['message', 'Call me.'], ['hp', ''], ['locale', locale], ...pairs]);
    return stack.send('/leads', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE }, body: body.toString() });
  }

  test('arrives with its answers: each question under its name, ticked boxes as repeated names, a ticked checkbox as on', async () => {
    const hash = (await stack.send('/questions?form=default', { method: 'GET', headers: { origin: SITE } })).json.hash as string;
    const response = await postForm([
      ['company_name', 'Hopper Labs'],
      ['team_size', '12'],
      ['budget', '99.5'],
      ['plan', 'starter'],
      ['interests', 'widget'],
      ['interests', 'api'],
      ['subscribe', 'on'],
      ['start', '2026-06-30'],
      ['campaign', 'print'],
      ['questions', hash],
    ]);
    assert.equal(response.status, 201, response.text);
    assert.match(response.text, /<main data-code="created">/);
    const { contacts, conversations, companies } = (await stack.emulatorState()) as { contacts: any[]; conversations: any[]; companies: any[] };
    const attributes = contacts.at(-1).custom_attributes;
    assert.equal(attributes.team_size_n, 12);
    assert.equal(attributes.budget, 99.5);
    assert.equal(attributes.interests, 'api, widget');
    assert.equal(attributes.subscribe, true);
    assert.equal(attributes.plan, 'starter');
    assert.equal(attributes.campaign, 'print');
    assert.match(conversations.at(-1).source.body, /^Plan: Starter$/m);
    assert.ok(companies.some((company) => company.company_id === companyReference(SECRET, 'hopper labs')));
  });

  test('a wrong answer gets the refusal page naming the question by its label, in the page\'s language', async () => {
    const before = (await stack.emulatorRequests()).length;
    const response = await postForm([['company_name', 'Hopper Labs'], ['team_size', '0'], ['plan', 'gold']], 'de');
    assert.equal(response.status, 400);
    assert.match(response.text, /<li data-field="team_size" data-code="out_of_range"><strong>Teamgröße:<\/strong>/);
    assert.match(response.text, /<li data-field="plan" data-code="unknown_option"><strong>Plan:<\/strong>/);
    assert.equal((await stack.emulatorRequests()).length, before, 'nothing reached Intercom');
  });

  test('a page built from other questions is refused (409) and sends nothing', async () => {
    const response = await postForm([['company_name', 'Hopper Labs'], ['plan', 'pro'], ['questions', '0123456789abcdef']]);
    assert.equal(response.status, 409);
    assert.match(response.text, /data-code="questions_changed"/);
    assert.match(response.text, /This form has changed since the page was loaded\. Go back, reload the page, and send again\./);
  });
});
