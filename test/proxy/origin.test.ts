// The origin guard as a misconfigured site and an attacker meet it: readable refusals that create nothing, the start-up
// warning, a bounded refusal log, DNS rebinding (Host header) refused, and the public origin behind a TLS proxy.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createProxy } from '../../src/proxy/app.js';
import type { ServeOptions } from '../../src/proxy/node.js';
import { refusalLog } from '../../src/proxy/guards/origin.js';
import { ACCESS_TOKEN, SECRET, apiCalls, buildLead, startStack, type Stack } from './harness.js';

const ALLOWED = 'https://shop.example';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
}

/** A request with headers fetch() will not send as given (Host), over real HTTP to the stack's proxy. */
function rawRequest(stack: Stack, path: string, method: string, headers: Record<string, string>, body?: unknown): Promise<RawAnswer> {
  const url = new URL(stack.proxy.url + path);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        headers: payload ? { 'content-type': 'application/json', 'idempotency-key': randomUUID(), ...headers } : headers,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('a page on an origin that is not allowed', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ origins: { allowed: [ALLOWED] } });
  });
  beforeEach(async () => {
    await stack.reset();
    stack.logs.length = 0;
  });
  after(() => stack.close());

  test('its preflight is answered 204 with CORS headers, so the browser goes on to send the POST', async () => {
    const response = await stack.send('/leads', {
      method: 'OPTIONS',
      headers: { origin: 'https://misconfigured.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, idempotency-key' },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers['access-control-allow-origin'], 'https://misconfigured.example');
    assert.match(response.headers['access-control-allow-headers'] ?? '', /idempotency-key/);
  });

  test('its POST is refused 403 origin_not_allowed with CORS headers the page can read, and reaches no Intercom', async () => {
    const response = await stack.post('/leads', buildLead(), { headers: { origin: 'https://misconfigured.example' } });
    assert.equal(response.status, 403);
    assert.equal(response.json.error.code, 'origin_not_allowed');
    assert.match(response.json.error.message, /LEADRELAY_ALLOWED_ORIGINS/);
    assert.equal(response.headers['access-control-allow-origin'], 'https://misconfigured.example');
    assert.deepEqual(apiCalls(await stack.emulatorRequests()), []);
  });

  test('an attacker page gets nothing created on any route, whatever the origin spelling, though the preflight of any origin a browser can send passes', async () => {
    const origins = ['https://evil.example', 'null', 'https://shop.example.evil.example', 'http://shop.example', 'https://shop.example:8443', 'https://SHOP.EXAMPLE', 'https://shop.example/'];
    // No browser writes an origin in upper case or with a path: those are refused even at the preflight.
    const malformed = new Set(['https://SHOP.EXAMPLE', 'https://shop.example/']);
    const routes: [string, unknown][] = [
      ['/leads', buildLead()],
      ['/messages', { leadToken: 'x'.repeat(40), body: 'hi' }],
      ['/convert', { identity: { userId: 'victim-1' } }],
    ];
    for (const origin of origins) {
      for (const [path, body] of routes) {
        const preflight = await rawRequest(stack, path, 'OPTIONS', { origin, 'access-control-request-method': 'POST' });
        assert.equal(preflight.status, malformed.has(origin) ? 403 : 204, `${origin} preflight ${path}`);
        const refused = await rawRequest(stack, path, 'POST', { origin }, body);
        assert.equal(refused.status, 403, `${origin} POST ${path}`);
        assert.equal(refused.json.error.code, 'origin_not_allowed');
      }
    }
    assert.deepEqual(apiCalls(await stack.emulatorRequests()), [], 'no refused request reached Intercom');
    assert.deepEqual((await stack.emulatorState()).contacts, []);
  });

  test('the allowed origin is still served, with CORS headers', async () => {
    const response = await stack.post('/leads', buildLead(), { headers: { origin: ALLOWED } });
    assert.equal(response.status, 201);
    assert.equal(response.headers['access-control-allow-origin'], ALLOWED);
  });

  test('refused origins are logged once per origin per minute, naming the origin and the setting to change', async () => {
    for (let i = 0; i < 5; i += 1) await stack.post('/leads', buildLead(), { headers: { origin: 'https://one.example' } });
    await stack.post('/leads', buildLead(), { headers: { origin: 'https://two.example' } });
    const refusals = stack.logs.filter((line) => line.event === 'origin_refused');
    assert.deepEqual(refusals.map((line) => line.origin), ['https://one.example', 'https://two.example']);
    assert.match(String(refusals[0]!.hint), /LEADRELAY_ALLOWED_ORIGINS/);
  });
});

describe('the refusal log', () => {
  test('logs an origin again only after a minute has passed', () => {
    let now = 0;
    const lines: Record<string, unknown>[] = [];
    const log = refusalLog((line) => lines.push(line), () => now);
    log('https://a.example');
    now = 59_999;
    log('https://a.example');
    now = 60_000;
    log('https://a.example');
    assert.equal(lines.length, 2);
  });

  test('remembers a bounded number of origins: a flood of new ones writes a bounded number of lines a minute', () => {
    let now = 0;
    const lines: Record<string, unknown>[] = [];
    const log = refusalLog((line) => lines.push(line), () => now);
    for (let i = 0; i < 10_000; i += 1) log(`https://flood-${i}.example`);
    assert.equal(lines.length, 256);
    now = 60_000;
    log('https://after-a-minute.example');
    assert.equal(lines.length, 257, 'after the window, new origins are logged again');
    assert.equal(String(lines.at(-1)!.origin), 'https://after-a-minute.example');
  });

  test('cuts an overlong origin in its line', () => {
    const lines: Record<string, unknown>[] = [];
    refusalLog((line) => lines.push(line))(`https://${'x'.repeat(5000)}.example`);
    assert.equal(String(lines[0]!.origin).length, 200);
  });
});

