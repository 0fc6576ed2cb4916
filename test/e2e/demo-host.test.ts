// DNS rebinding against `npm start`: a page on attacker.example makes its own name resolve to 127.0.0.1 and then calls
// the demo "same origin". Its requests carry `Host: attacker.example:<port>`; the demo refuses every one of them (the
// pages, the proxy, the demo's API in front of the emulator) and answers its own address as before.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { startDemo, type RunningDemo } from '../../demo/demo-server.js';
import { isDemoHost } from '../../demo/host-check.js';

let demo: RunningDemo;

before(async () => {
  demo = await startDemo({ port: 0, minFillMs: 0 });
});
after(() => demo?.close());

/** A request to the demo's own socket with any Host header (fetch would not let a test choose it). */
function get(path: string, host: string, method = 'GET', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(
      { host: '127.0.0.1', port: demo.port, path, method, headers: { host, connection: 'close', ...(body ? { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() } : {}) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, text }));
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

const PATHS = ['/', '/script-tag.html', '/api/leadrelay/health', '/api/leadrelay/questions', '/demo-api/state', '/demo-api/questions'];

test('a request whose Host is another site\'s name is 403 with a sentence, on every part of the demo', async () => {
  for (const host of [`attacker.example:${demo.port}`, `localhost.attacker.example:${demo.port}`, `127.0.0.1.nip.io:${demo.port}`, 'attacker.example']) {
    for (const path of PATHS) {
      const answer = await get(path, host);
      assert.equal(answer.status, 403, `${host} ${path}: ${answer.status}`);
      const body = JSON.parse(answer.text) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'host_not_allowed');
      assert.match(body.error.message, /DNS rebinding/);
    }
  }
  const lead = JSON.stringify({ name: 'Rebound', email: 'rebound@example.com', message: 'hi', hp: '', elapsedMs: 9000 });
  const posted = await get('/api/leadrelay/leads', `attacker.example:${demo.port}`, 'POST', lead);
  assert.equal(posted.status, 403, 'no lead through a rebound name');
});

test('the demo\'s own address, localhost and a literal IP with its port still answer', async () => {
  for (const host of [`127.0.0.1:${demo.port}`, `localhost:${demo.port}`, `LOCALHOST:${demo.port}`, `[::1]:${demo.port}`]) {
    const page = await get('/', host);
    assert.equal(page.status, 200, host);
    assert.equal((await get('/api/leadrelay/health', host)).status, 200, host);
  }
  assert.equal((await fetch(demo.url)).status, 200, 'the URL the demo prints');
});

test('isDemoHost: a name an outside site could point at this machine is never the demo', () => {
  assert.equal(isDemoHost('127.0.0.1:8787', '127.0.0.1', 8787), true);
  assert.equal(isDemoHost('localhost:8787', '127.0.0.1', 8787), true);
  assert.equal(isDemoHost('[::1]:8787', '::1', 8787), true);
  assert.equal(isDemoHost('my-laptop.local:8787', 'my-laptop.local', 8787), true, 'the name the demo was told to listen on');
  assert.equal(isDemoHost('127.0.0.1:8788', '127.0.0.1', 8787), false, 'another port');
  assert.equal(isDemoHost('127.0.0.1', '127.0.0.1', 8787), false, 'no port');
  assert.equal(isDemoHost(undefined, '127.0.0.1', 8787), false);
  assert.equal(isDemoHost('', '127.0.0.1', 8787), false);
  assert.equal(isDemoHost('evil.example:8787', '127.0.0.1', 8787), false);
  assert.equal(isDemoHost('localhost.evil.example:8787', '127.0.0.1', 8787), false);
  assert.equal(isDemoHost('127.0.0.1.evil.example:8787', '127.0.0.1', 8787), false);
  assert.equal(isDemoHost('user@127.0.0.1:8787', '127.0.0.1', 8787), false);
});
