// Queues heal themselves: Intercom losing the data attributes between acceptance (202) and delivery, or before
// `queue retry --dead`, re-runs the set-up and delivers once, never a dead letter; every failed attempt is logged
// with a code and the submission's one-way reference.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { after, before, test } from 'node:test';
import { DATA_ATTRIBUTES } from '../../src/proxy/intercom/data-attributes.js';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { runQueueCommand } from '../../src/proxy/queue-commands.js';
import { DATABASE_FILE } from '../../src/proxy/store/open-store.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { SECRET, buildLead, startInProcessStack, type Stack } from './harness.js';
import { waitUntil } from '../support/wait.js';

let dir: string;
let store: SqliteStore;
let stack: Stack;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leadrelay-heal-'));
  // The file `leadrelay-proxy queue` opens with LEADRELAY_DATA_DIR=dir.
  store = await SqliteStore.open({ path: join(dir, DATABASE_FILE) });
  stack = await startInProcessStack({ store, delivery: { recoveryWaitMs: 0 }, queue: { retry: { firstMs: 20, maxMs: 100 } } });
  await stack.proxy.proxy.ready;
});
after(async () => {
  await stack.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Forget everything the emulator holds, data attributes included (as a restart does); faults go too. */
async function emulatorForgets(): Promise<void> {
  const response = await stack.emulatorFetch('/_emulator/reset', { method: 'POST', headers: { 'content-type': 'application/json' } });
  assert.equal(response.status, 200);
}

async function customAttributeNames(): Promise<string[]> {
  const response = await stack.emulatorFetch('/data_attributes?model=contact', { headers: { authorization: 'Bearer any' } });
  return ((await response.json()) as { data: { name: string; custom: boolean }[] }).data.filter((a) => a.custom).map((a) => a.name);
}

const linesFor = (event: string, key: string) => stack.logs.filter((line) => line.event === event && line.submissionRef === submissionReference(SECRET, key));

test('the data attributes vanish between acceptance and delivery: set-up runs again, the lead is delivered once, no dead letter', async () => {
  await stack.addFault({ route: 'POST /contacts', status: 503 });
  const key = randomUUID();
  const lead = buildLead({ email: `heal-${randomUUID()}@example.com` });
  const accepted = await stack.post('/leads', lead, { key });
  assert.equal(accepted.status, 202, 'queued while Intercom fails');
  await waitUntil(() => (linesFor('delivery_retry', key).length > 0 ? true : undefined), 'a failed queued attempt');

  await emulatorForgets();
  assert.deepEqual(await customAttributeNames(), [], 'the data attributes are gone');

  const state = await waitUntil(async () => {
    const current = await stack.emulatorState();
    return current.conversations.length > 0 ? current : undefined;
  }, 'the queued lead delivered');
  // Wait for the queue to settle, then count.
  await waitUntil(() => (stack.logs.some((line) => line.event === 'queue_delivered') ? true : undefined), 'queue_delivered');
  const again = await stack.emulatorState();
  assert.equal(again.contacts.length, 1, 'one lead');
  assert.equal(again.conversations.length, 1, 'one conversation');
  assert.equal(state.contacts[0].custom_attributes.leadrelay_submission_id, submissionReference(SECRET, key), 'its attributes were kept');
  assert.deepEqual((await customAttributeNames()).sort(), DATA_ATTRIBUTES.map((a) => a.name).sort(), 'every data attribute exists again');
  assert.deepEqual(linesFor('queue_dead_letter', key), [], 'no dead letter');
  assert.equal((await store.queueStats('leads')).dead, 0);
  assert.ok(linesFor('delivery_retry', key).some((line) => line.reason === 'data_attribute_missing'), 'the attempt that met the missing attribute was logged as such');
});

test('queue retry --dead after the data attributes vanished: the running proxy re-creates them and delivers each once', async () => {
  await emulatorForgets();
  await stack.reset();
  await stack.addFault({ route: 'POST /contacts', status: 503 });
  const key = randomUUID();
  assert.equal((await stack.post('/leads', buildLead({ email: `dead-${randomUUID()}@example.com` }), { key })).status, 202);
  // Then a refusal for good, met by the queued delivery.
  await stack.emulatorFetch('/_emulator/faults', { method: 'DELETE' });
  await stack.addFault({ route: 'POST /contacts', status: 400 });
  await waitUntil(() => (linesFor('queue_dead_letter', key).length > 0 ? true : undefined), 'the refusal becoming a dead letter');

  await emulatorForgets(); // the fault goes, and with it every data attribute
  const out: string[] = [];
  const err: string[] = [];
  const code = await runQueueCommand(['retry', '--dead'], { LEADRELAY_DATA_DIR: dir }, { out: (text) => out.push(text), err: (text) => err.push(text) });
  assert.equal(code, 0, err.join(''));
  assert.match(out.join(''), /^1 dead letter back in the queue/);

  await waitUntil(() => (stack.logs.filter((line) => line.event === 'queue_delivered').length >= 2 ? true : undefined), 'the retried dead letter delivered');
  const state = await stack.emulatorState();
  assert.equal(state.contacts.length, 1);
  assert.equal(state.conversations.length, 1);
  assert.equal(state.contacts[0].custom_attributes.leadrelay_submission_id, submissionReference(SECRET, key));
  assert.equal(linesFor('queue_dead_letter', key).length, 1, 'no second dead letter');
  assert.equal((await store.queueStats('leads')).dead, 0);
});

test('each failed delivery attempt logs its reason and the one-way reference: never the key, a name, an email or a phone', async () => {
  await emulatorForgets();
  await stack.reset();
  await stack.addFault({ route: 'POST /contacts', status: 503 });
  const key = randomUUID();
  const email = `retry-${randomUUID()}@example.com`;
  const lead = buildLead({ email, name: 'Grace Hopper-Retry' });
  const before = stack.logs.length;
  assert.equal((await stack.post('/leads', lead, { key })).status, 202);
  const retries = await waitUntil(() => {
    const lines = linesFor('delivery_retry', key);
    return lines.length >= 3 ? lines : undefined;
  }, 'three failed attempts');
  for (const [index, line] of retries.slice(0, 3).entries()) {
    if (index > 0) assert.ok((line.attempt as number) > (retries[index - 1]!.attempt as number), 'attempts counted up');
    // Intercom failing: the delivery waits (an attempt that may have committed is searched for first).
    assert.ok(['upstream_unavailable', 'recovering'].includes(line.reason as string), `reason ${String(line.reason)}`);
    assert.ok(Number.isInteger(line.attempt) && (line.attempt as number) >= 1);
    assert.equal(typeof line.retryInMs, 'number');
    assert.ok((line.retryInMs as number) >= 0);
  }
  await stack.send('/health/live', {}); // any request, so the lines above are not the last ones
  const since = JSON.stringify(stack.logs.slice(before));
  for (const secret of [key, email, 'Grace Hopper-Retry', lead.phone as string, 'analytical engine']) {
    assert.ok(!since.includes(secret), `a log line carried ${secret}`);
  }
  await stack.emulatorFetch('/_emulator/faults', { method: 'DELETE' });
  await waitUntil(async () => ((await stack.emulatorState()).conversations.length === 1 ? true : undefined), 'delivery once Intercom is back');
});
