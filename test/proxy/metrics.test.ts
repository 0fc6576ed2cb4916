// GET /metrics: off without a token, refused to anyone without the bearer token, and the figures once allowed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createProxy } from '../../src/proxy/app.js';
import { endpointTemplate, OTHER_ENDPOINT, ProxyMetrics } from '../../src/proxy/metrics.js';
import { MemoryStore } from '../../src/proxy/store/index.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { ACCESS_TOKEN, SECRET, buildLead, startInProcessStack, type Stack } from './harness.js';

const METRICS_TOKEN = `metrics-${randomUUID()}`;
const dataDir = mkdtempSync(join(tmpdir(), 'leadrelay-metrics-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics with LEADRELAY_METRICS_TOKEN set', () => {
  let stack: Stack;
  let store: SqliteStore;
  before(async () => {
    store = await SqliteStore.open({ path: join(dataDir, 'metrics.db') });
    // The answer budget at the product's default: shorter, a first lead slowed by a loaded machine is answered 202.
    stack = await startInProcessStack({ metrics: { token: METRICS_TOKEN }, store, delivery: { recoveryWaitMs: 1_500 }, testing: { queuePollMs: 0 } });
  });
  after(async () => {
    await stack.close();
    await store.close();
  });

  const scrape = (headers: Record<string, string> = {}, query = '') => stack.send(`/metrics${query}`, { headers });

  test('an attacker without the token, with a wrong one, or with it in the query string gets 401 and no figures', async () => {
    const attempts = [
      await scrape(),
      await scrape({ authorization: 'Bearer wrong-token' }),
      await scrape({ authorization: `Bearer ${METRICS_TOKEN}x` }),
      await scrape({ authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` }),
      await scrape({ authorization: `Basic ${Buffer.from(`user:${METRICS_TOKEN}`).toString('base64')}` }),
      await scrape({}, `?token=${METRICS_TOKEN}`),
      await scrape({}, `?access_token=${METRICS_TOKEN}`),
      await scrape({ cookie: `token=${METRICS_TOKEN}` }),
    ];
    for (const answer of attempts) {
      assert.equal(answer.status, 401);
      assert.equal(answer.json.error.code, 'identity_unverified');
      assert.match(answer.headers['www-authenticate'] ?? '', /^Bearer/);
      assert.ok(!answer.text.includes('leadrelay_'), 'no metric in the answer');
      assert.ok(!answer.text.includes(METRICS_TOKEN), 'the token is not echoed');
    }
  });

  test('with the bearer token: submissions by outcome, Intercom calls and latency, rate budget, queue depth, age and dead letters', async () => {
    const key = randomUUID();
    assert.equal((await stack.post('/leads', buildLead(), { key })).status, 201);
    assert.equal((await stack.post('/leads', buildLead(), { key })).status, 201, 'a replay');
    assert.equal((await stack.post('/leads', { ...buildLead(), email: 'not-an-email' })).status, 400);
    await stack.addFault({ route: 'POST /contacts', status: 503 });
    assert.equal((await stack.post('/leads', buildLead())).status, 202, 'queued (the drain loop is off here)');

    const answer = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
    assert.equal(answer.status, 200);
    assert.match(answer.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
    const text = answer.text;
    assert.equal(sample(text, 'leadrelay_submissions_total{outcome="created",code=""}'), 1);
    assert.equal(sample(text, 'leadrelay_submissions_total{outcome="replayed",code=""}'), 1);
    assert.equal(sample(text, 'leadrelay_submissions_total{outcome="refused",code="invalid_field"}'), 1);
    assert.equal(sample(text, 'leadrelay_submissions_total{outcome="queued",code=""}'), 1);
    assert.ok(sample(text, 'leadrelay_intercom_calls_total{endpoint="POST /contacts",status="200"}')! >= 1);
    assert.ok(sample(text, 'leadrelay_intercom_calls_total{endpoint="POST /contacts",status="503"}')! >= 1);
    assert.ok(sample(text, 'leadrelay_intercom_call_duration_seconds_count{endpoint="POST /conversations",status="200"}')! >= 1);
    assert.match(text, /leadrelay_intercom_call_duration_seconds_bucket\{le="0\.1",endpoint="POST \/contacts",status="200"\} \d+/);
    assert.ok(sample(text, 'leadrelay_intercom_rate_remaining')! > 0, 'the remaining rate budget is known after a call');
    assert.ok(sample(text, 'leadrelay_intercom_rate_limit')! > 0);
    assert.equal(sample(text, 'leadrelay_queue_items{state="waiting"}')! + sample(text, 'leadrelay_queue_items{state="retrying"}')!, 1);
    assert.equal(sample(text, 'leadrelay_queue_items{state="dead"}'), 0);
    assert.ok(sample(text, 'leadrelay_queue_oldest_age_seconds')! >= 0);
    assert.ok(!text.includes(ACCESS_TOKEN) && !text.includes(METRICS_TOKEN) && !text.includes('ada@example.com'));
  });

  test('contact ids never become label values (one series per endpoint, not per contact)', async () => {
    const text = (await scrape({ authorization: `Bearer ${METRICS_TOKEN}` })).text;
    assert.doesNotMatch(text, /endpoint="[^"]*[0-9a-f]{24}/);
  });
});

describe('GET /metrics without a token configured', () => {
  test('is a 404 like any unknown path, whatever the request carries', async () => {
    const proxy = createProxy({ intercom: { accessToken: ACCESS_TOKEN }, secret: SECRET, testing: { setupDataAttributes: false, queuePollMs: 0 } });
    try {
      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer anything' }];
      for (const headers of attempts) {
        const answer = await proxy.fetch(new Request('http://proxy.test/metrics', { headers }));
        assert.equal(answer.status, 404);
        assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'not_found');
      }
    } finally {
      await proxy.close();
    }
  });

  test('two proxies in one process keep separate figures (a registry each, not the global one)', async () => {
    const make = () => createProxy({ intercom: { accessToken: ACCESS_TOKEN }, secret: SECRET, metrics: { token: METRICS_TOKEN }, testing: { setupDataAttributes: false, queuePollMs: 0 } });
    const [first, second] = [make(), make()];
    try {
      await first.fetch(new Request('http://proxy.test/nowhere'));
      const scrapeOf = async (proxy: typeof first) =>
        (await proxy.fetch(new Request('http://proxy.test/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }))).text();
      assert.equal(sample(await scrapeOf(first), 'leadrelay_requests_total{route="unmatched",status="404"}'), 1);
      assert.equal(sample(await scrapeOf(second), 'leadrelay_requests_total{route="unmatched",status="404"}'), undefined);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('Intercom endpoint labels', () => {
  test('are route templates: no id, external id or email of a path reaches a label, and the query is dropped', () => {
    const cases: [string, string, string][] = [
      ['GET', '/contacts/find_by_external_id/jane.doe%40corp.example', 'GET /contacts/find_by_external_id/{id}'],
      ['GET', '/contacts/find_by_external_id/search', 'GET /contacts/find_by_external_id/{id}'],
      ['GET', '/contacts/6650a1b2c3d4e5f6a7b8c9d0', 'GET /contacts/{id}'],
      ['GET', '/contacts/search', 'GET /contacts/{id}'],
      ['POST', '/contacts/search', 'POST /contacts/search'],
      ['PUT', '/contacts/u-jane', 'PUT /contacts/{id}'],
      ['POST', '/conversations/123/reply', 'POST /conversations/{id}/reply'],
      ['GET', '/data_attributes?model=contact', 'GET /data_attributes'],
      ['post', '/contacts', 'POST /contacts'],
      ['DELETE', '/contacts/jane%40corp.example', OTHER_ENDPOINT],
      ['GET', '/contacts/jane/notes', OTHER_ENDPOINT],
      ['GET', '/jane%40corp.example', OTHER_ENDPOINT],
    ];
    for (const [method, path, label] of cases) assert.equal(endpointTemplate(method, path), label, `${method} ${path}`);
  });

  test('every Intercom call in src/proxy has its template (a new call without one would be labelled "other")', () => {
    const calls: string[] = [];
    const files = readdirSync('src/proxy', { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    for (const file of files) {
      const source = readFileSync(join('src/proxy', file), 'utf8');
      // `.request<T>('GET', `/contacts/${encodeURIComponent(id)}`, …)`, the path on the same or the next line.
      for (const match of source.matchAll(/\.request(?:<[^(]*?>)?\(\s*'(GET|POST|PUT|PATCH|DELETE)',\s*(['`])(\/[^'`]*)\2/g)) {
        const path = match[3]!.replace(/\$\{[^}]*\}/g, 'jane.doe%40corp.example');
        calls.push(`${match[1]} ${path}`);
        assert.notEqual(endpointTemplate(match[1]!, path), OTHER_ENDPOINT, `${file}: ${match[1]} ${match[3]} has no entry in INTERCOM_ENDPOINTS`);
      }
    }
    // The scan found the calls it is meant to check (lead delivery, recovery, sign-in, follow-ups, set-up).
    assert.ok(calls.length >= 16, calls.join('\n'));
    for (const endpoint of ['POST /contacts', 'POST /conversations/jane.doe%40corp.example/reply', 'GET /contacts/find_by_external_id/jane.doe%40corp.example']) {
      assert.ok(calls.includes(endpoint), `found ${endpoint}`);
    }
  });
});

test('prom-client is a server-only dependency: the browser entries never import it, nor anything under src/proxy', async () => {
  const { build } = await import('esbuild');
  // The npm entry (`leadrelay`) and the classic script's entry, bundled for the browser as rollup.config.mjs does.
  const result = await build({
    entryPoints: ['src/index.ts', 'src/widget/script-tag.ts'],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'browser',
    outdir: 'out',
    splitting: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile!.inputs);
  assert.ok(inputs.some((input) => input.includes('src/widget/')), 'the widget was bundled');
  for (const input of inputs) {
    assert.doesNotMatch(input, /prom-client|src\/proxy\/|src\/emulator\//, input);
  }
});

test('a refusal code or status outside the fixed sets is labelled other, never by its value', async () => {
  const metrics = new ProxyMetrics({ store: new MemoryStore(), queue: 'leads', intercom: { rateLimit: { remaining: undefined, limit: undefined } as never }, setupDone: () => true });
  metrics.observeRequest({ method: 'POST', route: '/leads', status: 400, code: 'jane.doe@corp.example' });
  metrics.observeRequest({ method: 'POST', route: '/leads', status: 999 });
  metrics.observeIntercomCall({ method: 'GET', path: '/contacts/abc', status: 1234, seconds: 0.01 });
  const text = await metrics.render();
  assert.doesNotMatch(text, /jane\.doe/);
  assert.doesNotMatch(text, /status="(999|1234)"/);
  assert.match(text, /leadrelay_submissions_total\{outcome="refused",code="other"\} 2/);
  assert.match(text, /leadrelay_requests_total\{route="\/leads",status="other"\} 1/);
  assert.match(text, /leadrelay_intercom_calls_total\{endpoint="GET \/contacts\/\{id\}",status="other"\} 1/);
});
