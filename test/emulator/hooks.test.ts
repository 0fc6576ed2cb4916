// The /_emulator/ hooks: state, request log, faults of every kind, rate-limit config and headers, reset.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, test } from 'node:test';
import { startEmulator } from '../../src/emulator/index.js';
import { DEFAULT_REQUEST_LOG_LIMIT, EmulatorState } from '../../src/emulator/state.js';
import { build, useEmulator } from './harness.js';

const emulator = useEmulator({ socket: true });
const contactCount = async () => (await emulator.hook('GET', '/state')).body.contacts.length;

describe('state and requests', () => {
  test('GET /_emulator/state shows contacts, conversations and visitors as the API returns them', async () => {
    const lead = (await emulator.api('POST', '/contacts', build.lead())).body;
    await emulator.api('POST', '/conversations', build.conversation(lead.id));
    await emulator.hook('POST', '/visitors', { name: 'Vis' });
    const state = await emulator.hook('GET', '/state');
    assert.deepEqual(state.body.contacts, [(await emulator.api('GET', `/contacts/${lead.id}`)).body]);
    assert.equal(state.body.conversations.length, 1);
    assert.equal(state.body.visitors.length, 1);
  });

  test('GET /_emulator/requests lists every API call in order with the authorization header redacted', async () => {
    await emulator.api('POST', '/contacts', build.lead({ name: 'Logged' }), { token: 'sekrit-token' });
    await emulator.api('GET', '/contacts/nope?x=1', undefined, { token: null });
    const { requests } = (await emulator.hook('GET', '/requests')).body;
    assert.equal(requests.length, 2);
    assert.equal(requests[0].method, 'POST');
    assert.equal(requests[0].path, '/contacts');
    assert.equal(requests[0].body.name, 'Logged');
    assert.equal(requests[0].status, 200);
    assert.equal(requests[0].headers.authorization, '[redacted]');
    assert.deepEqual(requests[1].query, { x: '1' });
    assert.equal(requests[1].status, 401);
    assert.ok(!JSON.stringify(requests).includes('sekrit-token'));
  });

  test('POST /_emulator/reset forgets contacts, requests, faults and config', async () => {
    await emulator.api('POST', '/contacts', build.lead());
    await emulator.hook('POST', '/faults', { route: 'POST /contacts', status: 500 });
    await emulator.hook('POST', '/config', { rateLimit: { limit: 6, windowSeconds: 60 } });
    await emulator.hook('POST', '/reset');
    assert.equal(await contactCount(), 0);
    assert.equal((await emulator.hook('GET', '/requests')).body.requests.length, 0);
    const after = await emulator.api('POST', '/contacts', build.lead());
    assert.equal(after.status, 200);
    assert.equal(after.headers.get('x-ratelimit-limit'), '1666');
  });
});

describe('request log cap', () => {
  test('the request log keeps the newest requestLogLimit requests and counts the dropped ones', async () => {
    await emulator.hook('POST', '/config', { requestLogLimit: 3 });
    for (let index = 0; index < 5; index++) await emulator.api('GET', `/contacts/nope?n=${index}`);
    const { requests, dropped } = (await emulator.hook('GET', '/requests')).body;
    assert.deepEqual(requests.map((request: { query: { n: string } }) => request.query.n), ['2', '3', '4']);
    assert.equal(dropped, 2);
  });

  test('lowering the limit trims the log at once, and a reset restores the start value', async () => {
    for (let index = 0; index < 4; index++) await emulator.api('GET', '/data_attributes');
    await emulator.hook('POST', '/config', { requestLogLimit: 1 });
    assert.equal((await emulator.hook('GET', '/requests')).body.requests.length, 1);
    await emulator.hook('POST', '/reset');
    for (let index = 0; index < 4; index++) await emulator.api('GET', '/data_attributes');
    const after = (await emulator.hook('GET', '/requests')).body;
    assert.equal(after.requests.length, 4);
    assert.equal(after.dropped, 0);
  });

  test('a requestLogLimit that is not a positive whole number is refused with 400', async () => {
    for (const requestLogLimit of [0, -1, 1.5, 'many']) {
      const answer = await emulator.hook('POST', '/config', { requestLogLimit });
      assert.equal(answer.status, 400, String(requestLogLimit));
      assert.equal(answer.body.error.code, 'invalid_config');
    }
  });

  test('the default cap holds a long-running emulator to DEFAULT_REQUEST_LOG_LIMIT entries', () => {
    const state = new EmulatorState();
    const entry = { method: 'GET', path: '/x', query: {}, headers: {}, body: undefined, status: 200, at: '' };
    for (let index = 0; index < DEFAULT_REQUEST_LOG_LIMIT + 25; index++) state.logRequest({ ...entry, path: `/x/${index}` });
    assert.equal(state.requests.length, DEFAULT_REQUEST_LOG_LIMIT);
    assert.equal(state.requests[0]!.path, '/x/25');
    assert.equal(state.requestsDropped, 25);
  });
});

