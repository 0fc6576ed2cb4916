// The proxy's Turnstile check against the emulator's siteverify over loopback: a pass, and each way a token fails.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { EMULATOR_TURNSTILE_SECRET, TURNSTILE_DUMMY_TOKEN, TURNSTILE_TEST_SECRETS } from '../../src/emulator/turnstile.js';
import { createTurnstileVerifier, isTurnstileTestSecret, type TurnstileResult, type TurnstileVerifierOptions } from '../../src/proxy/guards/turnstile.js';

let emulator: RunningEmulator;
before(async () => {
  emulator = await startEmulator({ port: 0 });
});
after(async () => {
  await emulator.close();
});
beforeEach(() => emulator.emulator.reset());

const verifyUrl = () => `${emulator.url}/turnstile/v0/siteverify`;

function verifier(options: Partial<TurnstileVerifierOptions> = {}) {
  return createTurnstileVerifier({ secret: EMULATOR_TURNSTILE_SECRET, verifyUrl: verifyUrl(), allowedHostnames: ['shop.example', 'localhost'], ...options });
}

async function hook(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${emulator.url}/turnstile/_emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

const issue = async (fields: Record<string, unknown> = {}): Promise<string> => (await hook('POST', '/tokens', { hostname: 'shop.example', ...fields })).token;
const verifications = async (): Promise<Array<Record<string, unknown>>> => (await hook('GET', '/verifications')).verifications;

function refusedFor(result: TurnstileResult, reason: string) {
  assert.equal(result.ok, false, JSON.stringify(result));
  if (result.ok) return;
  assert.equal(result.reason, reason, result.detail);
  assert.ok(!result.detail.includes(EMULATOR_TURNSTILE_SECRET) && !JSON.stringify(result).includes(EMULATOR_TURNSTILE_SECRET), 'the secret is never in a result');
}

test('a valid token solved on an allowed host passes, and siteverify gets the visitor\'s address', async () => {
  const token = await issue({ action: 'lead' });
  const result = await verifier({ action: 'lead' })(token, '203.0.113.9');
  assert.deepEqual(result.ok && { hostname: result.hostname, action: result.action }, { hostname: 'shop.example', action: 'lead' });
  const [call] = await verifications();
  assert.equal(call!.remoteip, '203.0.113.9');
  assert.match(String(call!.idempotency_key), /^[0-9a-f-]{36}$/, 'an idempotency key goes with every call');
});

test('no token is "missing" and costs no call', async () => {
  for (const token of [undefined, '', '   ', 42, ['x']]) refusedFor(await verifier()(token), 'missing');
  assert.equal((await verifications()).length, 0);
});

test('a forged token is "rejected"; a token over 2048 characters is refused without a call', async () => {
  refusedFor(await verifier()('forged-token'), 'rejected');
  refusedFor(await verifier()('x'.repeat(2049)), 'rejected');
  assert.equal((await verifications()).length, 1);
});

test('attack: the same token sent twice passes once; the replay is refused by this instance without a call, and by Cloudflare at another instance', async () => {
  const token = await issue();
  const instance = verifier();
  assert.equal((await instance(token)).ok, true);
  refusedFor(await instance(token), 'replayed');
  assert.equal((await verifications()).length, 1, 'the replay to the same instance made no call');
  refusedFor(await verifier()(token), 'replayed');
  assert.deepEqual((await verifications())[1]!.answer, { success: false, 'error-codes': ['timeout-or-duplicate'] });
});

test('a verification retried with its idempotency key is not a replay', async () => {
  const token = await issue();
  const instance = verifier();
  const key = '2c3b0f0e-8a51-4d38-9d5f-0f7a1f3f2e11';
  assert.equal((await instance(token, undefined, { idempotencyKey: key })).ok, true);
  assert.equal((await instance(token, undefined, { idempotencyKey: key })).ok, true);
  refusedFor(await instance(token, undefined, { idempotencyKey: '7d8c1d8e-8b5b-4f44-9b7e-3b1a0c6b1f22' }), 'replayed');
});

test('an expired token (over 300 s) is refused', async () => {
  refusedFor(await verifier()(await issue({ ageMs: 300_001 })), 'replayed');
});

test('attack: a token solved on a foreign host (our sitekey on their page) is refused', async () => {
  refusedFor(await verifier()(await issue({ hostname: 'evil.example' })), 'hostname');
  refusedFor(await verifier()(await issue({ hostname: 'shop.example.evil.example' })), 'hostname');
  assert.equal((await verifier()(await issue({ hostname: 'SHOP.example' }))).ok, true, 'host names compare case-insensitively');
});

test('a token solved for another action is refused when an action is set', async () => {
  refusedFor(await verifier({ action: 'lead' })(await issue({ action: 'login' })), 'action');
  refusedFor(await verifier({ action: 'lead' })(await issue()), 'action');
});

test('Cloudflare\'s test secrets get no pass of their own: 1x passes the dummy token only on example.com, 2x is rejected, 3x replayed', async () => {
  assert.equal(isTurnstileTestSecret(TURNSTILE_TEST_SECRETS.pass), true);
  assert.equal(isTurnstileTestSecret(EMULATOR_TURNSTILE_SECRET), false);
  refusedFor(await verifier({ secret: TURNSTILE_TEST_SECRETS.pass })(TURNSTILE_DUMMY_TOKEN), 'hostname');
  assert.equal((await verifier({ secret: TURNSTILE_TEST_SECRETS.pass, allowedHostnames: ['example.com'] })(TURNSTILE_DUMMY_TOKEN)).ok, true);
  refusedFor(await verifier({ secret: TURNSTILE_TEST_SECRETS.fail, allowedHostnames: ['example.com'] })(TURNSTILE_DUMMY_TOKEN), 'rejected');
  refusedFor(await verifier({ secret: TURNSTILE_TEST_SECRETS.spent, allowedHostnames: ['example.com'] })(TURNSTILE_DUMMY_TOKEN), 'replayed');
});

test('a secret Cloudflare does not know is "misconfigured", and still a refusal', async () => {
  refusedFor(await verifier({ secret: 'not-a-widget-secret' })(await issue()), 'misconfigured');
});

test('siteverify unreachable fails closed: a refused connection, a 5xx twice, a body that is not siteverify\'s', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  refusedFor(await verifier({ verifyUrl: `http://127.0.0.1:${port}/turnstile/v0/siteverify` })(await issue()), 'unreachable');

  await hook('POST', '/faults', { status: 500 });
  refusedFor(await verifier()(await issue()), 'unreachable');
  await hook('DELETE', '/faults');

  const html = async () => new Response('<html>Just a moment…</html>', { status: 200, headers: { 'content-type': 'text/html' } });
  refusedFor(await verifier({ fetch: html as typeof fetch })(await issue()), 'unreachable');
  const liar = async () => Response.json({ success: true, hostname: 'shop.example' }, { status: 403 });
  refusedFor(await verifier({ fetch: liar as typeof fetch })(await issue()), 'unreachable');
});

test('one 5xx is retried with the same idempotency key, and the token passes', async () => {
  await hook('POST', '/faults', { status: 503, times: 1 });
  const result = await verifier()(await issue());
  assert.equal(result.ok, true, JSON.stringify(result));
});

test('siteverify that does not answer in time fails closed as "timeout"', async () => {
  // A listener that accepts and never answers.
  const sockets = new Set<import('node:net').Socket>();
  const silent: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  try {
    refusedFor(await verifier({ verifyUrl: `http://127.0.0.1:${port}/`, timeoutMs: 200 })(await issue()), 'timeout');
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});
