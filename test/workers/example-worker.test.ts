// examples/cloudflare (worker.ts and wrangler.toml, as users copy them) in a real workerd (Miniflare, from npm),
// against the emulator running in Node on loopback. The isolate's first request is the widget's preflight; then a
// lead: 201, one contact and one conversation. With Intercom failing: 202, the submission kept in D1 through a
// restart of the runtime, and delivered once by the Cron Trigger's handler after Intercom recovers. Both run as
// wrangler.toml says (no compatibility flags), with nodejs_compat added, and the first also with a compatibility
// date before 2024-09-23 (when nodejs_compat's second version and its `process` global came).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Miniflare, Response as MiniflareResponse } from 'miniflare';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { ACCESS_TOKEN, buildLead, SECRET } from '../proxy/harness.js';
import { bundleExampleWorker, readWranglerToml } from './worker-build.js';
import { waitUntil } from '../support/wait.js';

const ORIGIN = 'https://www.example.com';
const config = readWranglerToml();
let emulator: RunningEmulator;
let script: string;
const persistDirs: string[] = [];

before(async () => {
  emulator = await startEmulator({ port: 0 });
  script = await bundleExampleWorker();
});
after(async () => {
  await emulator.close();
  for (const dir of persistDirs) rmSync(dir, { recursive: true, force: true });
});

/** How workerd is configured: wrangler.toml's compatibility date and flags, or those changed for one run. */
interface Compatibility {
  label: string;
  date: string;
  flags: string[];
}
const AS_WRANGLER_TOML: Compatibility = { label: "wrangler.toml's (no flags)", date: config.compatibilityDate, flags: config.compatibilityFlags };
const WITH_NODEJS_COMPAT: Compatibility = { label: 'nodejs_compat', date: config.compatibilityDate, flags: [...config.compatibilityFlags, 'nodejs_compat'] };
const OLD_DATE: Compatibility = { label: 'no flags, dated 2024-09-01', date: '2024-09-01', flags: [] };

/** An Intercom outage's waits, compressed for the test that has one (the emulator's search has no lag). */
const OUTAGE_WAITS = { LEADRELAY_RECOVERY_LAG_MS: '200', LEADRELAY_RECOVERY_WAIT_MS: '500', LEADRELAY_QUEUE_RETRY_MAX_MS: '1000' };

/** The example Worker in workerd: wrangler.toml's vars and D1 binding; the secrets `wrangler secret put` would set. */
function startWorker(persistDir: string, extra: Record<string, string> = {}, compatibility = AS_WRANGLER_TOML): Miniflare {
  return new Miniflare({
    // The bundle listed as the one module (Miniflare's own module walk refuses the proxy's computed import of metrics).
    modules: [{ type: 'ESModule', path: 'worker.mjs', contents: script }],
    compatibilityDate: compatibility.date,
    compatibilityFlags: compatibility.flags,
    bindings: {
      ...config.vars,
      INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN,
      LEADRELAY_SECRET: SECRET,
      // The test's own: the emulator as Intercom.
      INTERCOM_BASE_URL: emulator.url,
      ...extra,
    },
    d1Databases: Object.fromEntries(config.d1.map((db) => [db.binding, db.databaseId])),
    d1Persist: persistDir,
  });
}

async function hook(method: string, path: string, body?: unknown): Promise<any> {
  const send = body !== undefined || method === 'POST';
  const response = await fetch(`${emulator.url}/_emulator${path}`, {
    method,
    headers: send ? { 'content-type': 'application/json' } : {},
    body: send ? JSON.stringify(body ?? {}) : undefined,
  });
  assert.ok(response.ok, `emulator hook ${method} ${path} answered ${response.status}`);
  return response.json();
}

const url = (path: string) => `http://worker.test${config.vars.LEADRELAY_BASE_PATH}${path}`;

function postLead(mf: Miniflare, key: string) {
  return mf.dispatchFetch(url('/leads'), {
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(buildLead()),
  });
}

test('the example wrangler.toml runs the example Worker with a D1 store and a Cron Trigger every minute', () => {
  assert.deepEqual(config.d1.map((db) => db.binding), ['LEADRELAY_DB']);
  assert.deepEqual(config.crons, ['* * * * *']);
  assert.ok(config.vars.LEADRELAY_BASE_PATH, 'a base path the widget points at');
  assert.deepEqual(config.compatibilityFlags, [], 'the proxy needs no nodejs_compat');
});

for (const compatibility of [AS_WRANGLER_TOML, WITH_NODEJS_COMPAT, OLD_DATE]) test(`compatibility ${compatibility.label}: a preflight as the isolate first request, then a lead: 201, one contact and one conversation`, async () => {
  await hook('POST', '/reset');
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-workerd-'));
  persistDirs.push(dir);
  // A lead that is not queued however slow this machine is: a healthy Intercom, 30 s to answer inline.
  const mf = startWorker(dir, { LEADRELAY_RECOVERY_WAIT_MS: '30000' }, compatibility);
  try {
    const preflight = await mf.dispatchFetch(url('/leads'), {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, idempotency-key' },
    });
    await preflight.arrayBuffer();
    assert.ok(preflight.status === 204 || preflight.status === 200, `preflight answered ${preflight.status}`);
    assert.equal(preflight.headers.get('access-control-allow-origin'), ORIGIN);

    const key = randomUUID();
    const response = await postLead(mf, key);
    const body = (await response.json()) as any;
    assert.equal(response.status, 201, JSON.stringify(body));
    assert.equal(typeof body.leadToken, 'string');
    assert.ok(!JSON.stringify(body).includes(ACCESS_TOKEN));
    const state = await hook('GET', '/state');
    assert.equal(state.contacts.length, 1);
    assert.equal(state.conversations.length, 1);
    assert.equal(state.contacts[0].custom_attributes.leadrelay_submission_id, submissionReference(SECRET, key));
  } finally {
    await mf.dispose();
  }
});