describe('faults', () => {
  test('a status fault answers the error without making the change', async () => {
    await emulator.hook('POST', '/faults', { route: 'POST /contacts', status: 503 });
    const answer = await emulator.api('POST', '/contacts', build.lead());
    assert.equal(answer.status, 503);
    assert.equal(answer.body.errors[0].code, 'service_unavailable');
    assert.equal(await contactCount(), 0);
  });

  test('times limits how many calls a fault applies to', async () => {
    await emulator.hook('POST', '/faults', { route: 'POST /contacts', status: 500, times: 2 });
    const statuses = [];
    for (let index = 0; index < 3; index++) statuses.push((await emulator.api('POST', '/contacts', build.lead())).status);
    assert.deepEqual(statuses, [500, 500, 200]);
  });

  test('rate 0 never fires and rate 1 always does', async () => {
    await emulator.hook('POST', '/faults', [{ route: 'GET /data_attributes', status: 500, rate: 0 }]);
    assert.equal((await emulator.api('GET', '/data_attributes')).status, 200);
    await emulator.hook('POST', '/faults', { route: 'GET /data_attributes', status: 502, rate: 1 });
    assert.equal((await emulator.api('GET', '/data_attributes')).status, 502);
  });

  test('a fractional rate fails some calls and passes others', async () => {
    await emulator.hook('POST', '/faults', { route: 'GET /data_attributes', status: 500, rate: 0.5 });
    const statuses = new Set<number>();
    for (let index = 0; index < 200 && statuses.size < 2; index++) statuses.add((await emulator.api('GET', '/data_attributes')).status);
    assert.deepEqual([...statuses].sort(), [200, 500]);
  });

  test('afterCommit makes the change and then answers the error', async () => {
    await emulator.hook('POST', '/faults', { route: 'POST /contacts', status: 500, afterCommit: true, times: 1 });
    const answer = await emulator.api('POST', '/contacts', build.lead());
    assert.equal(answer.status, 500);
    assert.equal(await contactCount(), 1);
  });

  test('a route with {id} matches any id, and "*" matches every route', async () => {
    const lead = (await emulator.api('POST', '/contacts', build.lead())).body;
    await emulator.hook('POST', '/faults', { route: 'GET /contacts/{id}', status: 404, times: 1 });
    assert.equal((await emulator.api('GET', `/contacts/${lead.id}`)).status, 404);
    await emulator.hook('POST', '/faults', { route: '*', status: 429, times: 1 });
    const throttled = await emulator.api('GET', `/conversations/1`);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.body.errors[0].code, 'rate_limit_exceeded');
    assert.equal(throttled.headers.get('x-ratelimit-remaining'), '0');
  });

  test('drop destroys the connection without an answer', async () => {
    await emulator.hook('POST', '/faults', { route: 'POST /contacts', drop: true, times: 1 });
    await assert.rejects(fetch(`${emulator.url}/contacts`, { method: 'POST', headers: { Authorization: 'Bearer t' }, body: '{"role":"lead"}' }), TypeError);
    assert.equal(await contactCount(), 0);
    const { requests } = (await emulator.hook('GET', '/requests')).body;
    assert.equal(requests[0].status, null);
  });

  test('drop with afterCommit creates the contact and still cuts the connection', async () => {
    await emulator.hook('POST', '/faults', { route: 'POST /contacts', drop: true, afterCommit: true, times: 1 });
    await assert.rejects(fetch(`${emulator.url}/contacts`, { method: 'POST', headers: { Authorization: 'Bearer t' }, body: '{"role":"lead"}' }));
    assert.equal(await contactCount(), 1);
  });

  test('delayMs holds the answer back until the client gives up', async () => {
    await emulator.hook('POST', '/faults', { route: 'POST /contacts', delayMs: 5_000, times: 1 });
    const call = fetch(`${emulator.url}/contacts`, {
      method: 'POST',
      headers: { Authorization: 'Bearer t' },
      body: '{"role":"lead"}',
      signal: AbortSignal.timeout(100),
    });
    await assert.rejects(call, { name: 'TimeoutError' });
    assert.equal(await contactCount(), 0);
  });

  test('DELETE /_emulator/faults removes every fault', async () => {
    await emulator.hook('POST', '/faults', { route: '*', status: 500 });
    await emulator.hook('DELETE', '/faults');
    assert.equal((await emulator.api('POST', '/contacts', build.lead())).status, 200);
  });

  test('an invalid fault is refused with 400 and nothing is added', async () => {
    const answer = await emulator.hook('POST', '/faults', [{ route: 'POST /contacts', status: 503 }, { route: 'nonsense' }]);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'invalid_fault');
    assert.equal((await emulator.api('POST', '/contacts', build.lead())).status, 200);
  });
});

