// The in-process harness against the real thing: the Request the proxy gets in-process is the one @hono/node-server
// makes of what Node's fetch sends over a socket, the client address is the socket's, and the in-process transport
// answers, times out and fails as the Node adapter's node:http transport does against the emulator on a port.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { serve as serveNode } from '@hono/node-server';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { clientAddress } from '../../src/proxy/guards/client-address.js';
import { TransportError, type HttpTransport } from '../../src/proxy/intercom/intercom-client.js';
import { nodeHttpTransport } from '../../src/proxy/intercom/node-transport.js';
import { ACCESS_TOKEN, buildLead, startInProcessStack, startStack, type Stack } from './harness.js';
import { emulatorFetch, inProcessTransport, requestAsSent, startInProcessEmulator } from './in-process.js';

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

async function seen(request: Request): Promise<Seen> {
  const url = new URL(request.url);
  const headers = Object.fromEntries(request.headers);
  // The port differs between the two; the rest of Host must not.
  headers.host = headers.host!.replace(/:\d+$/, ':PORT');
  return { method: request.method, path: url.pathname + url.search, headers, body: await request.text() };
}

const SENDS: [string, string, RequestInit][] = [
  ['a GET', '/health', {}],
  ['a JSON POST with the harness headers', '/leads?x=1', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1', connection: 'close' }, body: '{"a":1}' }],
  ['a form post', '/leads', { method: 'POST', headers: { origin: 'https://shop.example', referer: 'https://shop.example/' }, body: new URLSearchParams({ name: 'Ada Lovelace', hp: '' }), redirect: 'manual' }],
  ['a POST without a body', '/leads', { method: 'POST' }],
  ['a POST of bytes', '/leads', { method: 'POST', body: new Uint8Array([0xc3, 0x28, 0x7b]) }],
  ['a PUT of an empty string', '/leads', { method: 'PUT', body: '' }],
  ['a DELETE', '/leads', { method: 'DELETE' }],
  ['a preflight', '/leads', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }],
  ['headers fetch overrides or keeps', '/questions', { headers: { host: 'evil.example', 'sec-fetch-mode': 'navigate', 'user-agent': 'Mozilla/5.0', accept: 'text/html', 'accept-language': 'de' } }],
  ['a GET with a content type', '/questions?form=%E0%A4%A', { headers: { 'content-type': 'application/json' } }],
];

