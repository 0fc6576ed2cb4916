// The README's ten-minute recipe, end to end, as a new user follows it: the secret made into .env, the files copied
// into a static site, the snippet rendered by the command, the page written from the README's block, the CLI proxy
// with --emulate and the site on a second loopback origin (Python's http.server, the README's line), and a visitor in
// Chromium whose lead and conversation reach the emulator. Every file the page loads comes from the copied folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildVisitor, fillAndSend, launchChromium, watchForProblems } from './browser.js';
import { docBlocks, jsonLines, root, shellCommands, startCli } from '../node/readme-blocks.js';

const run = promisify(execFile);

function block(check: string): string {
  const found = docBlocks().filter((candidate) => candidate.check === check);
  assert.equal(found.length, 1, `one block is tagged readme-check=${check}`);
  assert.equal(found[0]!.file, 'README.md', `${check} is in the README`);
  return found[0]!.code;
}

/** The README's static file server line, on a free port (the README's 8080 may be taken): resolves with its origin. */
async function serveSite(project: string, command: string[]): Promise<{ origin: string; stop(): Promise<void> }> {
  const port = command.indexOf('8080');
  assert.ok(port > 0, 'the README serves the site on port 8080');
  const [program, ...args] = command.map((word, index) => (index === port ? '0' : word));
  assert.equal(program, 'python3');
  const child = spawn(program, args, { cwd: project, env: { ...process.env, PYTHONUNBUFFERED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`http.server did not start:\n${output}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`http.server exited with ${code}:\n${output}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Serving HTTP on (127\.0\.0\.1) port (\d+)/.exec(output);
      if (!match) return;
      clearTimeout(deadline);
      resolve(`http://${match[1]}:${match[2]}`);
    });
  });
  return {
    origin,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

test('the README recipe: a static page on its own origin sends a lead through the CLI proxy to the emulator', async () => {
  const project = mkdtempSync(join(tmpdir(), 'leadrelay-recipe-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    // The project leadrelay was installed in: node_modules/leadrelay is this package (dist/ built).
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(root, join(project, 'node_modules', 'leadrelay'), 'dir');

    // 1. The secret, once, into .env; the lines before the command load it.
    const proxySteps = shellCommands(block('run-proxy'));
    const prelude = proxySteps.filter((c) => c.words[0] !== 'npx').map((c) => c.words.join(' ')).join('\n');
    const secret = (await run('sh', ['-c', `${prelude}\nprintf %s "$LEADRELAY_SECRET"`], { cwd: project })).stdout;
    assert.match(secret, /^[0-9a-f]{64}$/);

    // 2. The widget's files into the site; 4. the site served on its own origin (started first: the proxy allows it).
    await run('sh', ['-c', block('recipe-copy')], { cwd: project });
    const [serveLine] = shellCommands(block('recipe-serve'));
    const site = await serveSite(project, serveLine!.words);
    stops.push(site.stop);

    // 1. The proxy, with the command's arguments and the site's origin (its own free port instead of 8787).
    const [proxyCommand] = proxySteps.filter((c) => c.words[0] === 'npx');
    assert.ok(proxyCommand!.env.LEADRELAY_ALLOWED_ORIGINS, 'the command names the allowed origin');
    const emulatorPort = proxyCommand!.words.indexOf('--emulator-port') + 1;
    assert.ok(emulatorPort > 0, 'the command names the emulator port its curl line reads');
    const proxyArgs = proxyCommand!.words.slice(4).map((word, index) => (index + 4 === emulatorPort ? '0' : word));
    const proxy = await startCli(proxyArgs, { ...proxyCommand!.env, LEADRELAY_ALLOWED_ORIGINS: site.origin, LEADRELAY_SECRET: secret });
    stops.push(proxy.stop);
    const emulatorUrl = jsonLines(proxy.output()).find((line) => line.event === 'emulator_started')?.url as string;
    assert.ok(emulatorUrl, 'the proxy printed its emulator URL');

    // 3. The snippet from the render command (pointed at this proxy), pasted into the README's page.
    const [render] = shellCommands(block('recipe-render'));
    const args = render!.words.slice(4, -2).map((word) => (word === 'http://127.0.0.1:8787' ? proxy.url : word));
    assert.ok(args.includes(proxy.url), 'the command names the proxy');
    const snippet = (await run(process.execPath, [`${root}bin/leadrelay-render.js`, ...args], { cwd: project })).stdout;
    writeFileSync(join(project, render!.words.at(-1)!), snippet);
    const pageBlock = block('recipe-page');
    const paste = '<!-- the contents of contact-form.html -->';
    assert.ok(pageBlock.includes(paste));
    const body = pageBlock.replace(paste, readFileSync(join(project, 'contact-form.html'), 'utf8'));
    writeFileSync(join(project, 'site', 'contact.html'), `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Contact</title></head>\n<body>\n${body}\n</body>\n</html>\n`);

    // A visitor sends the form.
    const browser = await launchChromium();
    stops.push(() => browser.close());
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    const loaded: string[] = [];
    page.on('response', (response) => loaded.push(new URL(response.url()).pathname));
    await page.goto(`${site.origin}/contact.html`);
    const visitor = buildVisitor({ phone: undefined });
    await fillAndSend(page.locator('lead-relay'), visitor);

    // Every script came from the copied folder, chunks included, and nothing failed.
    const scripts = loaded.filter((path) => path.endsWith('.js'));
    assert.ok(scripts.includes('/leadrelay/leadrelay.js'));
    assert.ok(scripts.some((path) => /^\/leadrelay\/leadrelay-later-[\w-]+\.js$/.test(path)), scripts.join(', '));
    assert.ok(scripts.every((path) => path.startsWith('/leadrelay/')), scripts.join(', '));
    assert.deepEqual(problems, []);

    // What the README's curl line shows (at this run's emulator port): the lead, and its conversation with the message.
    const curl = shellCommands(block('recipe-serve'))[1]!.words.at(-1)!;
    assert.equal(new URL(curl).port, proxyCommand!.words[emulatorPort]);
    const state = (await (await fetch(`${emulatorUrl}${new URL(curl).pathname}`)).json()) as {
      contacts: { id: string; role: string; email: string }[];
      conversations: { contacts?: { contacts?: { id: string }[] }; source?: { body?: string } }[];
    };
    const lead = state.contacts.find((contact) => contact.email === visitor.email);
    assert.equal(lead?.role, 'lead');
    const conversations = state.conversations.filter((conversation) => conversation.contacts?.contacts?.some((contact) => contact.id === lead!.id));
    assert.equal(conversations.length, 1);
    assert.ok(JSON.stringify(conversations[0]).includes(visitor.message), 'the conversation holds the message');
  } finally {
    for (const stop of stops.reverse()) await stop();
    rmSync(project, { recursive: true, force: true });
  }
});
