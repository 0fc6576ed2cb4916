// The no-JavaScript form post when Intercom cannot take it now, and the derived submission id's time window.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SAME_SUBMISSION_MS, formSubmissionId } from '../../src/proxy/routes/form-post.js';
import { leadRecordKey } from '../../src/proxy/delivery/lead-resolver.js';
import { MemoryStore } from '../../src/proxy/store/memory.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { apiCalls, startInProcessStack, type CapturedResponse, type Stack } from './harness.js';
import { waitUntil } from '../support/wait.js';

const SITE = 'https://shop.example';

function postForm(stack: Stack, email: string): Promise<CapturedResponse> {
  const body = new URLSearchParams({ name: 'Grace Hopper', email, message: 'Please call me back.', hp: '', locale: 'fr' });
  return stack.send('/leads', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE },
    body: body.toString(),
  });
}

describe('a form post while Intercom cannot take it, on a durable store (SQLite)', () => {
  let stack: Stack;
  let store: SqliteStore;
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-form-'));

  before(async () => {
    store = await SqliteStore.open({ path: join(dir, 'proxy.db') });
    // The queue's backoff is the one retry of a queued delivery: short here, so the lead arrives soon after Intercom is back.
    stack = await startInProcessStack({ store, origins: { allowed: [SITE] }, delivery: { recoveryWaitMs: 50 }, queue: { retry: { firstMs: 20, maxMs: 200 } } });
  });
  after(async () => {
    await stack.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('is accepted durably: the visitor gets the thank-you page (202), and the lead arrives once Intercom is back', async () => {
    await stack.addFault({ route: 'POST /contacts', status: 503, times: 1_000_000 });
    const email = `queued.${Date.now()}@example.com`;
    const first = await postForm(stack, email);
    assert.equal(first.status, 202, first.text);
    assert.match(first.headers['content-type'] ?? '', /^text\/html/);
    assert.match(first.text, /<main data-code="queued">/);
    assert.match(first.text, /Merci ! Nous vous répondrons bientôt\./);
    const again = await postForm(stack, email);
    assert.equal(again.status, 202, 'a re-post while queued is the same submission');

    await stack.emulatorFetch('/_emulator/faults', { method: 'DELETE' });
    const state = await waitUntil(
      async () => {
        const s = await stack.emulatorState();
        return s.conversations.some((c: any) => c.contacts.contacts.some((ref: { id: string }) => s.contacts.find((x: any) => x.id === ref.id)?.email === email)) ? s : undefined;
      },
      'the queued lead',
      { timeoutMs: 15_000 },
    );
    assert.equal(state.contacts.filter((contact: any) => contact.email === email).length, 1);
    const created = apiCalls(await stack.emulatorRequests()).filter(
      (request) => request.method === 'POST' && request.path === '/contacts' && request.status < 300 && (request.body as { email?: string }).email === email,
    );
    assert.equal(created.length, 1);
  });
});

describe('a form post while Intercom cannot take it, on the memory store (not durable, never 202)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({ store: new MemoryStore(), origins: { allowed: [SITE] }, delivery: { recoveryWaitMs: 50 } });
  });
  after(() => stack.close());

  test('gets a 503 "try again in a moment" page with Retry-After; sent again later, it creates one lead', async () => {
    await stack.addFault({ route: 'POST /contacts', status: 503, times: 1_000_000 });
    const email = `memory.${Date.now()}@example.com`;
    const refused = await postForm(stack, email);
    assert.equal(refused.status, 503, refused.text);
    assert.match(refused.headers['content-type'] ?? '', /^text\/html/);
    assert.match(refused.headers['retry-after'] ?? '', /^\d+$/);
    assert.match(refused.text, /<title>Réessayez dans un instant<\/title>/);
    assert.match(refused.text, /<pre>Please call me back\.<\/pre>/, 'the message is handed back to copy');

    await stack.emulatorFetch('/_emulator/faults', { method: 'DELETE' });
    // The visitor sends again, as the page says, until the proxy can tell the first attempt created nothing (a search
    // recoveryLagMs after it) and creates the lead.
    const accepted = await waitUntil(
      async () => {
        const answer = await postForm(stack, email);
        return answer.status !== 503 ? answer : undefined;
      },
      'an answer other than 503',
      { timeoutMs: 15_000 },
    );
    assert.equal(accepted.status, 201, accepted.text);
    assert.match(accepted.text, /<main data-code="created">/);
    const state = await stack.emulatorState();
    assert.equal(state.contacts.filter((contact: any) => contact.email === email).length, 1);
  });
});

describe('a form post when the proxy has a captcha hook', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({ origins: { allowed: [SITE] }, verifyCaptcha: async (token) => token === 'solved' });
  });
  after(() => stack.close());

  test('is refused with a page asking for JavaScript (a captcha needs it), and nothing reaches Intercom', async () => {
    const email = `captcha.${Date.now()}@example.com`;
    const response = await postForm(stack, email);
    assert.equal(response.status, 422);
    assert.match(response.text, /<main data-code="captcha_failed">/);
    assert.match(response.text, /JavaScript/);
    const calls = apiCalls(await stack.emulatorRequests()).filter((request) => (request.body as { email?: string })?.email === email);
    assert.equal(calls.length, 0);
  });
});

describe('the submission id a form post derives', () => {
  const FINGERPRINT = 'fingerprint-of-the-fields';
  let clock = 1_000_000;
  const store = new MemoryStore({ now: () => clock });

  async function answer(id: string): Promise<void> {
    const claim = await store.claim(leadRecordKey(id), { fingerprint: FINGERPRINT, owner: 'test', leaseMs: 1000 });
    assert.equal(claim.outcome, 'claimed');
    assert.ok(await store.complete(leadRecordKey(id), 'test', { status: 201, body: {} }));
  }

  test('is a UUID, the same for the same fields and address, another for another address', async () => {
    const id = await formSubmissionId(store, FINGERPRINT, '192.0.2.1', clock);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(await formSubmissionId(store, FINGERPRINT, '192.0.2.1', clock), id);
    assert.notEqual(await formSubmissionId(store, FINGERPRINT, '192.0.2.2', clock), id);
    assert.notEqual(await formSubmissionId(store, 'other-fields', '192.0.2.1', clock), id);
  });

  test('stays the same within the window of the first post whatever the clock says, and changes after it', async () => {
    const address = '198.51.100.7';
    const first = await formSubmissionId(store, FINGERPRINT, address, clock);
    await answer(first);
    // No fixed clock boundary: one millisecond before the window ends, still the first submission.
    assert.equal(await formSubmissionId(store, FINGERPRINT, address, clock + SAME_SUBMISSION_MS - 1), first);
    clock += SAME_SUBMISSION_MS;
    const second = await formSubmissionId(store, FINGERPRINT, address, clock);
    assert.notEqual(second, first, 'the same words after the window are a new submission');
    await answer(second);
    assert.equal(await formSubmissionId(store, FINGERPRINT, address, clock + 60_000), second, 'and its re-post is that one');
  });

  test('an unanswered submission (in progress, or failed and resumable) stays current past the window', async () => {
    const address = '203.0.113.9';
    const first = await formSubmissionId(store, FINGERPRINT, address, clock);
    const claim = await store.claim(leadRecordKey(first), { fingerprint: FINGERPRINT, owner: 'test', leaseMs: 1000 });
    assert.equal(claim.outcome, 'claimed');
    await store.release(leadRecordKey(first), 'test');
    assert.equal(await formSubmissionId(store, FINGERPRINT, address, clock + 10 * SAME_SUBMISSION_MS), first);
  });
});
