// Attack: post from an opaque origin (a sandboxed iframe or a data: URL on any site sends `Origin: null`) to a proxy
// whose operator listed "null" in LEADRELAY_ALLOWED_ORIGINS, perhaps to let a no-referrer page's form through. The
// start-up warning says that entry never matches; it must not let every sandboxed page on the web send instead.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apiCalls, buildLead, startInProcessStack, type Stack } from './harness.js';

const SITE = 'https://shop.example';
let stack: Stack;
before(async () => {
  stack = await startInProcessStack({ origins: { allowed: [SITE, 'null', ' NULL '] } });
});
after(() => stack.close());

test('Origin: null is refused with 403 origin_not_allowed even when "null" is listed, and reaches no Intercom', async () => {
  const before = apiCalls(await stack.emulatorRequests()).length;
  const json = await stack.post('/leads', buildLead(), { headers: { origin: 'null' } });
  assert.equal(json.status, 403, json.text);
  assert.equal(json.json.error.code, 'origin_not_allowed');

  const form = await stack.send('/leads', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null' },
    body: new URLSearchParams({ name: 'Ada', email: 'sandboxed@example.com', message: 'Hi', hp: '' }).toString(),
  });
  assert.equal(form.status, 403, form.text);
  assert.equal(apiCalls(await stack.emulatorRequests()).length, before, 'nothing reached Intercom');
});

test('the site listed beside it is still served', async () => {
  const response = await stack.post('/leads', buildLead(), { headers: { origin: SITE } });
  assert.equal(response.status, 201, response.text);
  assert.equal(response.headers['access-control-allow-origin'], SITE);
});

test('the start-up warning names the "null" entry as one that never matches', () => {
  const warned = stack.logs.filter((line) => line.event === 'allowed_origin_never_matches').map((line) => String(line.warning));
  assert.ok(warned.some((warning) => warning.includes('"null"')), JSON.stringify(warned));
});
