// `npm start`'s command as a child process: one line with the URL, the pages and the backend it names, a clean Ctrl-C.
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { startEmulator } from '../../src/emulator/index.js';
import { SCRIPT_TAG_CSP } from '../../demo/pages.js';

interface StartedDemo {
  child: ChildProcess;
  url: string;
  output: () => { stdout: string; stderr: string };
}

/** Run demo/server.ts like `npm start` does, and wait (with a deadline) for its one line. */
async function startDemoProcess(env: Record<string, string>): Promise<StartedDemo> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/server.ts'], {
    env: { PATH: process.env.PATH, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no URL line within 30 s; stderr: ${stderr}`));
    }, 30_000);
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /^LeadRelay demo: (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(stdout);
      if (match) {
        clearTimeout(deadline);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`exited with ${code} before printing its URL; stderr: ${stderr}`));
    });
  });
  return { child, url, output: () => ({ stdout, stderr }) };
}

async function stop(demo: StartedDemo, signal: NodeJS.Signals): Promise<number | null> {
  const exited = once(demo.child, 'exit');
  demo.child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

test('the demo prints exactly one line with its URL, serves the pages and the proxy, and exits 0 on Ctrl-C', async () => {
  const demo = await startDemoProcess({});
  try {
    const page = await fetch(demo.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<lead-relay id="live"/);
    const scriptTag = await fetch(new URL('/script-tag.html', demo.url));
    const scriptTagHtml = await scriptTag.text();
    // The strict policy plus the hash of the prerendered snippet's one <style> (as demo.test.ts checks in depth).
    const style = /<template shadowrootmode="open"><style>([\s\S]*?)<\/style>/.exec(scriptTagHtml)?.[1];
    assert.ok(style, 'the page holds the prerendered snippet');
    const hash = createHash('sha256').update(style).digest('base64');
    assert.equal(scriptTag.headers.get('content-security-policy'), `${SCRIPT_TAG_CSP}; style-src 'self' 'sha256-${hash}'`);
    assert.match(scriptTagHtml, /<script src="\/dist\/leadrelay\.iife\.js" defer><\/script>/);
    assert.equal((await fetch(new URL('/dist/leadrelay.iife.js', demo.url))).status, 200);
    assert.equal((await fetch(new URL('/dist/..%2Fpackage.json', demo.url))).status, 404);
    const health = await fetch(new URL('/api/leadrelay/health', demo.url));
    assert.deepEqual(await health.json(), { ok: true });
    const backend = (await (await fetch(new URL('/demo-api/backend', demo.url))).json()) as { kind: string };
    assert.equal(backend.kind, 'emulator');
  } finally {
    assert.equal(await stop(demo, 'SIGINT'), 0);
  }
  assert.equal(demo.output().stdout, `LeadRelay demo: ${demo.url}\n`);
});

test('with INTERCOM_ACCESS_TOKEN set it talks to that Intercom instead, says so, and never shows the token', async () => {
  // "Real Intercom" played by an emulator that accepts only this token, reached through INTERCOM_BASE_URL.
  const token = 'dG9rOnNlY3JldC10b2tlbi1mb3ItdGhlLWRlbW8tdGVzdA==';
  const intercom = await startEmulator({ port: 0, token });
  // Closed even when the demo does not start: a listening emulator left behind keeps this file's process alive, and
  // the whole node run waits on it for ever instead of reporting the failure.
  const demo = await startDemoProcess({ INTERCOM_ACCESS_TOKEN: token, INTERCOM_BASE_URL: intercom.url }).catch(async (error) => {
    await intercom.close();
    throw error;
  });
  try {
    const backend = (await (await fetch(new URL('/demo-api/backend', demo.url))).json()) as { kind: string; label: string };
    assert.equal(backend.kind, 'intercom');
    const inbox = (await (await fetch(new URL('/demo-api/inbox', demo.url))).json()) as { available: boolean; note: string };
    assert.equal(inbox.available, false);
    assert.match(inbox.note, /Intercom/);
    // The proxy created its data attributes in "Intercom" with that token at start-up.
    const requests = (await (await fetch(`${intercom.url}/_emulator/requests`)).json()) as { requests: { path: string; status: number }[] };
    assert.ok(requests.requests.some((request) => request.path === '/data_attributes' && request.status < 300));
    assert.equal(JSON.stringify(backend).includes(token), false);
  } finally {
    assert.equal(await stop(demo, 'SIGTERM'), 0);
    await intercom.close();
  }
  const { stdout, stderr } = demo.output();
  assert.equal(`${stdout}${stderr}`.includes(token), false);
});

test('the sign-in endpoint refuses a request without a user id or email with a 400 and a code', async () => {
  const demo = await startDemoProcess({});
  try {
    const response = await fetch(new URL('/demo-api/sign-in', demo.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: '' }),
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_field');
  } finally {
    await stop(demo, 'SIGINT');
  }
});
