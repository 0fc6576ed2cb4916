// An emulator started with a token accepts only that token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build, useEmulator } from './harness.js';

const emulator = useEmulator({ token: 'the-one-token' });

test('an emulator started with a token refuses any other bearer token', async () => {
  const wrong = await emulator.api('POST', '/contacts', build.lead(), { token: 'another-token' });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.errors[0].code, 'unauthorized');
  assert.ok(!JSON.stringify(wrong.body).includes('another-token'));
  const right = await emulator.api('POST', '/contacts', build.lead(), { token: 'the-one-token' });
  assert.equal(right.status, 200);
});
