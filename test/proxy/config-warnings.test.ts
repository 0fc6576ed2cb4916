// Start-up warnings: configuration mistakes that would otherwise only show as refusals are logged when the proxy starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProxy, MemoryStore, type ProxyOptions } from '../../src/proxy/app.js';
import { configWarnings } from '../../src/proxy/config-warnings.js';
import { resolveOptions } from '../../src/proxy/options.js';
import { startEmulator } from '../../src/emulator/index.js';
import { ACCESS_TOKEN, SECRET, testSecret, mergeOptions } from './harness.js';
import { startProxyProcess } from './proxy-process.js';

const IDENTITY_SECRET = testSecret('identity-secret-for-config-warning-tests');

/** The warnings createProxy logs for these options (no Intercom call: the data attribute setup is off). */
async function startupWarnings(options: Partial<ProxyOptions>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const proxy = createProxy(
    mergeOptions(
      {
        intercom: { accessToken: ACCESS_TOKEN, baseUrl: 'http://127.0.0.1:9' },
        secret: SECRET,
        testing: { setupDataAttributes: false, queuePollMs: 0 },
        logger: (line: Record<string, unknown>) => lines.push(line),
      },
      options,
    ),
  );
  await proxy.close();
  return lines.filter((line) => typeof line.warning === 'string');
}

const events = (lines: Record<string, unknown>[]) => lines.map((line) => line.event);

test('leadrelay-proxy without an identity secret warns at start that /convert will refuse every sign-in', async () => {
  const emulator = await startEmulator({ port: 0 });
  const proxy = await startProxyProcess({ emulatorUrl: emulator.url, accessToken: ACCESS_TOKEN, secret: SECRET });
  try {
    const warning = proxy
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.event === 'identity_not_configured');
    assert.ok(warning, `a start-up line names the missing identity secret:\n${proxy.output()}`);
    assert.match(String(warning.warning), /LEADRELAY_IDENTITY_SECRET.*401 identity_unverified/);
    // What the warning predicts: a sign-in is refused however it is proven.
    const response = await fetch(`${proxy.url}/convert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ leadToken: 'a-lead-token', identity: { userId: 'u_1', userHash: '0'.repeat(64) } }),
    });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'identity_unverified');
    assert.ok(!proxy.output().includes(ACCESS_TOKEN), 'the token is in no output line');
  } finally {
    await proxy.stop();
    await emulator.close();
  }
});

test('a complete configuration starts without a warning', async () => {
  const warnings = await startupWarnings({
    identity: { secret: IDENTITY_SECRET },
    origins: { allowed: ['https://www.example.com', 'https://shop.example.com/'] },
    basePath: '/api/leadrelay',
  });
  assert.deepEqual(warnings, []);
});

test('an authenticate hook or a JWT secret counts as a way to verify users', async () => {
  const allowedOrigins = ['https://www.example.com'];
  assert.deepEqual(events(await startupWarnings({ origins: { allowed: allowedOrigins }, identity: { authenticate: async () => null } })), []);
  assert.deepEqual(events(await startupWarnings({ origins: { allowed: allowedOrigins }, identity: { jwtSecret: testSecret('jwt-secret-for-config-warning-tests') } })), []);
});

test('an allowed origin that is not an origin (no scheme) is named, because no browser ever sends it', async () => {
  const warnings = await startupWarnings({ identity: { secret: IDENTITY_SECRET }, origins: { allowed: ['www.example.com', 'https://ok.example'] } });
  assert.deepEqual(events(warnings), ['allowed_origin_never_matches']);
  assert.match(String(warnings[0]!.warning), /"www\.example\.com"/);
});

test('"*" among the allowed origins is pointed out: any website can send leads', async () => {
  const warnings = await startupWarnings({ identity: { secret: IDENTITY_SECRET }, origins: { allowed: ['*'] } });
  assert.deepEqual(events(warnings), ['any_origin_allowed']);
});

test('a base path that already ends with a route is named, with where the routes really are', async () => {
  const warnings = await startupWarnings({
    identity: { secret: IDENTITY_SECRET },
    origins: { allowed: ['https://www.example.com'] },
    basePath: '/api/leadrelay/leads',
  });
  assert.deepEqual(events(warnings), ['base_path_names_a_route']);
  assert.match(String(warnings[0]!.warning), /\/api\/leadrelay\/leads\/leads/);
});

test('the memory store is flagged in production only', () => {
  const options = { intercom: { accessToken: ACCESS_TOKEN }, secret: SECRET, identity: { secret: IDENTITY_SECRET }, origins: { allowed: ['https://a.example'] } };
  const store = new MemoryStore();
  assert.deepEqual(events(configWarnings(resolveOptions({ ...options, store }), { NODE_ENV: 'production' }) as never), ['memory_store_in_production']);
  assert.deepEqual(configWarnings(resolveOptions({ ...options, store }), { NODE_ENV: 'test' }), []);
});

test('no warning carries a secret', async () => {
  const warnings = await startupWarnings({ origins: { allowed: ['*', 'nope'] }, basePath: '/x/convert' });
  const text = JSON.stringify(warnings);
  assert.equal(warnings.length, 4);
  for (const secret of [ACCESS_TOKEN, SECRET]) assert.ok(!text.includes(secret));
});
