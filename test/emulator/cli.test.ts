// The `leadrelay-emulator` command: prints its URL, answers over HTTP, stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import { LOADER_ARGS, moduleUrl } from '../support/child-node.js';

const cliModule = moduleUrl('src/emulator/cli.ts');

function startCli(args: string[]) {
  const script = `const { main } = await import(${JSON.stringify(cliModule)}); await main(${JSON.stringify(args)});`;
  return spawn(process.execPath, [...LOADER_ARGS, '--input-type=module', '--eval', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function firstLine(child: ReturnType<typeof startCli>): Promise<string> {
  let buffered = '';
  for await (const chunk of child.stdout!) {
    buffered += chunk;
    if (buffered.includes('\n')) return buffered.split('\n')[0]!;
  }
  throw new Error(`the CLI exited without printing a line`);
}

test('the CLI prints one listening line, serves the API with its token, and exits 0 on SIGTERM', async () => {
  const child = startCli(['--port', '0', '--token', 'cli-token']);
  const line = await firstLine(child);
  const match = /^Intercom emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
  assert.ok(match, line);
  const url = match[1]!;
  const created = await fetch(`${url}/contacts`, {
    method: 'POST',
    headers: { Authorization: 'Bearer cli-token', 'Content-Type': 'application/json' },
    body: JSON.stringify({ role: 'lead', email: 'cli@example.com' }),
  });
  assert.equal(created.status, 200);
  const refused = await fetch(`${url}/contacts/x`, { headers: { Authorization: 'Bearer other' } });
  assert.equal(refused.status, 401);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});

test('the CLI refuses a bad port with exit code 2 and a usage line', async () => {
  const child = startCli(['--port', 'banana']);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(stderr, /Usage: leadrelay-emulator/);
});

/** GET a hook with a chosen Host header (fetch cannot set one), answering the status. */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const call = httpRequest(`${url}/_emulator/state`, { headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    call.on('error', reject);
    call.end();
  });
}

test('--allow-host adds a Host name the emulator answers to (a container\'s service name); others stay refused', async () => {
  const child = startCli(['--port', '0', '--allow-host', 'emulator', '--allow-host', 'intercom.internal']);
  const line = await firstLine(child);
  const url = /(http:\/\/127\.0\.0\.1:(\d+))$/.exec(line)!;
  try {
    assert.equal(await statusWithHost(url[1]!, `emulator:${url[2]}`), 200);
    assert.equal(await statusWithHost(url[1]!, `intercom.internal:${url[2]}`), 200);
    assert.equal(await statusWithHost(url[1]!, `localhost:${url[2]}`), 200);
    assert.equal(await statusWithHost(url[1]!, `evil.example:${url[2]}`), 403);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
