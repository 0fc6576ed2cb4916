// `leadrelay-proxy --emulate --emulator-port N`: the emulator on the port asked for, its address in the start-up
// line; --help states which token an emulator accepts.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { waitUntil } from '../support/wait.js';
import { LOADER_ARGS, moduleUrl } from '../support/child-node.js';

const RUN_MAIN = `import { main } from ${JSON.stringify(moduleUrl('src/proxy/cli.ts'))}; await main(process.argv.slice(1));`;
const nodeArgs = (args: string[]) => [...LOADER_ARGS, '--input-type=module', '-e', RUN_MAIN, '--', ...args];
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, ...extra });

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('--emulator-port N puts the emulator on N, and the listening line names it', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, nodeArgs(['--emulate', '--emulator-port', String(port), '--port', '0']), { env: cleanEnv({ LEADRELAY_RATE_LIMIT: '0' }) });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  try {
    const lines = () => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
    const listening = await waitUntil(() => {
      assert.equal(child.exitCode, null, `the proxy exited before it started:\n${stdout}`);
      return lines().find((line) => line.event === 'listening');
    }, 'the proxy to start (its listening line)');
    assert.equal(listening.emulator, `http://127.0.0.1:${port}`);
    // The emulator started with --emulate takes any non-empty token, and refuses a request with none.
    const withToken = await fetch(`${listening.emulator}/data_attributes?model=contact`, { headers: { authorization: 'Bearer any-token-at-all' } });
    assert.equal(withToken.status, 200);
    const without = await fetch(`${listening.emulator}/data_attributes?model=contact`);
    assert.equal(without.status, 401);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

test('--emulator-port without --emulate, or without a port number, exits 1 with a sentence', () => {
  for (const args of [['--emulator-port', '8790'], ['--emulate', '--emulator-port', 'eighty']]) {
    const result = spawnSync(process.execPath, nodeArgs(args), { env: cleanEnv(), encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.status, 1, args.join(' '));
    assert.match(result.stderr, /--emulator-port/);
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace');
  }
});

test('--help states the emulator port option and the emulator token rule', () => {
  const result = spawnSync(process.execPath, nodeArgs(['--help']), { env: cleanEnv(), encoding: 'utf8', timeout: 20_000 });
  assert.equal(result.status, 0);
  assert.match(result.stdout, /--emulator-port N/);
  assert.match(result.stdout, /any non-empty token/);
  assert.match(result.stdout, /--token T/);
  assert.match(result.stdout, /INTERCOM_BASE_URL=http:\/\/127\.0\.0\.1:8790/);
});
