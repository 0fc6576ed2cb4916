// The emulator's siteverify: Cloudflare's test secrets, and issued tokens with hostname, action, expiry and single use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMULATOR_TURNSTILE_SECRET, TURNSTILE_DUMMY_TOKEN, TURNSTILE_TEST_SECRETS } from '../../src/emulator/turnstile.js';
import { useEmulator } from './harness.js';

const emulator = useEmulator();

async function siteverify(fields: Record<string, string>, as: 'form' | 'json' | 'multipart' = 'form') {
  const init: RequestInit =
    as === 'json'
      ? { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fields) }
      : as === 'multipart'
        ? { method: 'POST', body: Object.entries(fields).reduce((form, [key, value]) => (form.append(key, value), form), new FormData()) }
        : { method: 'POST', body: new URLSearchParams(fields) };
  const response = await emulator.fetch('/turnstile/v0/siteverify', init);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function issue(fields: Record<string, unknown> = {}): Promise<string> {
  const response = await emulator.fetch('/turnstile/_emulator/tokens', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(fields),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { token: string }).token;
}

test('the test secrets: 1x passes the dummy token only (example.com, empty action), 2x always fails, 3x is always spent', async () => {
  const passed = await siteverify({ secret: TURNSTILE_TEST_SECRETS.pass, response: TURNSTILE_DUMMY_TOKEN });
  assert.equal(passed.status, 200);
  assert.equal(passed.body.success, true);
  assert.equal(passed.body.hostname, 'example.com');
  assert.equal(passed.body.action, '');
  assert.deepEqual(passed.body['error-codes'], []);
  assert.ok(!Number.isNaN(Date.parse(passed.body.challenge_ts)));
  assert.deepEqual((await siteverify({ secret: TURNSTILE_TEST_SECRETS.pass, response: 'a-real-looking-token' })).body, { success: false, 'error-codes': ['invalid-input-response'] });
  assert.deepEqual((await siteverify({ secret: TURNSTILE_TEST_SECRETS.fail, response: TURNSTILE_DUMMY_TOKEN })).body, { success: false, 'error-codes': ['invalid-input-response'] });
  assert.deepEqual((await siteverify({ secret: TURNSTILE_TEST_SECRETS.spent, response: TURNSTILE_DUMMY_TOKEN })).body, { success: false, 'error-codes': ['timeout-or-duplicate'] });
});