describe('the start-up warning', () => {
  const start = async (options: { allowed?: string[]; publicUrl?: string }) => {
    const lines: Record<string, unknown>[] = [];
    const proxy = createProxy({ intercom: { accessToken: ACCESS_TOKEN }, secret: SECRET, testing: { setupDataAttributes: false, queuePollMs: 0 }, logger: (line) => lines.push(line), origins: options });
    await proxy.close();
    return lines.filter((line) => line.event === 'no_allowed_origins');
  };

  test('warns once when no origin is allowed, and names the public origin when one is set', async () => {
    const bare = await start({});
    assert.equal(bare.length, 1);
    assert.match(String(bare[0]!.warning), /LEADRELAY_ALLOWED_ORIGINS is empty/);
    const withPublic = await start({ publicUrl: 'https://www.example.com/api/leadrelay' });
    assert.match(String(withPublic[0]!.warning), /only pages on https:\/\/www\.example\.com can send/);
  });

  test('says nothing when an origin is allowed', async () => {
    assert.deepEqual(await start({ allowed: [ALLOWED] }), []);
  });

  test('refuses a publicUrl that is not an http(s) URL', () => {
    assert.throws(() => createProxy({ intercom: { accessToken: ACCESS_TOKEN }, secret: SECRET, origins: { publicUrl: 'www.example.com' } }), /publicUrl/);
  });
});

describe('DNS rebinding: the Host header never makes an origin allowed', () => {
  const setups: [string, Partial<ServeOptions>][] = [
    ['with no configuration', {}],
    ['with a public URL', { origins: { publicUrl: 'https://www.example.com' } }],
    ['with an allowed list', { origins: { allowed: [ALLOWED] } }],
    ['with trustProxy', { clients: { trustProxy: true } }],
  ];
  for (const [label, options] of setups) {
    test(`Origin http://evil.example with Host evil.example is refused without CORS headers and creates nothing (${label})`, async () => {
      const stack = await startStack(options);
      try {
        const headers = { origin: 'http://evil.example', host: 'evil.example' };
        const refused = await rawRequest(stack, '/leads', 'POST', headers, buildLead());
        assert.equal(refused.status, 403);
        assert.equal(refused.json.error.code, 'origin_not_allowed');
        assert.equal(refused.headers['access-control-allow-origin'], undefined);
        const forwarded = await rawRequest(stack, '/leads', 'POST', { ...headers, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' }, buildLead());
        assert.equal(forwarded.status, 403);
        const shouted = await rawRequest(stack, '/leads', 'POST', { ...headers, host: 'EVIL.example' }, buildLead());
        assert.equal(shouted.status, 403);
        assert.equal(shouted.headers['access-control-allow-origin'], undefined);
        assert.deepEqual(apiCalls(await stack.emulatorRequests()), []);
      } finally {
        await stack.close();
      }
    });
  }

  test('without a public URL, a page opened at the proxy\'s own IP address is same-origin and served', async () => {
    const stack = await startStack({});
    try {
      const own = new URL(stack.proxy.url).origin;
      assert.equal((await stack.post('/leads', buildLead(), { headers: { origin: own } })).status, 201);
    } finally {
      await stack.close();
    }
  });
});

describe('behind a TLS-terminating reverse proxy', () => {
  test('with publicUrl, the https page on the public host is same-origin though the proxy is reached over http', async () => {
    const stack = await startStack({ origins: { publicUrl: 'https://www.example.com/api/leadrelay' }, clients: { trustProxy: true } });
    try {
      const internal = { host: 'www.example.com', 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.7' };
      const served = await rawRequest(stack, '/leads', 'POST', { ...internal, origin: 'https://www.example.com' }, buildLead());
      assert.equal(served.status, 201);
      assert.equal(served.headers['access-control-allow-origin'], 'https://www.example.com');
      const plain = await rawRequest(stack, '/leads', 'POST', { ...internal, origin: 'http://www.example.com' }, buildLead());
      assert.equal(plain.status, 403, 'the internal http:// origin is not the public one');
      const ownAddress = await stack.post('/leads', buildLead(), { headers: { origin: new URL(stack.proxy.url).origin } });
      assert.equal(ownAddress.status, 403, 'with publicUrl set, only its origin is the proxy\'s own');
    } finally {
      await stack.close();
    }
  });

  test('with trustProxy, X-Forwarded-Proto https makes the https page at the proxy\'s address same-origin; without it, not', async () => {
    for (const trustProxy of [true, false]) {
      const stack = await startStack({ clients: { trustProxy } });
      try {
        const host = new URL(stack.proxy.url).host;
        const answer = await rawRequest(stack, '/leads', 'POST', { origin: `https://${host}`, 'x-forwarded-proto': 'https' }, buildLead());
        assert.equal(answer.status, trustProxy ? 201 : 403, `trustProxy ${trustProxy}`);
      } finally {
        await stack.close();
      }
    }
  });
});
