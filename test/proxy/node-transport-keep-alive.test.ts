// The Intercom transport's kept-alive sockets: it closes an idle one before the server does, never reusing one the server is closing.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import { IDLE_SOCKET_MS, nodeHttpTransport } from '../../src/proxy/intercom/node-transport.js';
import { waitUntil } from '../support/wait.js';

/** A server closing idle kept-alive sockets after `keepAliveMs` (it announces `Keep-Alive: timeout=…`; 0: neither); who closed each socket. */
async function keepAliveServer(keepAliveMs: number) {
  const server = http.createServer((_request, response) => response.end('{}'));
  server.keepAliveTimeout = keepAliveMs;
  const closedBy: ('client' | 'server')[] = [];
  server.on('connection', (socket: Socket) => {
    let by: 'client' | 'server' | undefined;
    socket.on('end', () => (by ??= 'client')); // the client's FIN
    socket.on('timeout', () => (by ??= 'server')); // the server's idle timer, which closes it
    socket.on('close', () => closedBy.push(by ?? 'server'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/contacts`;
  return { server, url, closedBy };
}

test("an idle socket is closed by the transport a second before the server's announced keep-alive timeout", async () => {
  const { server, url, closedBy } = await keepAliveServer(3_000); // announces timeout=3: the transport leaves after 2 s
  const transport = nodeHttpTransport();
  try {
    const answer = await transport({ url, method: 'GET', headers: {}, timeoutMs: 10_000 });
    assert.equal(answer.status, 200);
    await waitUntil(() => closedBy.length === 1, 'the idle socket to close', { timeoutMs: 15_000 });
    assert.deepEqual(closedBy, ['client'], 'the server closed a socket the transport still offered for the next call');
  } finally {
    transport.close();
    server.close();
  }
});

test('without an announced timeout, an idle socket is closed by the transport after IDLE_SOCKET_MS', async () => {
  const { server, url, closedBy } = await keepAliveServer(0); // 0: no Keep-Alive header, and never closes an idle socket
  const transport = nodeHttpTransport();
  try {
    await transport({ url, method: 'GET', headers: {}, timeoutMs: 10_000 });
    await waitUntil(() => closedBy.length === 1, 'the idle socket to close', { timeoutMs: 15_000 });
    assert.deepEqual(closedBy, ['client']);
  } finally {
    transport.close();
    server.close();
  }
});

test('a call that takes longer than IDLE_SOCKET_MS is not cut by the idle timeout: only its own timeoutMs applies', async () => {
  let answer: (() => void) | undefined;
  const server = http.createServer((_request, response) => (answer = () => response.end('{}')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const transport = nodeHttpTransport();
  try {
    const call = transport({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/contacts`, method: 'POST', headers: {}, body: '{}', timeoutMs: 60_000 });
    await waitUntil(() => answer !== undefined, 'the call to arrive', { timeoutMs: 15_000 });
    const arrived = Date.now();
    await waitUntil(() => Date.now() - arrived > IDLE_SOCKET_MS + 500, 'the idle timeout to pass', { timeoutMs: 15_000 }); // the held call outlives it
    answer!();
    assert.equal((await call).status, 200);
  } finally {
    transport.close();
    server.closeAllConnections();
    server.close();
  }
});
