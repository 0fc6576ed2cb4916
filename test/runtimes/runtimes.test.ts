// The proxy under Deno and Bun (both installed from npm: @deno/linux-x64-glibc, @oven/bun-linux-x64), each creating
// one lead against the emulator. Deno runs with scoped permissions: network to 127.0.0.1, reading this checkout, and
// only the three variables serve.mjs reads (not NODE_ENV). Needs dist/ (npm run build) and LEADRELAY_TEST_DENO /
// LEADRELAY_TEST_BUN, the paths of the two binaries (.ci/run sets them).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ACCESS_TOKEN, buildLead, SECRET } from '../proxy/harness.js';
import { ROOT } from '../workers/worker-build.js';

const ENV_NAMES = ['INTERCOM_ACCESS_TOKEN', 'LEADRELAY_SECRET', 'INTERCOM_BASE_URL'];
let emulator: RunningEmulator;
before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist/proxy/app.js')), 'build dist/ first (npx tsc -p tsconfig.build.json)');
  emulator = await startEmulator({ port: 0 });
});
after(async () => {
  await emulator.close();
});

/** Start serve.mjs under a runtime; resolves with its port once it prints it, and the child to stop. */
function start(command: string, args: string[]): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const env = { PATH: process.env.PATH, NO_COLOR: '1', INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN, LEADRELAY_SECRET: SECRET, INTERCOM_BASE_URL: emulator.url };
  const child = spawn(command, [...args, 'test/runtimes/serve.mjs'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port printed in 60 s:\n${output}`)), 60_000);
    child.stderr!.on('data', (chunk) => (output += String(chunk)));
    child.stdout!.on('data', (chunk) => {
      output += String(chunk);
      const match = /\{"port":(\d+)\}/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), output: () => output });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
  });
}

async function createsALead(command: string, args: string[]): Promise<void> {
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const server = await start(command, args);
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/leads`, {
      method: 'POST',
      headers: { origin: 'https://www.example.com', 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify(buildLead()),
    });
    const body = await response.text();
    assert.equal(response.status, 201, body);
    const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { contacts: unknown[]; conversations: unknown[] };
    assert.equal(state.contacts.length, 1);
    assert.equal(state.conversations.length, 1);
    assert.ok(!body.includes(ACCESS_TOKEN) && !server.output().includes(ACCESS_TOKEN), 'the token never leaves the proxy');
  } finally {
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;
  }
}

test('Deno, scoped permissions (no NODE_ENV among the variables): a lead, 201', async () => {
  const deno = process.env.LEADRELAY_TEST_DENO;
  assert.ok(deno, 'LEADRELAY_TEST_DENO: the deno binary (npm install @deno/linux-x64-glibc)');
  await createsALead(deno, ['run', '--allow-net=127.0.0.1', `--allow-read=${ROOT}`, `--allow-env=${ENV_NAMES.join(',')}`]);
});

test('Bun: a lead, 201', async () => {
  const bun = process.env.LEADRELAY_TEST_BUN;
  assert.ok(bun, 'LEADRELAY_TEST_BUN: the bun binary (npm install @oven/bun-linux-x64)');
  await createsALead(bun, ['run']);
});
