// A lead adopted through its lead token gets the new submission's answers with one PUT /contacts/{id}, once: after a
// fault after commit on that PUT, the next pass or a resend with the same Idempotency-Key reads the lead back and
// finds the answers there instead of writing them again; nor is its company created or written a second time.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { verifyLeadToken } from '../../src/proxy/guards/lead-token.js';
import { companyReference } from '../../src/proxy/intercom/company-reference.js';
import { MemoryStore } from '../../src/proxy/store/memory.js';
import { buildLead, SECRET, startStack, type EmulatorRequest, type Stack } from './harness.js';
import { ANSWERS, EVERY_TYPE, INLINE, setupDone } from './questions-fixture.js';

/** The second submission's answers: another team size, so the PUT changes what the lead holds. */
const SECOND = { ...ANSWERS, team_size: 7, company_name: 'Acme Inc' };

async function requestsTo(stack: Stack, method: string, path: string): Promise<EmulatorRequest[]> {
  return (await stack.emulatorRequests()).filter((request) => request.method === method && request.path === path);
}

/** The first lead, made from ANSWERS: its lead token and contact id. */
async function firstLead(stack: Stack): Promise<{ leadToken: string; contactId: string }> {
  const first = await stack.post('/leads', buildLead({ answers: ANSWERS }));
  assert.equal(first.status, 201, first.text);
  return { leadToken: first.json.leadToken, contactId: (await verifyLeadToken(first.json.leadToken, SECRET)).contactId };
}

/** The lead holds the second answers, and the one Acme company (created once) holds the lead once. */
async function assertAdoptedOnce(stack: Stack, contactId: string): Promise<void> {
  const state = (await stack.emulatorState()) as unknown as { contacts: any[]; companies: any[] };
  const lead = state.contacts.find((contact) => contact.id === contactId);
  assert.equal(lead.custom_attributes.team_size_n, 7, 'the second answers are on the adopted lead');
  const acme = state.companies.filter((company) => company.company_id === companyReference(SECRET, 'Acme Inc'));
  assert.equal(acme.length, 1, 'one company');
  assert.equal(acme[0].user_count, 1, 'the lead attached once');
  assert.equal((await requestsTo(stack, 'POST', '/companies')).length, 1, 'one company write, by the first submission');
}

describe('the answers PUT on a lead adopted through its lead token, after a fault after commit', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ questions: EVERY_TYPE, ...INLINE });
    await setupDone(stack.proxy.url);
  });
  after(() => stack.close());

  test('is not written a second time by the next pass: one PUT /contacts/{id}', async () => {
    const { leadToken, contactId } = await firstLead(stack);
    await stack.addFault({ route: 'PUT /contacts/{id}', status: 503, afterCommit: true, times: 1 });
    const second = await stack.post('/leads', buildLead({ leadToken, answers: SECOND }));
    assert.equal(second.status, 201, second.text);
    assert.equal((await verifyLeadToken(second.json.leadToken, SECRET)).contactId, contactId, 'the same lead');
    const puts = await requestsTo(stack, 'PUT', `/contacts/${contactId}`);
    assert.equal(puts.length, 1, 'one PUT of the answers: the one that landed before its 503');
    assert.equal((puts[0].body as { custom_attributes: Record<string, unknown> }).custom_attributes.team_size_n, 7);
    await assertAdoptedOnce(stack, contactId);
  });
});

describe('a resend with the same Idempotency-Key after the answers PUT on an adopted lead failed after commit', () => {
  // The memory store does not queue: a delivery that cannot finish inline answers 503 and the browser sends it again.
  const store = new MemoryStore();
  let stack: Stack;
  before(async () => {
    stack = await startStack({ store, questions: EVERY_TYPE, delivery: { recoveryWaitMs: 0 } });
    await setupDone(stack.proxy.url);
  });
  after(async () => {
    await stack.close();
    await store.close();
  });

  test('finds the answers on the lead and writes them no second time: one PUT /contacts/{id}', async () => {
    const { leadToken, contactId } = await firstLead(stack);
    await stack.addFault({ route: 'PUT /contacts/{id}', status: 503, afterCommit: true, times: 1 });
    const key = randomUUID();
    const body = buildLead({ leadToken, answers: SECOND });
    const failed = await stack.post('/leads', body, { key });
    assert.equal(failed.status, 503, failed.text);
    assert.equal((await requestsTo(stack, 'PUT', `/contacts/${contactId}`)).length, 1, 'the PUT was made, and committed');

    const resent = await stack.post('/leads', body, { key });
    assert.equal(resent.status, 201, resent.text);
    assert.equal((await verifyLeadToken(resent.json.leadToken, SECRET)).contactId, contactId, 'the same lead');
    assert.equal((await requestsTo(stack, 'PUT', `/contacts/${contactId}`)).length, 1, 'no second PUT of the answers');
    await assertAdoptedOnce(stack, contactId);
  });
});
