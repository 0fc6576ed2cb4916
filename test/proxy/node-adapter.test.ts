// The Node adapter under hostile sockets (slow bodies, many connections) and Intercom connections that fail before a byte is sent.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { TransportError, type HttpTransport } from '../../src/proxy/intercom/intercom-client.js';
import { nodeHttpTransport } from '../../src/proxy/intercom/node-transport.js';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { SECRET, apiCalls, buildLead, startStack, type Stack } from './harness.js';

/** Resolves with everything the server sent once it closes the connection (or rejects after `timeoutMs`). */
function readUntilClosed(socket: net.Socket, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const timer = setTimeout(() => reject(new Error(`the server kept the connection open; got: ${received}`)), timeoutMs);
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

function connect(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Whether an agent's connection is for `POST /contacts` (a URL target gives `pathname`, not `path`). */
const isCreateContact = (options: { method?: string; path?: string | null; pathname?: string }) =>
  options.method === 'POST' && (options.pathname ?? options.path) === '/contacts';

/** An agent whose first `failures` connections for `POST /contacts` fail as `code` would, before anything is written. */
function failingAgent(failures: number, code: string): http.Agent & { failed: number } {
  const agent = new http.Agent({ keepAlive: false }) as http.Agent & { failed: number };
  agent.failed = 0;
  const connectNormally = agent.createConnection.bind(agent);
  agent.createConnection = ((options: http.ClientRequestArgs & { pathname?: string }, callback: (error: Error | null, socket?: net.Socket) => void) => {
    if (isCreateContact(options) && agent.failed < failures) {
      agent.failed += 1;
      const error = Object.assign(new Error(`${code}: simulated`), { code });
      process.nextTick(() => callback(error));
      return undefined;
    }
    return connectNormally(options, callback as never);
  }) as typeof agent.createConnection;
  return agent;
}

describe('Intercom connections that fail before a byte is sent', () => {
  test('EMFILE (out of descriptors) on POST /contacts is retried at once: 201 and one lead, no recovery wait', async () => {
    const agent = failingAgent(1, 'EMFILE');
    // A recovery bound of 10 minutes: if EMFILE counted as "maybe sent", the lead would be queued (202) behind it.
    const stack = await startStack({ delivery: { recoveryLagMs: 600_000, recoveryWaitMs: 10_000 }, intercom: { retryBaseMs: 10, transport: nodeHttpTransport({ agents: { 'http:': agent } }) } });
    try {
      const key = randomUUID();
      const response = await stack.post('/leads', buildLead(), { key });
      assert.equal(agent.failed, 1, 'the first connection failed with EMFILE');
      assert.equal(response.status, 201);
      const calls = apiCalls(await stack.emulatorRequests());
      assert.equal(calls.filter((call) => call.path === '/contacts/search').length, 0, 'no recovery search: nothing was sent');
      const { contacts } = await stack.emulatorState();
      assert.equal(contacts.filter((contact) => contact.custom_attributes.leadrelay_submission_id === submissionReference(SECRET, key)).length, 1);
    } finally {
      await stack.close();
    }
  });

  test('a transport failing with EMFILE before sending gets the create sent again at once: 201, not queued behind recoveryLagMs', async () => {
    const real = nodeHttpTransport();
    let failed = 0;
    const transport: HttpTransport = async (request) => {
      if (request.method === 'POST' && request.url.endsWith('/contacts') && failed++ === 0) throw new TransportError('network', 'EMFILE');
      return real(request);
    };
    const stack = await startStack({ delivery: { recoveryLagMs: 600_000, recoveryWaitMs: 10_000 }, intercom: { retryBaseMs: 10, transport } });
    try {
      const response = await stack.post('/leads', buildLead());
      assert.equal(failed, 2, 'failed once, then sent');
      assert.equal(response.status, 201);
      assert.equal((await stack.emulatorState()).contacts.length, 1);
    } finally {
      real.close();
      await stack.close();
    }
  });

  test('a refused connection (a real ECONNREFUSED) is retried as not sent: 201 and one lead, no recovery search', async () => {
    // A port nobody listens on: the kernel refuses the connection.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const agent = new http.Agent({ keepAlive: false });
    let refused = 0;
    const connectNormally = agent.createConnection.bind(agent);
    agent.createConnection = ((options: http.ClientRequestArgs & { pathname?: string }, callback: never) => {
      if (isCreateContact(options) && refused++ === 0) return net.createConnection({ host: '127.0.0.1', port: closedPort });
      return connectNormally(options, callback);
    }) as typeof agent.createConnection;
    const stack = await startStack({ delivery: { recoveryLagMs: 600_000, recoveryWaitMs: 10_000 }, intercom: { retryBaseMs: 10, transport: nodeHttpTransport({ agents: { 'http:': agent } }) } });
    try {
      const response = await stack.post('/leads', buildLead());
      assert.equal(response.status, 201);
      assert.ok(refused >= 2, 'the create was sent again after the refusal');
      assert.equal(apiCalls(await stack.emulatorRequests()).filter((call) => call.path === '/contacts/search').length, 0);
      assert.equal((await stack.emulatorState()).contacts.length, 1);
    } finally {
      await stack.close();
    }
  });

  test('the transport marks a refused connection as not sent, and a connection cut after the request as maybe sent', async () => {
    const stack = await startStack();
    const transport = nodeHttpTransport();
    try {
      const refused = await transport({ url: 'http://127.0.0.1:9/contacts', method: 'POST', headers: {}, body: '{}', timeoutMs: 5_000 }).catch((error: unknown) => error);
      assert.ok(refused instanceof TransportError);
      assert.equal(refused.code, 'ECONNREFUSED');
      assert.equal(refused.notSent, true);

      await stack.addFault({ route: 'POST /contacts', drop: true, times: 1 });
      const headers = { authorization: 'Bearer t', 'content-type': 'application/json' };
      const dropped = await transport({ url: `${stack.emulator.url}/contacts`, method: 'POST', headers, body: '{"role":"lead"}', timeoutMs: 5_000 }).catch((error: unknown) => error);
      assert.ok(dropped instanceof TransportError);
      assert.equal(dropped.notSent, false, 'the request went out: Intercom may have acted on it');
    } finally {
      transport.close();
      await stack.close();
    }
  });

  test('the fetch transport classifies undici connect failures by code', () => {
    for (const code of ['EMFILE', 'ENFILE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED']) assert.equal(new TransportError('network', code).notSent, true, code);
    for (const code of ['ECONNRESET', 'EPIPE', undefined]) assert.equal(new TransportError('network', code).notSent, false, String(code));
    assert.equal(new TransportError('timeout').notSent, false);
  });
});

describe('slow clients', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ requestTimeoutMs: 300, maxConnectionsPerClient: 3 });
  });
  after(() => stack.close());

  test('a body that never finishes arriving is cut off by the request deadline with 408', async () => {
    const socket = await connect(stack.proxy.url);
    const closed = readUntilClosed(socket);
    socket.write(`POST /leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: ${randomUUID()}\r\nContent-Length: 500\r\n\r\n{"name":`);
    const received = await closed;
    assert.match(received, /^HTTP\/1\.1 408/);
    assert.deepEqual(apiCalls(await stack.emulatorRequests()), [], 'nothing reached Intercom');
  });

  test('headers that never finish arriving are cut off too', async () => {
    const socket = await connect(stack.proxy.url);
    const closed = readUntilClosed(socket);
    socket.write('POST /leads HTTP/1.1\r\nHost: x\r\n');
    assert.match(await closed, /^HTTP\/1\.1 408/);
  });

  test('a connection that never sends a byte is closed by the same deadline', async () => {
    const socket = await connect(stack.proxy.url);
    assert.match(await readUntilClosed(socket), /^HTTP\/1\.1 408|^$/);
  });

  test('one connection more than maxConnectionsPerClient from one address is answered 429 and closed; the others still work', async () => {
    const held = await Promise.all([1, 2, 3].map(() => connect(stack.proxy.url)));
    try {
      const extra = await connect(stack.proxy.url);
      const answer = await readUntilClosed(extra);
      assert.match(answer, /^HTTP\/1\.1 429/);
      assert.match(answer, /"code":"rate_limited"/);
      // A held connection is still served.
      const served = readUntilClosed(held[0]!);
      held[0]!.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.match(await served, /^HTTP\/1\.1 200/);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });

  test('a refused connection never reaches the proxy, even when it sends a whole request at once', async () => {
    const held = await Promise.all([1, 2, 3].map(() => connect(stack.proxy.url)));
    const handled = () => stack.logs.filter((line) => line.route === '/leads').length;
    const before = handled();
    try {
      const extra = await connect(stack.proxy.url);
      const answer = readUntilClosed(extra);
      extra.write(`POST /leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: ${randomUUID()}\r\nContent-Length: 2\r\n\r\n{}`);
      assert.match(await answer, /^HTTP\/1\.1 429/);
      assert.equal(handled(), before, 'the proxy handled no request from it');
    } finally {
      for (const socket of held) socket.destroy();
    }
  });
});
