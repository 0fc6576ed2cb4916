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

async function startInstance(dir: string): Promise<ProxyProcess> {
  const proxy = await startProxyProcess({ emulatorUrl: emulator.url, accessToken: ACCESS_TOKEN, secret: SECRET, env: { ...CHILD_ENV, LEADRELAY_DATA_DIR: dir } });
  started.push(proxy);
  return proxy;
}

async function hook(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${emulator.url}/_emulator${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return response.json();
}

async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `${what} did not happen in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const postLead = (url: string, key = randomUUID()) =>
  fetch(`${url}/leads`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(buildLead()) });

test('SIGTERM lets a request in flight finish (201), takes no new connection, and exits 0', async () => {
  await hook('POST', '/reset');
  const proxy = await startInstance(dataDir());
  await hook('POST', '/faults', { route: 'POST /contacts', delayMs: 1_500, times: 1 });
  const inFlight = postLead(proxy.url);
  await eventually(async () => ((await hook('GET', '/requests')).requests.some((request: any) => request.path === '/contacts') ? true : undefined), 'the lead reaching Intercom');
  const exited = new Promise<number | null>((resolve) => proxy.child.once('exit', (code) => resolve(code)));
  proxy.child.kill('SIGTERM');
  await eventually(() => (proxy.output().includes('"shutting_down"') ? true : undefined), 'the shutting_down line');
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
  const state = await eventually(async () => {
    const current = await hook('GET', '/state');
    return current.conversations.length >= keys.length ? current : undefined;
  }, 'the restarted instance delivering the queue');
  const submissionIds = state.contacts.map((contact: any) => contact.custom_attributes.leadrelay_submission_id).sort();
  assert.deepEqual(submissionIds, keys.map((key) => submissionReference(SECRET, key)).sort(), 'each queued submission once');
  await second.stop();
  assert.ok(!first.output().includes(ACCESS_TOKEN) && !second.output().includes(ACCESS_TOKEN));
});
