// The leadrelay-proxy command: fails fast without its secrets, and `--emulate` serves leads against an in-process emulator.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { ACCESS_TOKEN, buildLead } from './harness.js';

const RUN_MAIN = "import { main } from './src/proxy/cli.ts'; await main(process.argv.slice(1));";
const nodeArgs = (args: string[]) => ['--import', 'tsx', '--input-type=module', '-e', RUN_MAIN, '--', ...args];

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
    const deadline = Date.now() + 20_000;
    while (!lines().some((line) => line.event === 'listening')) {
      assert.ok(Date.now() < deadline, `the proxy did not start: ${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(lines().some((line) => line.event === 'secret_generated'), 'it says the secret was generated');
    const url = lines().find((line) => line.event === 'listening')!.url as string;
    const response = await fetch(`${url}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify(buildLead()),
    });
    assert.equal(response.status, 201);
    while (!lines().some((line) => line.route === '/leads')) {
      assert.ok(Date.now() < deadline, 'the request was logged');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const logged = lines().find((line) => line.route === '/leads')!;
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
  await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ route: '*', status: 503 }) });
  const secret = randomUUID();
  const proxy = await startProxyProcess({ emulatorUrl: emulator.url, accessToken: ACCESS_TOKEN, secret, env: { LEADRELAY_SETUP_RETRY_MAX_MS: '50', LEADRELAY_QUEUE_RETRY_MAX_MS: '200', LEADRELAY_RECOVERY_WAIT_MS: '200' } });
  try {
    const deadline = Date.now() + 20_000;
    while (!proxy.output().includes('"setup_retrying"')) {
      assert.ok(Date.now() < deadline, `no setup_retrying line: ${proxy.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
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
    while (!proxy.output().includes('"data_attributes_ready"')) {
      assert.ok(Date.now() < deadline, 'the data attributes were created once Intercom answered');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (;;) {
      const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { contacts: any[]; conversations: any[] };
      if (state.conversations.length > 0) {
        assert.deepEqual(state.contacts.map((contact) => contact.custom_attributes.leadrelay_submission_id), [submissionReference(secret, key)], 'delivered once, with its submission reference');
        break;
      }
      assert.ok(Date.now() < deadline + 20_000, 'the queued lead was delivered after recovery');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(!proxy.output().includes(ACCESS_TOKEN));
  } finally {
    await proxy.stop();
    await emulator.close();
  }
});