test('missing secret or response, and a body that is not a form or JSON object, are refused with their codes', async () => {
  assert.deepEqual((await siteverify({ response: 'x' })).body['error-codes'], ['missing-input-secret']);
  assert.deepEqual((await siteverify({ secret: TURNSTILE_TEST_SECRETS.pass })).body['error-codes'], ['missing-input-response']);
  const response = await emulator.fetch('/turnstile/v0/siteverify', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[1' });
  assert.deepEqual(((await response.json()) as { 'error-codes': string[] })['error-codes'], ['bad-request']);
});

test('form-encoded, multipart and JSON bodies are all read', async () => {
  for (const as of ['form', 'json', 'multipart'] as const) {
    const answer = await siteverify({ secret: TURNSTILE_TEST_SECRETS.pass, response: TURNSTILE_DUMMY_TOKEN }, as);
    assert.equal(answer.body.success, true, as);
  }
});

test('an issued token passes once with its hostname, action and cdata; the second verification is timeout-or-duplicate', async () => {
  const token = await issue({ hostname: 'shop.example', action: 'lead', cdata: 'c1' });
  const first = await siteverify({ secret: EMULATOR_TURNSTILE_SECRET, response: token, remoteip: '203.0.113.7' });
  assert.equal(first.body.success, true);
  assert.equal(first.body.hostname, 'shop.example');
  assert.equal(first.body.action, 'lead');
  assert.equal(first.body.cdata, 'c1');
  const second = await siteverify({ secret: EMULATOR_TURNSTILE_SECRET, response: token });
  assert.deepEqual(second.body, { success: false, 'error-codes': ['timeout-or-duplicate'] });
  const log = await (await emulator.fetch('/turnstile/_emulator/verifications')).json() as { verifications: Array<Record<string, unknown>> };
  assert.equal(log.verifications.length, 2);
  assert.equal(log.verifications[0]!.remoteip, '203.0.113.7');
  assert.ok(!JSON.stringify(log).includes(EMULATOR_TURNSTILE_SECRET), 'the log leaves the secret out');
});

test('a retry with the first call\'s idempotency key gets the first answer again; another key is a replay', async () => {
  const token = await issue();
  const key = '6f1d3a52-55b2-4f43-9b43-0e0d8c7c2f11';
  const first = await siteverify({ secret: EMULATOR_TURNSTILE_SECRET, response: token, idempotency_key: key });
  const again = await siteverify({ secret: EMULATOR_TURNSTILE_SECRET, response: token, idempotency_key: key });
  assert.equal(first.body.success, true);
  assert.deepEqual(again.body, first.body);
  const other = await siteverify({ secret: EMULATOR_TURNSTILE_SECRET, response: token, idempotency_key: '0b5e7a0e-1c3f-4a0e-8c59-5d1b5b1b9a10' });
  assert.deepEqual(other.body['error-codes'], ['timeout-or-duplicate']);
});

test('a token older than 300 s, one for another secret, an unknown one, and an unknown secret are refused', async () => {
  const old = await issue({ ageMs: 300_001 });
  assert.deepEqual((await siteverify({ secret: EMULATOR_TURNSTILE_SECRET, response: old })).body['error-codes'], ['timeout-or-duplicate']);
  const theirs = await issue({ secret: '0x4AAAAAAAOtherWidgetSecret' });
  assert.deepEqual((await siteverify({ secret: EMULATOR_TURNSTILE_SECRET, response: theirs })).body['error-codes'], ['invalid-input-response']);
  assert.deepEqual((await siteverify({ secret: EMULATOR_TURNSTILE_SECRET, response: 'forged' })).body['error-codes'], ['invalid-input-response']);
  assert.deepEqual((await siteverify({ secret: 'never-issued', response: 'x' })).body['error-codes'], ['invalid-input-secret']);
});

test('siteverify needs no Intercom bearer token and stays out of the Intercom request log; reset forgets tokens', async () => {
  const token = await issue();
  await siteverify({ secret: EMULATOR_TURNSTILE_SECRET, response: TURNSTILE_DUMMY_TOKEN });
  const requests = await emulator.hook('GET', '/requests');
  assert.equal(requests.body.requests.length, 0);
  await emulator.hook('POST', '/reset', {});
  assert.deepEqual((await siteverify({ secret: EMULATOR_TURNSTILE_SECRET, response: token })).body['error-codes'], ['invalid-input-response']);
});

test('the hooks take JSON only, so a cross-site form cannot drive them', async () => {
  const response = await emulator.fetch('/turnstile/_emulator/faults', { method: 'POST', body: new URLSearchParams({ status: '500' }) });
  assert.equal(response.status, 400);
  assert.equal((await siteverify({ secret: TURNSTILE_TEST_SECRETS.pass, response: TURNSTILE_DUMMY_TOKEN })).status, 200);
});

test('faults: siteverify answers a 5xx with internal-error for the next calls asked for', async () => {
  const added = await emulator.fetch('/turnstile/_emulator/faults', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ status: 503, times: 1 }) });
  assert.equal(added.status, 200);
  const failed = await siteverify({ secret: TURNSTILE_TEST_SECRETS.pass, response: TURNSTILE_DUMMY_TOKEN });
  assert.equal(failed.status, 503);
  assert.deepEqual(failed.body['error-codes'], ['internal-error']);
  assert.equal((await siteverify({ secret: TURNSTILE_TEST_SECRETS.pass, response: TURNSTILE_DUMMY_TOKEN })).status, 200);
});

test('faults: a dropped siteverify fails as fetch does when the connection is cut, with no socket too (in-process)', async () => {
  const added = await emulator.fetch('/turnstile/_emulator/faults', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ drop: true, times: 1 }) });
  assert.equal(added.status, 200);
  await assert.rejects(siteverify({ secret: TURNSTILE_TEST_SECRETS.pass, response: TURNSTILE_DUMMY_TOKEN }), (error: unknown) => error instanceof TypeError && /fetch failed/.test(error.message));
  assert.equal((await siteverify({ secret: TURNSTILE_TEST_SECRETS.pass, response: TURNSTILE_DUMMY_TOKEN })).status, 200);
});
