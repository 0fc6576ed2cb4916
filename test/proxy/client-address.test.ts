// The client's address wherever the proxy is mounted: the README's Hono mount gives each visitor their own limit,
// a mount that hides the address says so once and never makes one shared bucket, and each runtime's connection info.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { startExample, type RunningExample } from '../../examples/hono.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createProxy, type ProxyOptions } from '../../src/proxy/app.js';
import { UNKNOWN_ADDRESS_FACTOR, addressFromEnv, clientAddress } from '../../src/proxy/guards/client-address.js';
import { ACCESS_TOKEN, SECRET, buildLead } from './harness.js';

/** POST /leads over real HTTP from a chosen local address (all of 127.0.0.0/8 is loopback on Linux). */
function postFrom(url: string, localAddress: string, body: unknown = buildLead()): Promise<number> {
  const target = new URL(url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}/leads`,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

let emulator: RunningEmulator;
before(async () => {
  emulator = await startEmulator({ port: 0 });
});
after(() => emulator.close());

function proxyOptions(logs: Record<string, unknown>[], rateLimit: number): ProxyOptions {
  return { intercom: { accessToken: ACCESS_TOKEN, baseUrl: emulator.url }, secret: SECRET, clients: { rateLimit }, testing: { queuePollMs: 0 }, logger: (line) => logs.push(line) };
}

describe('mounted in Hono exactly as the README shows', () => {
  let example: RunningExample;
  const logs: Record<string, unknown>[] = [];
  before(async () => {
    example = await startExample(proxyOptions(logs, 2), 0);
    await example.leadrelay.ready;
  });
  after(() => example.close());

  test('the README snippet and examples/hono.ts mount the proxy with the same line', async () => {
    const mountLine = (text: string) => text.split('\n').find((line) => line.includes("app.all('/api/leadrelay/*'"))?.trim();
    const readme = mountLine(await readFile(new URL('../../docs/proxy.md', import.meta.url), 'utf8'));
    assert.equal(readme, "app.all('/api/leadrelay/*', (c) => leadrelay.fetch(c.req.raw, c.env));");
    assert.equal(mountLine(await readFile(new URL('../../examples/hono.ts', import.meta.url), 'utf8')), readme);
  });

  test('two client addresses get separate per-IP limits', async () => {
    const proxy = `${example.url}/api/leadrelay`;
    assert.deepEqual([await postFrom(proxy, '127.0.0.1'), await postFrom(proxy, '127.0.0.1'), await postFrom(proxy, '127.0.0.1')], [201, 201, 429]);
    assert.deepEqual([await postFrom(proxy, '127.0.0.2'), await postFrom(proxy, '127.0.0.2'), await postFrom(proxy, '127.0.0.2')], [201, 201, 429]);
    assert.equal(logs.filter((line) => line.event === 'client_address_unknown').length, 0, 'the address was known');
  });
});

describe('mounted without the connection (the old README line: leadrelay.fetch(c.req.raw))', () => {
  test('says so once, never counts all visitors as one, and keeps a site-wide safety limit', async () => {
    const logs: Record<string, unknown>[] = [];
    const leadrelay = createProxy({ ...proxyOptions(logs, 1), basePath: '/api/leadrelay', testing: { ...(proxyOptions(logs, 1)).testing, setupDataAttributes: false } });
    const app = new Hono();
    app.all('/api/leadrelay/*', (c) => leadrelay.fetch(c.req.raw));
    let server!: Server;
    const info = await new Promise<AddressInfo>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, resolve) as Server;
    });
    const url = `http://127.0.0.1:${info.port}/api/leadrelay`;
    try {
      // Bodies the route refuses (400) cost Intercom nothing; the limit is counted before the body is read.
      const bad = { hp: '', elapsedMs: 5000, email: 'not-an-email' };
      const siteWide = 1 * UNKNOWN_ADDRESS_FACTOR;
      const statuses: number[] = [];
      for (let i = 0; i < siteWide; i += 1) statuses.push(await postFrom(url, i % 2 ? '127.0.0.1' : '127.0.0.2', bad));
      assert.deepEqual([...new Set(statuses)], [400], 'a per-IP limit of 1 did not turn into one shared bucket');
      assert.equal(await postFrom(url, '127.0.0.3', bad), 429, 'past the site-wide safety limit');
      const told = logs.filter((line) => line.event === 'client_address_unknown');
      assert.equal(told.length, 1);
      assert.match(String(told[0]!.warning), /leadrelay\.fetch\(c\.req\.raw, c\.env\)/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await leadrelay.close();
    }
  });
});

describe('the connection info each runtime passes', () => {
  const request = (headers: Record<string, string> = {}) => new Request('http://proxy.example/leads', { headers });

  test('Node (@hono/node-server passes {incoming}), Bun (the server, or {server}) and Deno (handler info)', () => {
    assert.equal(addressFromEnv(request(), { incoming: { socket: { remoteAddress: '192.0.2.1' } } }), '192.0.2.1');
    assert.equal(addressFromEnv(request(), { requestIP: () => ({ address: '192.0.2.2' }) }), '192.0.2.2');
    assert.equal(addressFromEnv(request(), { server: { requestIP: () => ({ address: '192.0.2.3' }) } }), '192.0.2.3');
    assert.equal(addressFromEnv(request(), { remoteAddr: { hostname: '2001:db8::4', port: 1, transport: 'tcp' } }), '2001:db8::4');
    assert.equal(addressFromEnv(request(), {}), undefined);
    assert.equal(addressFromEnv(request(), undefined), undefined);
  });

  test('CF-Connecting-IP counts only on Cloudflare (a request with its cf object), never as a header a client sends', () => {
    const plain = request({ 'cf-connecting-ip': '203.0.113.66' });
    assert.equal(clientAddress(plain, {}, false), undefined);
    const onWorkers = Object.assign(request({ 'cf-connecting-ip': '203.0.113.5' }), { cf: { colo: 'AMS' } });
    assert.equal(clientAddress(onWorkers, {}, false), '203.0.113.5');
  });

  test('with trustProxy, the right-most X-Forwarded-For entry wins over the socket; without it, the header is ignored', () => {
    const forwarded = request({ 'x-forwarded-for': '10.9.9.9, 198.51.100.8' });
    const env = { incoming: { socket: { remoteAddress: '10.0.0.1' } } };
    assert.equal(clientAddress(forwarded, env, true), '198.51.100.8');
    assert.equal(clientAddress(forwarded, env, false), '10.0.0.1');
  });
});
