// SIGTERM on the real `leadrelay-proxy` process: requests in flight finish, nothing new is taken, the queue waits for the next instance.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { ACCESS_TOKEN, SECRET, buildLead } from './harness.js';
import { startProxyProcess, type ProxyProcess } from './proxy-process.js';
import { waitUntil } from '../support/wait.js';

let emulator: RunningEmulator;
const started: ProxyProcess[] = [];
const dataDirs: string[] = [];
const CHILD_ENV = { LEADRELAY_RECOVERY_WAIT_MS: '200', LEADRELAY_RECOVERY_LAG_MS: '200', LEADRELAY_QUEUE_RETRY_MAX_MS: '200', LEADRELAY_SHUTDOWN_TIMEOUT_MS: '20000' };

before(async () => {
  emulator = await startEmulator({ port: 0 });
});
after(async () => {
  for (const proxy of started) await proxy.kill();
  await emulator.close();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** A data folder for the default store (SQLite), shared by an instance and the one restarted after it. */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-shutdown-'));
  dataDirs.push(dir);
  return dir;
}

async function startInstance(dir: string, env: Record<string, string> = {}): Promise<ProxyProcess> {
  const proxy = await startProxyProcess({ emulatorUrl: emulator.url, accessToken: ACCESS_TOKEN, secret: SECRET, env: { ...CHILD_ENV, LEADRELAY_DATA_DIR: dir, ...env } });
  started.push(proxy);
  return proxy;
}

async function hook(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${emulator.url}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

const postLead = (url: string, key = randomUUID()) =>
  fetch(`${url}/leads`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(buildLead()) });

test('SIGTERM lets a request in flight finish (201), takes no new connection, and exits 0', async () => {
  await hook('POST', '/reset');
  // Long enough an answer budget that the slow call's request is still in flight, not answered 202 already.
  const proxy = await startInstance(dataDir(), { LEADRELAY_RECOVERY_WAIT_MS: '5000' });
  await hook('POST', '/faults', { route: 'POST /contacts', delayMs: 1_500, times: 1 });
  const inFlight = postLead(proxy.url);
  await waitUntil(async () => ((await hook('GET', '/requests')).requests.some((request: any) => request.path === '/contacts') ? true : undefined), 'the lead reaching Intercom');
  const exited = new Promise<number | null>((resolve) => proxy.child.once('exit', (code) => resolve(code)));
  proxy.child.kill('SIGTERM');
  await waitUntil(() => (proxy.output().includes('"shutting_down"') ? true : undefined), 'the shutting_down line');
  await assert.rejects(fetch(`${proxy.url}/health/live`), 'a new connection is refused while the old request finishes');
  const answer = await inFlight;
  assert.equal(answer.status, 201, 'the request in flight was answered');
  assert.equal(await exited, 0);
  assert.match(proxy.output(), /"stopped"/);
  assert.equal((await hook('GET', '/state')).contacts.length, 1);
});

test('SIGTERM leaves queued submissions in the default store; a restarted instance delivers each once', async () => {
  await hook('POST', '/reset');
  const dir = dataDir();
  const first = await startInstance(dir);
  await hook('POST', '/faults', { route: 'POST /contacts', status: 503 });
  const keys = [randomUUID(), randomUUID(), randomUUID()];
  for (const key of keys) assert.equal((await postLead(first.url, key)).status, 202);
  await first.stop();
  assert.equal(first.child.exitCode, 0);
  assert.equal((await hook('GET', '/state')).contacts.length, 0, 'nothing was delivered while Intercom failed');

  await hook('DELETE', '/faults');
  const second = await startInstance(dir);
  const state = await waitUntil(async () => {
    const current = await hook('GET', '/state');
    return current.conversations.length >= keys.length ? current : undefined;
  }, 'the restarted instance delivering the queue');
  const submissionIds = state.contacts.map((contact: any) => contact.custom_attributes.leadrelay_submission_id).sort();
  assert.deepEqual(submissionIds, keys.map((key) => submissionReference(SECRET, key)).sort(), 'each queued submission once');
  await second.stop();
  assert.ok(!first.output().includes(ACCESS_TOKEN) && !second.output().includes(ACCESS_TOKEN));
});

const contactPosts = async () => (await hook('GET', '/requests')).requests.filter((request: any) => request.method === 'POST' && request.path === '/contacts').length;

test('SIGTERM starts no queued submission: a delivery that has not made its contact stops, and the item waits for the next instance', async () => {
  await hook('POST', '/reset');
  // One delivery at a time: Intercom refusing every contact with 429 (each answer 2 s late) keeps the queue asking
  // again, one POST per queue attempt, each delivery in flight while its POST waits.
  const dir = dataDir();
  const proxy = await startInstance(dir, { LEADRELAY_QUEUE_CONCURRENCY: '1', LEADRELAY_QUEUE_RETRY_MAX_MS: '300000' });
  // A one-second rate window: each 429 says "again within a second", so the delivery keeps asking inline.
  await hook('POST', '/config', { rateLimit: { limit: 1000, windowSeconds: 1 } });
  await hook('POST', '/faults', { route: 'POST /contacts', status: 429, delayMs: 2_000 });
  const key = randomUUID();
  assert.equal((await postLead(proxy.url, key)).status, 202);
  // The emulator logs a call when it arrives: the signal then comes while the third POST is on its way.
  const seenBefore = await waitUntil(
    async () => {
      const count = await contactPosts();
      return count >= 3 ? count : undefined;
    },
    'the queued delivery asking Intercom again',
    { timeoutMs: 30_000 },
  );
  const exited = new Promise<number | null>((resolve) => proxy.child.once('exit', (code) => resolve(code)));
  proxy.child.kill('SIGTERM');
  await waitUntil(() => (proxy.output().includes('"shutting_down"') ? true : undefined), 'the shutting_down line');
  const atSignal = await contactPosts();
  assert.equal(await exited, 0);
  assert.match(proxy.output(), /"stopped"/);
  // At most the one call already on its way when the signal came; before, the delivery kept asking until its budget ran out.
  assert.ok((await contactPosts()) - atSignal <= 1, `POST /contacts after SIGTERM: ${(await contactPosts()) - atSignal} (before it: ${seenBefore})`);
  assert.match(proxy.output(), /"delivery_retry","reason":"shutting_down"/, 'the delivery was put back');

  await hook('DELETE', '/faults');
  const next = await startInstance(dir);
  const state = await waitUntil(async () => {
    const current = await hook('GET', '/state');
    return current.conversations.length >= 1 ? current : undefined;
  }, 'the next instance delivering it');
  assert.equal(state.contacts.length, 1);
  assert.equal(state.contacts[0].custom_attributes.leadrelay_submission_id, submissionReference(SECRET, key));
  await next.stop();
});

test('SIGTERM lets a queued delivery whose contact exists finish its conversation before the process stops', async () => {
  await hook('POST', '/reset');
  const proxy = await startInstance(dataDir());
  // Queued (202) while contacts fail; then Intercom is back, with a slow conversation for the one delivery.
  await hook('POST', '/faults', { route: 'POST /contacts', status: 503 });
  assert.equal((await postLead(proxy.url)).status, 202);
  await hook('DELETE', '/faults');
  await hook('POST', '/faults', { route: 'POST /conversations', delayMs: 1_500, times: 1 });
  await waitUntil(async () => ((await hook('GET', '/state')).contacts.length === 1 ? true : undefined), 'the queued delivery making its contact');
  const exited = new Promise<number | null>((resolve) => proxy.child.once('exit', (code) => resolve(code)));
  proxy.child.kill('SIGTERM');
  assert.equal(await exited, 0);
  const output = proxy.output();
  const delivered = output.indexOf('"queue_delivered"');
  assert.ok(delivered > output.indexOf('"shutting_down"') && delivered < output.indexOf('"stopped"'), 'delivered during the shutdown, before stopped');
  const state = await hook('GET', '/state');
  assert.equal(state.contacts.length, 1);
  assert.equal(state.conversations.length, 1, 'its conversation exists');
});

test('SIGTERM after a slow request was answered 202 early: its delivery still ends with the conversation before the process exits', async () => {
  await hook('POST', '/reset');
  // The default answer budget (1.5 s): the request is answered 202 while its conversation call is still running.
  const proxy = await startInstance(dataDir(), { LEADRELAY_RECOVERY_WAIT_MS: '' });
  await hook('POST', '/faults', { route: 'POST /conversations', delayMs: 2_500, times: 1 });
  const answer = await postLead(proxy.url);
  assert.equal(answer.status, 202, 'answered before the slow call ended');
  const exited = new Promise<number | null>((resolve) => proxy.child.once('exit', (code) => resolve(code)));
  proxy.child.kill('SIGTERM');
  assert.equal(await exited, 0);
  const state = await hook('GET', '/state');
  assert.equal(state.contacts.length, 1);
  assert.equal(state.conversations.length, 1, 'the conversation was made before the process exited');
});
