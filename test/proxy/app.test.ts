// createProxy's fetch handler without a port: base path, health, field validation and phone normalisation.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { createProxy } from '../../src/proxy/app.js';
import { checkLeadRequest, fingerprintSubmission } from '../../src/proxy/guards/lead-request.js';
import { loadPhoneRules, normalisePhone } from '../../src/proxy/guards/phone.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { buildLead, SECRET, mergeOptions, type StackOptions } from './harness.js';
import type { ProxyOptions } from '../../src/proxy/options.js';

// The routes load the phone rules before validating; these tests call the validation directly.
before(() => loadPhoneRules());

// Nothing listens on port 9 (discard): any call that reached "Intercom" would fail loudly.
const offline = (options: StackOptions = {}) =>
  createProxy(mergeOptions({ intercom: { accessToken: 'tok_unit', baseUrl: 'http://127.0.0.1:9' }, secret: SECRET, testing: { setupDataAttributes: false } }, options));

const leadRequest = (url: string, body: unknown) =>
  new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify(body),
  });

test('with a basePath the routes answer under it and not at the root', async () => {
  const proxy = offline({ basePath: '/api/leadrelay/' });
  assert.deepEqual(await (await proxy.fetch(new Request('http://x.test/api/leadrelay/health'))).json(), { ok: true });
  assert.equal((await proxy.fetch(new Request('http://x.test/health'))).status, 404);
  const invalid = await proxy.fetch(leadRequest('http://x.test/api/leadrelay/leads', buildLead({ email: 'nope' })));
  assert.equal(invalid.status, 400);
});

test('a same-origin page is served with publicUrl or at an address host; a domain name in Host alone is not trusted', async () => {
  const from = (url: string, origin: string) => {
    const request = leadRequest(url, buildLead({ email: 'nope' }));
    request.headers.set('origin', origin);
    return request;
  };
  // Served means it reached validation (400 for the bad email); refused is 403 before anything runs.
  const configured = offline({ origins: { publicUrl: 'https://shop.test/api/leadrelay' } });
  assert.equal((await configured.fetch(from('http://10.0.0.5:8787/leads', 'https://shop.test'))).status, 400);
  assert.equal((await configured.fetch(from('http://shop.test/leads', 'http://other.test'))).status, 403);
  const bare = offline();
  assert.equal((await bare.fetch(from('http://127.0.0.1:8787/leads', 'http://127.0.0.1:8787'))).status, 400);
  assert.equal((await bare.fetch(from('http://shop.test/leads', 'http://shop.test'))).status, 403);
});

test('all field errors are reported at once with the wire codes (an unusable page URL is dropped, not one of them)', async () => {
  const proxy = offline();
  const response = await proxy.fetch(
    leadRequest('http://x.test/leads', buildLead({ email: 'bad', name: 'n'.repeat(201), page: { url: 'ftp://x' }, elapsedMs: undefined })),
  );
  assert.equal(response.status, 400);
  const { error } = (await response.json()) as { error: { code: string; fields: Record<string, string> } };
  assert.equal(error.code, 'invalid_field');
  assert.deepEqual(error.fields, { email: 'invalid_email', name: 'too_long', elapsedMs: 'required' });
});

test('an upstream that cannot be reached queues the submission (202) on a durable store, not 500', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-app-'));
  const store = await SqliteStore.open({ path: join(dir, 'leadrelay.db') });
  const proxy = offline({ intercom: { maxRetries: 0 }, testing: { queuePollMs: 0 }, store });
  const response = await proxy.fetch(leadRequest('http://x.test/leads', buildLead()));
  assert.equal(response.status, 202);
  const text = await response.text();
  assert.equal(JSON.parse(text).status, 'queued');
  assert.ok(!text.includes('tok_unit'));
  await proxy.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('phones are normalised to E.164 using phoneCountry for national numbers', () => {
  assert.equal(normalisePhone('(415) 555-2671', 'US'), '+14155552671');
  assert.equal(normalisePhone('+44 20 7946 0958'), '+442079460958');
  assert.equal(normalisePhone('020 7946 0958', 'GB'), '+442079460958');
  assert.equal(normalisePhone('12345', 'GB'), undefined);
  assert.equal(checkLeadRequest(buildLead({ phone: '030 123456', phoneCountry: 'de' })).submission.phone, '+4930123456');
});

test('the submission fingerprint ignores fill time, honeypot and captcha token but not the fields', () => {
  const a = checkLeadRequest(buildLead({ elapsedMs: 3000, captchaToken: 't1' })).submission;
  const b = checkLeadRequest(buildLead({ elapsedMs: 9000, captchaToken: 't2' })).submission;
  const c = checkLeadRequest(buildLead({ message: 'different' })).submission;
  assert.equal(fingerprintSubmission(a), fingerprintSubmission(b));
  assert.notEqual(fingerprintSubmission(a), fingerprintSubmission(c));
});

test('an empty referrer is accepted (document.referrer is empty when there is none)', () => {
  const { submission } = checkLeadRequest(buildLead({ page: { url: 'https://example.com/', referrer: '', title: 'Home' } }));
  assert.deepEqual(submission.page, { url: 'https://example.com/', title: 'Home' });
});
