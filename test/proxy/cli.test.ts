// The leadrelay-proxy command: fails fast without its secrets, and `--emulate` serves leads against an in-process emulator.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { waitUntil } from '../support/wait.js';
import { ACCESS_TOKEN, buildLead, testSecret } from './harness.js';
import { LOADER_ARGS, moduleUrl } from '../support/child-node.js';

const RUN_MAIN = `import { main } from ${JSON.stringify(moduleUrl('src/proxy/cli.ts'))}; await main(process.argv.slice(1));`;
const nodeArgs = (args: string[]) => [...LOADER_ARGS, '--input-type=module', '-e', RUN_MAIN, '--', ...args];

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
  return env;
}

test('without INTERCOM_ACCESS_TOKEN and LEADRELAY_SECRET it exits 1 naming both', () => {
  const result = spawnSync(process.execPath, nodeArgs([]), { env: cleanEnv({}), encoding: 'utf8', timeout: 20_000 });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /INTERCOM_ACCESS_TOKEN/);
  assert.match(result.stderr, /LEADRELAY_SECRET/);
  assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace');
});

test('with a token but no secret it still refuses to start', () => {
  const result = spawnSync(process.execPath, nodeArgs([]), {
    env: cleanEnv({ INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN }),
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /LEADRELAY_SECRET/);
  assert.ok(!result.stderr.includes(ACCESS_TOKEN) && !result.stdout.includes(ACCESS_TOKEN));
});

test('--emulate refuses to start when INTERCOM_ACCESS_TOKEN holds a real-looking token, without printing it', () => {
  for (const token of [ACCESS_TOKEN, 'dG9rOmFiY2RlZjEyMzQ1Njc4OTA=', 'emulator but not really']) {
    const result = spawnSync(process.execPath, nodeArgs(['--emulate', '--port', '0']), {
      env: cleanEnv({ INTERCOM_ACCESS_TOKEN: token }),
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(result.status, 1, token);
    assert.match(result.stderr, /--emulate/);
    assert.match(result.stderr, /INTERCOM_ACCESS_TOKEN/);
    assert.ok(!result.stderr.includes(token) && !result.stdout.includes(token), 'the token is not printed');
    assert.doesNotMatch(result.stdout, /"listening"/, 'nothing listened');
  }
});

test('--emulate serves POST /leads and logs one JSON line per request without the token', async () => {
  const child = spawn(process.execPath, nodeArgs(['--emulate', '--port', '0']), {
    env: cleanEnv({ INTERCOM_ACCESS_TOKEN: 'emulator-token', LEADRELAY_RATE_LIMIT: '0' }),
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  try {
    const lines = () => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
    const listening = await waitUntil(() => lines().find((line) => line.event === 'listening'), 'the proxy to start (its listening line)');
    assert.ok(lines().some((line) => line.event === 'secret_generated'), 'it says the secret was generated');
    const url = listening.url as string;
    const response = await fetch(`${url}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify(buildLead()),
    });
    assert.equal(response.status, 201);
    const logged = await waitUntil(() => lines().find((line) => line.route === '/leads'), 'the request to be logged');
    assert.equal(logged.method, 'POST');
    assert.equal(logged.status, 201);
    assert.equal(typeof logged.durationMs, 'number');
    assert.ok(!stdout.includes('emulator-token'), 'the token is in no log line');
    assert.ok(!stdout.includes('ada@example.com'), 'no personal data in the log');
  } finally {
    child.kill('SIGTERM');
  }
});

test('leadrelay-proxy starts and stays up while Intercom answers 503 (it used to exit 1 with setup_failed); a lead sent meanwhile is queued in the default store and delivered once after recovery', async () => {
  const { startEmulator } = await import('../../src/emulator/index.js');
  const { startProxyProcess } = await import('./proxy-process.js');
  const emulator = await startEmulator({ port: 0 });
  await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ route: '*', status: 503 }) });
  const secret = testSecret('cli-secret');
  const proxy = await startProxyProcess({ emulatorUrl: emulator.url, accessToken: ACCESS_TOKEN, secret, env: { LEADRELAY_SETUP_RETRY_MAX_MS: '50', LEADRELAY_QUEUE_RETRY_MAX_MS: '200', LEADRELAY_RECOVERY_WAIT_MS: '200' } });
  try {
    await waitUntil(() => proxy.output().includes('"setup_retrying"'), 'a setup_retrying line');
    assert.equal(proxy.child.exitCode, null, 'still running');
    const ready = await fetch(`${proxy.url}/health/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ok: true, store: 'reachable', durable: true, intercomSetup: 'pending' });
    const key = randomUUID();
    const accepted = await fetch(`${proxy.url}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(buildLead()),
    });
    assert.equal(accepted.status, 202);
    await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' });
    await waitUntil(() => proxy.output().includes('"data_attributes_ready"'), 'the data attributes to be created once Intercom answered');
    const state = await waitUntil(async () => {
      const now = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { contacts: any[]; conversations: any[] };
      return now.conversations.length > 0 && now;
    }, 'the queued lead to be delivered after recovery', { timeoutMs: 40_000 });
    assert.deepEqual(state.contacts.map((contact) => contact.custom_attributes.leadrelay_submission_id), [submissionReference(secret, key)], 'delivered once, with its submission reference');
    assert.ok(!proxy.output().includes(ACCESS_TOKEN));
  } finally {
    await proxy.stop();
    await emulator.close();
  }
});

/** The command run with `env` in a child process: its exit code and everything it printed. */
function runCli(env: Record<string, string>, args: string[] = []): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, nodeArgs(args), { env: cleanEnv(env), encoding: 'utf8', timeout: 120_000 }, (_error, stdout, stderr) =>
      resolve({ status: child.exitCode, stdout, stderr }),
    );
  });
}

test('each wrong setting is refused with its name and the fix, never a bare error class, never a secret or the token', async () => {
  const strong = testSecret('cli-lead-secret');
  const identity = testSecret('cli-identity-secret');
  const base = { INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN, LEADRELAY_SECRET: strong, LEADRELAY_DATA_DIR: '/nonexistent-leadrelay-test-dir', PORT: '0' };
  const cases: { env: Record<string, string>; names: RegExp; fix: RegExp }[] = [
    // The case that printed "leadrelay-proxy: could not start (Error)." and nothing else.
    { env: { LEADRELAY_IDENTITY_SECRET: strong }, names: /LEADRELAY_SECRET\) and `identity\.secret` \(LEADRELAY_IDENTITY_SECRET\)/, fix: /openssl rand -hex 32/ },
    { env: { LEADRELAY_IDENTITY_SECRET: identity, LEADRELAY_JWT_SECRET: identity }, names: /LEADRELAY_IDENTITY_SECRET\) and `identity\.jwtSecret` \(LEADRELAY_JWT_SECRET\)/, fix: /openssl rand -hex 32/ },
    { env: { LEADRELAY_SECRET: 'changeme' }, names: /LEADRELAY_SECRET\) is too short/, fix: /Make one with `openssl rand -hex 32`/ },
    { env: { LEADRELAY_SECRET: 'a'.repeat(40) }, names: /LEADRELAY_SECRET\) is too easy to guess/, fix: /openssl rand -hex 32/ },
    { env: { LEADRELAY_IDENTITY_SECRET: 'correct horse battery staple correct horse' }, names: /LEADRELAY_IDENTITY_SECRET\) is too easy to guess/, fix: /openssl rand -hex 32/ },
    { env: { LEADRELAY_JWT_SECRET: 'jwt-secret' }, names: /LEADRELAY_JWT_SECRET\) is too short/, fix: /openssl rand -hex 32/ },
    { env: { LEADRELAY_PREVIOUS_SECRETS: 'changemechangemechangemechangeme' }, names: /LEADRELAY_PREVIOUS_SECRETS, entry 1\) is too easy to guess/, fix: /drop it/ },
    { env: { LEADRELAY_PREVIOUS_SECRETS: strong }, names: /LEADRELAY_SECRET\) and `previousSecrets`/, fix: /openssl rand -hex 32/ },
    { env: { INTERCOM_REGION: 'mars' }, names: /INTERCOM_REGION is not a region/, fix: /us, eu or au/ },
    { env: { LEADRELAY_IPV6_PREFIX: '129' }, names: /LEADRELAY_IPV6_PREFIX must be from 1 to 128/, fix: /Leave it unset for 64/ },
    { env: { LEADRELAY_PUBLIC_URL: 'leads.mysite.test' }, names: /LEADRELAY_PUBLIC_URL must be an http:\/\/ or https:\/\/ URL/, fix: /e\.g\. https:\/\/www\.example\.com\/api\/leadrelay/ },
    { env: { LEADRELAY_RATE_LIMIT: 'lots' }, names: /LEADRELAY_RATE_LIMIT must be a whole number/, fix: /0 turns the limit off/ },
    { env: { REDIS_URL: 'http://cache' }, names: /REDIS_URL must start with redis:\/\//, fix: /e\.g\. redis:\/\/127\.0\.0\.1:6379/ },
  ];
  // Three at a time: each is a Node process compiling TypeScript, on a machine other tests share.
  const results: Awaited<ReturnType<typeof runCli>>[] = [];
  for (let i = 0; i < cases.length; i += 3) {
    results.push(...(await Promise.all(cases.slice(i, i + 3).map((c) => runCli({ ...base, ...c.env })))));
  }
  results.forEach((result, i) => {
    const { env, names, fix } = cases[i]!;
    const label = JSON.stringify(Object.keys(env));
    assert.equal(result.status, 1, `${label}: ${result.stderr}`);
    assert.match(result.stderr, /^leadrelay-proxy: /, label);
    assert.match(result.stderr, names, label);
    assert.match(result.stderr, fix, label);
    assert.doesNotMatch(result.stderr, /could not start \(/, `${label}: not a bare error class`);
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, `${label}: no stack trace`);
    const printed = result.stdout + result.stderr;
    for (const value of [ACCESS_TOKEN, strong, identity, ...Object.values(env)]) {
      assert.ok(!printed.includes(value), `${label}: a configured value was printed: ${printed}`);
    }
    assert.doesNotMatch(result.stdout, /"listening"/, `${label}: nothing listened`);
  });
});

test('without LEADRELAY_SECRET the refusal says how to make one that survives restarts', () => {
  const result = spawnSync(process.execPath, nodeArgs([]), { env: cleanEnv({ INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN }), encoding: 'utf8', timeout: 20_000 });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /LEADRELAY_SECRET.* is missing\. .*`openssl rand -hex 32`.*\.env/);
});
