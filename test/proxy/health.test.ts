// Starting while Intercom is down: the proxy listens and is ready at once, queues durably, and sets Intercom up when it is back.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startEmulator } from '../../src/emulator/index.js';
import { createProxy } from '../../src/proxy/app.js';
import { DATA_ATTRIBUTES } from '../../src/proxy/intercom/data-attributes.js';
import { serve } from '../../src/proxy/node.js';
import { MemoryStore } from '../../src/proxy/store/memory.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { ACCESS_TOKEN, SECRET, buildLead, testProxyOptions } from './harness.js';
import { waitUntil } from '../support/wait.js';

const dataDir = mkdtempSync(join(tmpdir(), 'leadrelay-health-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('started while Intercom answers 503 to everything: ready at once, a submission is queued (202), and after recovery it is delivered and the data attributes exist', async () => {
  const emulator = await startEmulator({ port: 0 });
  const fault = await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ route: '*', status: 503 }) });
  assert.equal(fault.status, 200);
  const logs: Record<string, unknown>[] = [];
  const store = await SqliteStore.open({ path: join(dataDir, `${randomUUID()}.db`) });
  const served = await serve({
    port: 0,
    ...testProxyOptions(emulator.url, logs),
    store,
    intercom: {
      ...(testProxyOptions(emulator.url, logs)).intercom,
      retryBaseMs: 10,
      setupRetry: { firstMs: 20, maxMs: 100 },
    },
    delivery: { recoveryWaitMs: 200, recoveryLagMs: 200 },
    testing: { queuePollMs: 20 },
  });
  let setupDone = false;
  void served.proxy.ready.then(() => (setupDone = true));
  try {
    const live = await fetch(`${served.url}/health/live`);
    assert.equal(live.status, 200);
    const ready = await fetch(`${served.url}/health/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ok: true, store: 'reachable', durable: true, intercomSetup: 'pending' });
    assert.equal((await fetch(`${served.url}/health`)).status, 200, 'the old /health still answers');

    const key = randomUUID();
    const accepted = await fetch(`${served.url}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(buildLead()),
    });
    assert.equal(accepted.status, 202);
    assert.equal(((await accepted.json()) as { status: string }).status, 'queued');
    await waitUntil(async () => (logs.some((line) => line.event === 'setup_retrying') ? true : undefined), 'a setup_retrying line');
    assert.equal(setupDone, false, '`ready` neither resolved nor rejected during the outage');

    await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' });
    const lead = await waitUntil(async () => {
      const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { contacts: any[]; conversations: any[] };
      const contact = state.contacts.find((candidate) => candidate.custom_attributes?.leadrelay_submission_id === submissionReference(SECRET, key));
      const conversation = contact && state.conversations.find((candidate) => candidate.source.author.id === contact.id);
      return conversation ? { contact, state } : undefined;
    }, 'the queued lead and its conversation');
    assert.equal(lead.state.contacts.length, 1, 'one lead, not two');
    assert.equal(lead.contact.custom_attributes.leadrelay_page_url, 'https://example.com/pricing', 'its custom attributes were kept');

    const attributes = (await (
      await fetch(`${emulator.url}/data_attributes?model=contact`, { headers: { authorization: 'Bearer t', accept: 'application/json' } })
    ).json()) as { data: { name: string }[] };
    const names = new Set(attributes.data.map((attribute) => attribute.name));
    for (const attribute of DATA_ATTRIBUTES) assert.ok(names.has(attribute.name), `${attribute.name} exists`);
    await served.proxy.ready;
    const after = (await (await fetch(`${served.url}/health/ready`)).json()) as { intercomSetup: string };
    assert.equal(after.intercomSetup, 'done');
    assert.ok(logs.some((line) => line.event === 'data_attributes_ready'));
  } finally {
    await served.close();
    await store.close();
    await emulator.close();
  }
  assert.ok(!JSON.stringify(logs).includes(ACCESS_TOKEN), 'the token is in no log line');
});

test('/health/ready answers 503 when the store cannot be reached; /health/live still answers 200', async () => {
  class UnreachableStore extends MemoryStore {
    override async get(): Promise<never> {
      throw new Error('ECONNREFUSED');
    }
  }
  const proxy = createProxy({ intercom: { accessToken: ACCESS_TOKEN }, secret: SECRET, store: new UnreachableStore(), testing: { setupDataAttributes: false, queuePollMs: 0 } });
  try {
    const ready = await proxy.fetch(new Request('http://proxy.test/health/ready'));
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { store: string }).store, 'unreachable');
    assert.equal((await proxy.fetch(new Request('http://proxy.test/health/live'))).status, 200);
  } finally {
    await proxy.close();
  }
});

test('the health routes sit under the base path and are not rate limited', async () => {
  const proxy = createProxy({ intercom: { accessToken: ACCESS_TOKEN }, secret: SECRET, basePath: '/api/leadrelay', clients: { rateLimit: 1 }, testing: { setupDataAttributes: false, queuePollMs: 0 } });
  try {
    for (let index = 0; index < 5; index++) {
      assert.equal((await proxy.fetch(new Request('http://proxy.test/api/leadrelay/health/ready'))).status, 200);
    }
    assert.equal((await proxy.fetch(new Request('http://proxy.test/health/ready'))).status, 404);
  } finally {
    await proxy.close();
  }
});