describe('rate limit', () => {
  test('every API answer carries X-RateLimit-Limit, -Remaining and -Reset, errors included', async () => {
    const ok = await emulator.api('POST', '/contacts', build.lead());
    const refused = await emulator.api('POST', '/contacts', build.lead(), { token: null });
    const missing = await emulator.api('GET', '/contacts/000000000000000000000000');
    for (const answer of [ok, refused, missing]) {
      assert.match(answer.headers.get('x-ratelimit-limit') ?? '', /^\d+$/);
      assert.match(answer.headers.get('x-ratelimit-remaining') ?? '', /^\d+$/);
      assert.ok(Number(answer.headers.get('x-ratelimit-reset')) >= Math.floor(Date.now() / 1000));
    }
  });

  test('past the 10-second slice of the configured limit the answer is 429 rate_limit_exceeded', async (t) => {
    // Freeze the clock inside one slice so that no slice boundary falls inside the loop.
    t.mock.timers.enable({ apis: ['Date'], now: 1_800_000_003_000 });
    // 60 per 60 s is enforced as 10 per 10-second slice.
    await emulator.hook('POST', '/config', { rateLimit: { limit: 60, windowSeconds: 60 } });
    const answers = [];
    for (let index = 0; index < 12; index++) answers.push(await emulator.api('GET', '/data_attributes'));
    assert.deepEqual(answers.map((answer) => answer.status), [...Array(10).fill(200), 429, 429]);
    assert.deepEqual(answers.map((answer) => Number(answer.headers.get('x-ratelimit-remaining'))), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0]);
    assert.equal(answers[0]!.headers.get('x-ratelimit-limit'), '10');
    assert.equal(answers[10]!.headers.get('x-ratelimit-reset'), '1800000010');
    assert.equal(answers[10]!.body.errors[0].code, 'rate_limit_exceeded');
    // The next slice refills the budget.
    t.mock.timers.setTime(1_800_000_010_000);
    assert.equal((await emulator.api('GET', '/data_attributes')).status, 200);
  });

  test('an invalid config is refused with 400', async () => {
    const answer = await emulator.hook('POST', '/config', { rateLimit: { limit: -1, windowSeconds: 60 } });
    assert.equal(answer.status, 400);
  });
});

/** A raw HTTP request, so the Host and Origin headers are exactly what a browser under attack would send. */
function raw(url: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const call = httpRequest(`${url}${path}`, { method, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    call.on('error', reject);
    call.end(body);
  });
}