describe('the Request the proxy gets', () => {
  let server: Server;
  let base: string;
  const received: Seen[] = [];
  before(async () => {
    const info = await new Promise<AddressInfo>((resolve) => {
      server = serveNode(
        {
          port: 0,
          hostname: '127.0.0.1',
          fetch: async (request: Request) => {
            received.push(await seen(request));
            return new Response('ok');
          },
        },
        resolve,
      ) as Server;
    });
    base = `http://127.0.0.1:${info.port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  for (const [name, path, init] of SENDS) {
    test(`${name}: in-process as over a socket`, async () => {
      await (await fetch(base + path, init)).text();
      const overSocket = received.pop()!;
      const inProcess = await seen(await requestAsSent(base + path, init));
      assert.deepEqual(inProcess, overSocket);
    });
  }

  test('what Node\'s fetch refuses to send is refused in-process too', async () => {
    const refused: RequestInit[] = [
      { method: 'POST', headers: { 'content-length': '99' }, body: 'abc' },
      { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: 'abc' },
      { method: 'POST', headers: { 'keep-alive': 'timeout=5' }, body: 'abc' },
      { method: 'GET', body: 'abc' },
    ];
    for (const init of refused) {
      await assert.rejects(fetch(`${base}/leads`, init), TypeError, JSON.stringify(init));
      await assert.rejects(requestAsSent(`${base}/leads`, init), TypeError, JSON.stringify(init));
    }
  });
});

describe('the client address and the answer through a whole stack', () => {
  const stacks: Record<string, Stack> = {};
  const addresses: Record<string, (string | undefined)[]> = { socket: [], inProcess: [] };
  before(async () => {
    for (const [kind, start] of [['socket', startStack], ['inProcess', startInProcessStack]] as const) {
      stacks[kind] = await start({
        clients: { clientIp: (request, env) => (addresses[kind]!.push(clientAddress(request, env, false)), undefined) },
      });
    }
  });
  after(async () => {
    for (const stack of Object.values(stacks)) await stack.close();
  });

  test('POST /leads: the same address (the socket\'s, 127.0.0.1), status, body shape and headers the proxy set', async () => {
    const answers = [];
    for (const kind of ['socket', 'inProcess'] as const) {
      const answer = await stacks[kind]!.post('/leads', buildLead(), { key: '00000000-0000-4000-8000-000000000001' });
      const { date, connection, 'keep-alive': keepAlive, 'content-length': length, ...headers } = answer.headers;
      answers.push({ status: answer.status, keys: Object.keys(answer.json).sort(), headers });
    }
    assert.deepEqual(addresses.inProcess, addresses.socket);
    assert.deepEqual(addresses.socket, ['127.0.0.1']);
    assert.deepEqual(answers[1], answers[0]);
  });
});

describe('the in-process transport against the emulator, as the node:http transport against it on a port', () => {
  let overHttp: RunningEmulator;
  let inProcess: RunningEmulator;
  const node = nodeHttpTransport();
  const local = inProcessTransport();
  before(async () => {
    overHttp = await startEmulator({ port: 0 });
    inProcess = startInProcessEmulator();
  });
  after(async () => {
    node.close();
    local.close();
    await overHttp.close();
    await inProcess.close();
  });

  const call = (transport: HttpTransport, emulator: RunningEmulator, timeoutMs = 5_000) =>
    transport({
      url: `${emulator.url}/contacts`,
      method: 'POST',
      headers: { authorization: `Bearer ${ACCESS_TOKEN}`, 'intercom-version': '2.14', 'content-type': 'application/json', accept: 'application/json' },
      body: '{"role":"lead","email":"ada@example.com"}',
      timeoutMs,
    }).then(
      (answer) => ({ status: answer.status, type: answer.headers.get('content-type'), body: Object.keys(JSON.parse(answer.text)).sort() }),
      (error: unknown) => (error instanceof TransportError ? { kind: error.kind, code: error.code, notSent: error.notSent } : { thrown: String(error) }),
    );
  const fault = async (fault: Record<string, unknown>) => {
    for (const emulator of [overHttp, inProcess]) {
      const response = await emulatorFetch(emulator.url, '/_emulator/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
      assert.equal(response.status, 200);
    }
  };

  test('an answer, an injected 503 and a dropped connection', async () => {
    assert.deepEqual(await call(local, inProcess), await call(node, overHttp));
    await fault({ route: 'POST /contacts', status: 503, times: 1 });
    assert.deepEqual(await call(local, inProcess), await call(node, overHttp));
    await fault({ route: 'POST /contacts', drop: true, times: 1 });
    const dropped = await call(node, overHttp);
    assert.deepEqual(dropped, { kind: 'network', code: 'ECONNRESET', notSent: false });
    assert.deepEqual(await call(local, inProcess), dropped);
  });

  test('the emulator logs the same request either way (headers the transport adds included)', async () => {
    const logged = [];
    for (const [transport, emulator] of [[node, overHttp], [local, inProcess]] as const) {
      await emulatorFetch(emulator.url, '/_emulator/reset', { method: 'POST', headers: { 'content-type': 'application/json' } });
      await call(transport, emulator);
      const { requests } = (await (await emulatorFetch(emulator.url, '/_emulator/requests')).json()) as { requests: Record<string, any>[] };
      const { method, path, headers, body, status } = requests[0]!;
      const { host, connection, ...sent } = headers as Record<string, string>;
      logged.push({ method, path, headers: sent, body, status });
    }
    assert.deepEqual(logged[1], logged[0]);
  });

  // Last: the slow call's request is still answered (and logged) after the caller gave up.
  test('an answer slower than the timeout is a timeout', async () => {
    await fault({ route: 'POST /contacts', delayMs: 1_000, times: 1 });
    const slow = await call(node, overHttp, 100);
    assert.deepEqual(slow, { kind: 'timeout', code: undefined, notSent: false });
    assert.deepEqual(await call(local, inProcess, 100), slow);
  });
});
