// Hostile and broken input against the proxy (in-process; raw HTTP bytes over a socket): every case is refused with its
// own 4xx and code, nothing reaches the emulator, and the access token shows up in no response, header or log line.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ALLOWED_ORIGIN, IDENTITY_SECRET, badInputCases, contextCases, tokenCases, unicodeEdges, type BadInputCase } from './bad-input-cases.js';
import { SECRET, apiCalls, buildLead, startInProcessStack, startStack, type CapturedResponse, type Stack } from './harness.js';

const cases = badInputCases();
const tokens = await tokenCases(SECRET);
const unicode = unicodeEdges();

function requestOf(item: BadInputCase): RequestInit {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...item.headers };
  const key = item.key === undefined ? randomUUID() : item.key;
  if (key !== null) headers['idempotency-key'] = key;
  const body =
    item.body === undefined ? undefined : typeof item.body === 'string' || item.body instanceof Uint8Array ? item.body : JSON.stringify(item.body);
  return { method: item.method ?? 'POST', headers, body: body as BodyInit | undefined };
}

/** Raw HTTP/1.1 over a socket, for what fetch refuses to send (bare CR, NUL, oversized headers). */
function rawRequest(port: number, head: string, body = ''): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.end(`${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, 'latin1');
  });
}

async function assertRefused(stack: Stack, item: BadInputCase): Promise<void> {
  const response: CapturedResponse = await stack.send(item.path, requestOf(item));
  assert.equal(response.status, item.status, response.text.slice(0, 300));
  assert.equal(response.json?.error?.code, item.code);
  assert.equal(typeof response.json.error.message, 'string');
  if (item.fields) assert.deepEqual(response.json.error.fields, item.fields);
  if (item.status === 403) {
    // The refused page may read its refusal (issue 13.7), and only that page: no other origin, no credentials.
    assert.ok([undefined, item.headers?.origin].includes(response.headers['access-control-allow-origin']), 'the refusal names only the refused page');
    assert.equal(response.headers['access-control-allow-credentials'], undefined);
  }
}

describe('bad input', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({ origins: { allowed: [ALLOWED_ORIGIN] }, identity: { secret: IDENTITY_SECRET } });
  });
  after(async () => {
    // Checked once all cases ran: not one API call beyond the start-up data attributes.
    assert.deepEqual(apiCalls(await stack.emulatorRequests()), [], 'no bad input reached Intercom');
    await stack.close(); // asserts the token is in no response and no log line
  });

  const all = [...cases, ...tokens, ...unicode];
  test(`there are at least 150 cases (${all.length})`, () => {
    assert.ok(all.length >= 150);
    assert.equal(new Set(all.map((item) => item.name)).size, all.length, 'case names are unique');
  });

  for (const item of [...cases, ...tokens]) test(`${item.name}: ${item.status} ${item.code}`, () => assertRefused(stack, item));

  describe('requests fetch cannot send', () => {
    // Raw bytes need a socket: a stack of their own on real ports, held to the same checks (nothing reached Intercom,
    // the token in no response or log line).
    let stack: Stack;
    before(async () => {
      stack = await startStack({ origins: { allowed: [ALLOWED_ORIGIN] }, identity: { secret: IDENTITY_SECRET } });
    });
    after(async () => {
      assert.deepEqual(apiCalls(await stack.emulatorRequests()), [], 'no bad input reached Intercom');
      await stack.close();
    });
    const head = (headers: string) => `POST /leads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}`;
    const body = JSON.stringify(buildLead());

    test('a CR LF in the Idempotency-Key starts a second header: the key is refused as 400 invalid_idempotency_key', async () => {
      const answer = await rawRequest(stack.proxy.port, head('Idempotency-Key: abc\r\nX-Injected: 1'), body);
      assert.equal(answer.status, 400);
      assert.match(answer.text, /"code":"invalid_idempotency_key"/);
    });

    // These never reach the proxy's code: Node's HTTP parser refuses them, so there is no JSON code to check.
    test('a bare CR inside the Idempotency-Key is refused by the HTTP parser with 400', async () => {
      const answer = await rawRequest(stack.proxy.port, head(`Idempotency-Key: ${randomUUID()}\rX-Injected: 1`), body);
      assert.equal(answer.status, 400);
    });

    test('a NUL inside a header is refused by the HTTP parser with 400', async () => {
      const answer = await rawRequest(stack.proxy.port, head(`Idempotency-Key: ${randomUUID()}\0`), body);
      assert.equal(answer.status, 400);
    });

    test('a header block over 16 kB is refused with 431', async () => {
      const answer = await rawRequest(stack.proxy.port, head(`Idempotency-Key: ${randomUUID()}\r\nX-Padding: ${'p'.repeat(20_000)}`), body);
      assert.equal(answer.status, 431);
    });

    test('a body longer than its Content-Length is not read past the limit', async () => {
      const huge = 'x'.repeat(200_000);
      const answer = await rawRequest(stack.proxy.port, head(`Idempotency-Key: ${randomUUID()}`), huge);
      assert.equal(answer.status, 413);
      assert.match(answer.text, /"code":"body_too_large"/);
    });
  });
});

// On a stack of their own: while the gap is open these are accepted and forwarded, which must not hide a
// forwarded request from the cases above. Each case also checks that nothing reached the emulator.
describe('text a person cannot type', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack();
  });
  after(() => stack.close());

  for (const item of unicode) {
    test(`${item.name}: ${item.status} ${item.code}`, async () => {
      await stack.reset();
      await assertRefused(stack, item);
      assert.deepEqual(apiCalls(await stack.emulatorRequests()), [], 'nothing reached Intercom');
    });
  }
});

// Page context (page.url, page.referrer, page.title, utm.*, phoneCountry) is not the visitor's input: whatever a
// crafted link or page puts there, the lead is accepted with the typed fields intact and the context cleaned or
// dropped, and the log line names what was dropped without its value.
describe('page context that is not usable as sent is cleaned or dropped, never refused', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({ origins: { allowed: [ALLOWED_ORIGIN] } });
  });
  after(() => stack.close());

  for (const item of contextCases()) {
    test(`${item.name}: 201, typed fields intact`, async () => {
      await stack.reset();
      const key = randomUUID();
      const response = await stack.post('/leads', item.body, { key });
      assert.equal(response.status, 201, response.text.slice(0, 300));
      const { contacts, conversations } = await stack.emulatorState();
      assert.equal(contacts.length, 1);
      const [lead] = contacts;
      assert.equal(lead.name, 'Ada Lovelace');
      assert.equal(lead.email, 'ada@example.com');
      assert.equal(lead.phone, item.phone ?? '+442079460958');
      assert.equal(conversations[0].source.body, 'I would like a demo of the analytical engine.');
      for (const [name, value] of Object.entries(item.attributes)) assert.equal(lead.custom_attributes[name] ?? undefined, value, name);
      const line = stack.logs.find((entry) => entry.route === '/leads' && entry.status === 201 && stack.logs.indexOf(entry) === stack.logs.length - 1);
      assert.ok(line, 'the request has its log line');
      assert.deepEqual(line.contextDropped, item.dropped);
    });
  }
});