describe('a web page the developer opens cannot drive the hooks', () => {
  const hostOf = () => new URL(emulator.url).host;

  test('a cross-site text/plain POST (no preflight) cannot reset, reconfigure or add faults: 415', async () => {
    await emulator.api('POST', '/contacts', build.lead());
    for (const [path, body] of [['/reset', ''], ['/config', '{"searchLagMs":60000}'], ['/faults', '{"route":"*","status":500}'], ['/visitors', '{}']] as const) {
      const sent = await raw(emulator.url, 'POST', `/_emulator${path}`, { host: hostOf(), 'content-type': 'text/plain;charset=UTF-8' }, body);
      assert.equal(sent.status, 415, path);
      assert.equal(sent.body.error.code, 'unsupported_media_type');
      const form = await raw(emulator.url, 'POST', `/_emulator${path}`, { host: hostOf(), 'content-type': 'application/x-www-form-urlencoded' }, body);
      assert.equal(form.status, 415, path);
    }
    const bare = await raw(emulator.url, 'POST', '/_emulator/reset', { host: hostOf() });
    assert.equal(bare.status, 415, 'a POST with no content type at all');
    assert.equal(await contactCount(), 1, 'nothing was reset');
    assert.equal((await emulator.hook('GET', '/faults')).body.faults.length, 0, 'no fault was added');
  });

  test('a foreign Origin is refused (403 origin_not_allowed), even with a JSON body, and for reading the state', async () => {
    await emulator.api('POST', '/contacts', build.lead());
    for (const origin of ['https://evil.example', 'http://localhost:1', 'null', `https://${hostOf()}`]) {
      const reset = await raw(emulator.url, 'POST', '/_emulator/reset', { host: hostOf(), origin, 'content-type': 'application/json' }, '{}');
      assert.equal(reset.status, 403, origin);
      assert.equal(reset.body.error.code, 'origin_not_allowed');
      const state = await raw(emulator.url, 'GET', '/_emulator/state', { host: hostOf(), origin });
      assert.equal(state.status, 403, origin);
    }
    assert.equal(await contactCount(), 1, 'nothing was reset');
    const own = await raw(emulator.url, 'GET', '/_emulator/state', { host: hostOf(), origin: `http://${hostOf()}` });
    assert.equal(own.status, 200, 'its own origin is served');
  });

  test('DNS rebinding: a Host other than loopback or the bound address is refused, on the hooks and the API', async () => {
    const port = new URL(emulator.url).port;
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`, `localhost:${Number(port) + 1}`]) {
      const state = await raw(emulator.url, 'GET', '/_emulator/state', { host });
      assert.equal(state.status, 403, host);
      assert.equal(state.body.error.code, 'host_not_allowed');
      const reset = await raw(emulator.url, 'POST', '/_emulator/reset', { host, origin: `http://${host}`, 'content-type': 'application/json' }, '{}');
      assert.equal(reset.status, 403, host);
      const contacts = await raw(emulator.url, 'GET', '/contacts', { host, authorization: 'Bearer any' });
      assert.equal(contacts.status, 403, host);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      assert.equal((await raw(emulator.url, 'GET', '/_emulator/state', { host })).status, 200, host);
      const reset = await raw(emulator.url, 'POST', '/_emulator/reset', { host, origin: `http://${host}`, 'content-type': 'application/json; charset=utf-8' }, '');
      assert.equal(reset.status, 200, host);
    }
  });

  test('an emulator bound to every interface answers its addresses, and names listed in allowedHosts', async () => {
    const running = await startEmulator({ port: 0, host: '0.0.0.0', allowedHosts: ['emulator', 'intercom.internal:8790'] });
    try {
      const url = `http://127.0.0.1:${running.port}`;
      assert.equal((await raw(url, 'GET', '/_emulator/state', { host: `emulator:${running.port}` })).status, 200);
      assert.equal((await raw(url, 'GET', '/_emulator/state', { host: `127.0.0.1:${running.port}` })).status, 200);
      assert.equal((await raw(url, 'GET', '/_emulator/state', { host: `intercom.internal:${running.port}` })).status, 403, 'listed for another port');
      assert.equal((await raw(url, 'GET', '/_emulator/state', { host: `evil.example:${running.port}` })).status, 403);
    } finally {
      await running.close();
    }
  });
});
