// A metrics token on Workers: prom-client needs Node built-ins and is never in the Worker's bundle, so GET /metrics
// cannot be served there. It must say so (501 metrics_unavailable, naming the setting and the runtimes that have
// metrics), never answer 500, and the rest of the proxy must work as without the token.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Miniflare } from 'miniflare';
import { buildLead } from '../proxy/harness.js';
import { startExampleWorker, type RunningExampleWorker } from './worker-build.js';

const METRICS_TOKEN = 'metrics-token-for-the-workers-test-0123456789';
let worker: RunningExampleWorker;
let mf: Miniflare;

before(async () => {
  worker = await startExampleWorker({ LEADRELAY_METRICS_TOKEN: METRICS_TOKEN });
  mf = worker.mf;
});
after(() => worker.close());

const url = (path: string) => worker.url(path);

test('GET /metrics with the token answers 501 metrics_unavailable naming the setting and the runtimes, not 500', async () => {
  const response = await mf.dispatchFetch(url('/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const body = (await response.json()) as { error?: { code?: string; message?: string } };
  assert.equal(response.status, 501, JSON.stringify(body));
  assert.equal(body.error?.code, 'metrics_unavailable');
  assert.match(body.error?.message ?? '', /LEADRELAY_METRICS_TOKEN/);
  assert.match(body.error?.message ?? '', /Node, Deno or Bun/);
  assert.doesNotMatch(body.error?.message ?? '', new RegExp(METRICS_TOKEN));
});

test('with the token set, leads still work on Workers', async () => {
  const response = await mf.dispatchFetch(url('/leads'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify(buildLead({ email: `metrics-${randomUUID()}@example.com` })),
  });
  assert.equal(response.status, 201, await response.text());
});
