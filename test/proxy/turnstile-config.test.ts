// Turnstile's settings: read from the CLI's environment and the Worker's bindings, warned about in production when
// the secret is a test or truncated one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMULATOR_TURNSTILE_SECRET, TURNSTILE_TEST_SECRETS } from '../../src/emulator/turnstile.js';
import { createProxy, ConfigError, MemoryStore } from '../../src/proxy/app.js';
import { optionsFromEnv } from '../../src/proxy/cli.js';
import { optionsFromWorkerEnv } from '../../src/proxy/cloudflare.js';
import { configWarnings } from '../../src/proxy/config-warnings.js';
import { resolveOptions } from '../../src/proxy/options.js';
import { ACCESS_TOKEN, SECRET } from './harness.js';

const SITE = 'https://shop.example';
const base = { intercom: { accessToken: ACCESS_TOKEN }, secret: SECRET, origins: { allowed: [SITE] } };

test('the CLI reads LEADRELAY_TURNSTILE_SECRET and LEADRELAY_TURNSTILE_VERIFY_URL into `turnstile`', () => {
  const env = { INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN, LEADRELAY_SECRET: SECRET };
  assert.equal(optionsFromEnv(env, false).turnstile, undefined, 'unset: no Turnstile');
  assert.deepEqual(optionsFromEnv({ ...env, LEADRELAY_TURNSTILE_SECRET: ` ${EMULATOR_TURNSTILE_SECRET} ` }, false).turnstile, { secret: EMULATOR_TURNSTILE_SECRET });
  assert.deepEqual(
    optionsFromEnv({ ...env, LEADRELAY_TURNSTILE_SECRET: EMULATOR_TURNSTILE_SECRET, LEADRELAY_TURNSTILE_VERIFY_URL: 'http://127.0.0.1:9/turnstile/v0/siteverify' }, false).turnstile,
    { secret: EMULATOR_TURNSTILE_SECRET, verifyUrl: 'http://127.0.0.1:9/turnstile/v0/siteverify' },
  );
  // A verify URL alone is a mistake createProxy names, not a silently unchecked form.
  const urlOnly = optionsFromEnv({ ...env, LEADRELAY_TURNSTILE_VERIFY_URL: 'http://127.0.0.1:9/turnstile/v0/siteverify' }, false);
  assert.throws(() => createProxy({ ...urlOnly, origins: { ...urlOnly.origins, allowed: [SITE] }, testing: { ...urlOnly.testing, setupDataAttributes: false, queuePollMs: 0 } }), (error: unknown) => error instanceof ConfigError && /LEADRELAY_TURNSTILE_SECRET/.test(error.message));
});

test('the Worker reads the same two bindings', () => {
  const env = { INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN, LEADRELAY_SECRET: SECRET };
  assert.equal(optionsFromWorkerEnv(env).turnstile, undefined);
  assert.deepEqual(optionsFromWorkerEnv({ ...env, LEADRELAY_TURNSTILE_SECRET: EMULATOR_TURNSTILE_SECRET, LEADRELAY_TURNSTILE_VERIFY_URL: 'http://127.0.0.1:9/x' }).turnstile, {
    secret: EMULATOR_TURNSTILE_SECRET,
    verifyUrl: 'http://127.0.0.1:9/x',
  });
});

test("a Cloudflare test secret or a truncated one warns at start in production, and only there", () => {
  const events = (secret: string, NODE_ENV?: string) =>
    configWarnings(resolveOptions({ ...base, turnstile: { secret }, store: new MemoryStore() }), { NODE_ENV }).map((warning) => warning.event).filter((event) => event.startsWith('turnstile'));
  for (const secret of Object.values(TURNSTILE_TEST_SECRETS)) {
    assert.deepEqual(events(secret, 'production'), ['turnstile_test_secret'], secret);
    assert.deepEqual(events(secret, 'development'), []);
  }
  assert.deepEqual(events('0x4AAAAAAA', 'production'), ['turnstile_secret_suspicious']);
  assert.deepEqual(events(EMULATOR_TURNSTILE_SECRET, 'production'), []);
  const [warning] = configWarnings(resolveOptions({ ...base, turnstile: { secret: TURNSTILE_TEST_SECRETS.pass }, store: new MemoryStore() }), { NODE_ENV: 'production' }).filter((line) => line.event === 'turnstile_test_secret');
  assert.ok(!warning!.warning.includes(TURNSTILE_TEST_SECRETS.pass), 'the warning does not repeat the secret');
});

test('the Worker reads LEADRELAY_PREVIOUS_SECRETS as the CLI does, so rotating the secret keeps stored lead tokens', () => {
  const env = { INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN, LEADRELAY_SECRET: SECRET };
  assert.deepEqual(optionsFromWorkerEnv(env).previousSecrets, []);
  assert.deepEqual(optionsFromWorkerEnv({ ...env, LEADRELAY_PREVIOUS_SECRETS: ' old-one , old-two ' }).previousSecrets, ['old-one', 'old-two']);
});
