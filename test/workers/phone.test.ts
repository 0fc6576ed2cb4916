// The phone check in workerd: every phone case of the bad-input suite (refusals with their codes, page-context
// cases that must still make a lead with the number in E.164) through the example Worker, so the bundled
// libphonenumber-js (its `min` metadata) validates there as it does on Node.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Miniflare } from 'miniflare';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { badInputCases, contextCases, unicodeEdges, type BadInputCase } from '../proxy/bad-input-cases.js';
import { startExampleWorker, type RunningExampleWorker } from './worker-build.js';

let worker: RunningExampleWorker;
let emulator: RunningEmulator;
let mf: Miniflare;

before(async () => {
  worker = await startExampleWorker({ LEADRELAY_RATE_LIMIT: '0' });
  ({ mf, emulator } = worker);
});
after(() => worker.close());

const url = (path: string) => worker.url(path);

function send(body: unknown, headers: Record<string, string> = {}, key: string | null = randomUUID()) {
  const all: Record<string, string> = { 'content-type': 'application/json', ...headers };
  if (key !== null) all['idempotency-key'] = key;
  const text = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  return mf.dispatchFetch(url('/leads'), { method: 'POST', headers: all, body: text as string });
}

const phoneRefusals = [...badInputCases(), ...unicodeEdges()].filter(
  (item: BadInputCase) => item.path === '/leads' && (/phone/i.test(item.name) || Object.keys(item.fields ?? {}).includes('phone')),
);

test('the phone refusals of the bad-input suite get the same codes in workerd', async () => {
  assert.ok(phoneRefusals.length >= 10, `only ${phoneRefusals.length} phone cases found`);
  for (const item of phoneRefusals) {
    const response = await send(item.body, item.headers, item.key === undefined ? randomUUID() : item.key);
    const body = (await response.json()) as { error?: { code?: string; fields?: Record<string, string> } };
    assert.equal(response.status, item.status, `${item.name}: ${JSON.stringify(body)}`);
    assert.equal(body.error?.code, item.code, item.name);
    if (item.fields) assert.deepEqual(body.error?.fields, item.fields, item.name);
  }
});

test('the phone page-context cases make a lead with the number in E.164 in workerd', async () => {
  const cases = contextCases().filter((item) => item.phone !== undefined);
  assert.ok(cases.length >= 5);
  for (const item of cases) {
    await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const response = await send(item.body);
    const text = await response.text();
    assert.equal(response.status, 201, `${item.name}: ${text}`);
    const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { contacts: { phone?: string }[] };
    assert.equal(state.contacts.length, 1, item.name);
    assert.equal(state.contacts[0]!.phone, item.phone, item.name);
  }
});