for (const compatibility of [AS_WRANGLER_TOML, WITH_NODEJS_COMPAT]) test(`compatibility ${compatibility.label}: Intercom failing: 202, kept in D1 across a runtime restart, delivered once by the scheduled handler after it recovers`, async () => {
  await hook('POST', '/reset');
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-workerd-'));
  persistDirs.push(dir);
  const key = randomUUID();

  const first = startWorker(dir, OUTAGE_WAITS, compatibility);
  try {
    await hook('POST', '/faults', { route: 'POST /contacts', status: 503 });
    const response = await postLead(first, key);
    const body = (await response.json()) as any;
    assert.equal(response.status, 202, JSON.stringify(body));
    // The immediate attempt (ctx.waitUntil) fails too and puts the item back: wait until no drain holds it.
    const db = await first.getD1Database(config.d1[0]!.binding);
    await waitUntil(async () => {
      const row = await db.prepare('SELECT lease_owner FROM queue_items').first<{ lease_owner: string | null }>();
      return row && row.lease_owner === null ? row : undefined;
    }, 'the queued item back in the queue, unleased', { timeoutMs: 60_000, intervalMs: 100 });
  } finally {
    await first.dispose();
  }
  assert.equal((await hook('GET', '/state')).contacts.length, 0, 'nothing was delivered while Intercom failed');
  await hook('DELETE', '/faults');

  const second = startWorker(dir, OUTAGE_WAITS, compatibility);
  try {
    const db = await second.getD1Database(config.d1[0]!.binding);
    const kept = await db.prepare('SELECT count(*) AS n FROM queue_items').first<{ n: number }>();
    assert.equal(kept?.n, 1, 'D1 kept the queued submission through the restart');

    // The Cron Trigger fires every minute in production; here it is fired until the item's backoff has passed.
    // Miniflare's Fetcher has scheduled() at run time; its types come from workers-types, which this project does not use.
    const worker = (await second.getWorker()) as unknown as { scheduled(options: { cron?: string }): Promise<unknown> };
    const state = await waitUntil(async () => {
      await worker.scheduled({ cron: config.crons[0] });
      const current = await hook('GET', '/state');
      return current.conversations.length > 0 ? current : undefined;
    }, 'delivery by the scheduled handler', { timeoutMs: 60_000, intervalMs: 100 });
    await worker.scheduled({ cron: config.crons[0] });
    const final = await hook('GET', '/state');
    assert.equal(final.contacts.length, 1, 'delivered once');
    assert.equal(final.conversations.length, 1);
    assert.equal(state.contacts[0].custom_attributes.leadrelay_submission_id, submissionReference(SECRET, key));
    const left = await db.prepare('SELECT count(*) AS n FROM queue_items').first<{ n: number }>();
    assert.equal(left?.n, 0, 'the delivered item left the queue');

    // The browser's retry with the same key gets the delivered lead's answer.
    const retry = await postLead(second, key);
    const retried = (await retry.json()) as any;
    assert.equal(retry.status, 201, JSON.stringify(retried));
    assert.equal((await hook('GET', '/state')).contacts.length, 1);
  } finally {
    await second.dispose();
  }
});

// The host the Hono Worker's default base URL names: the outbound service below answers it from the emulator.
const INTERCOM_HOST_ROUTED_TO_EMULATOR = 'api.intercom.io'; // answered by the emulator, never the network

test('createProxy at module scope in a Hono Worker (examples/cloudflare/hono-worker.ts): a health check first, then a lead: 201', async () => {
  await hook('POST', '/reset');
  const mf = new Miniflare({
    modules: [{ type: 'ESModule', path: 'hono-worker.mjs', contents: await bundleExampleWorker('hono-worker.ts') }],
    // The Hono example reads process.env at module scope: nodejs_compat and a date from 2025-04-01 fill it.
    compatibilityDate: WITH_NODEJS_COMPAT.date,
    compatibilityFlags: WITH_NODEJS_COMPAT.flags,
    bindings: { INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN, LEADRELAY_SECRET: SECRET },
    // Every outbound fetch of the Worker comes here: Intercom's host goes to the emulator, anything else is refused.
    outboundService: async (request) => {
      const target = new URL(request.url);
      if (target.hostname !== INTERCOM_HOST_ROUTED_TO_EMULATOR) return new MiniflareResponse('no network in tests', { status: 502 });
      const headers = new Headers(request.headers);
      for (const name of ['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']) headers.delete(name);
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
      const answer = await fetch(`${emulator.url}${target.pathname}${target.search}`, { method: request.method, headers, body });
      const answerHeaders = new Headers(answer.headers);
      for (const name of ['connection', 'keep-alive', 'content-encoding', 'content-length', 'transfer-encoding']) answerHeaders.delete(name);
      // Miniflare takes its own Response class here (a global one fails as a 500 inside the Worker).
      return new MiniflareResponse(await answer.arrayBuffer(), { status: answer.status, headers: [...answerHeaders] });
    },
  });
  try {
    // The example has no INTERCOM_BASE_URL: its Intercom calls are routed to the emulator by Miniflare's outbound hook.
    const health = await mf.dispatchFetch('http://worker.test/api/leadrelay/health');
    assert.equal(health.status, 200);
    await health.arrayBuffer();
    const response = await postLead(mf, randomUUID());
    const body = (await response.json()) as any;
    assert.equal(response.status, 201, JSON.stringify(body));
    const state = await hook('GET', '/state');
    assert.equal(state.contacts.length, 1);
    assert.equal(state.conversations.length, 1);
  } finally {
    await mf.dispose();
  }
});
