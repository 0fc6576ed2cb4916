// What a site must serve for the script: leadrelay.js and every leadrelay-*.js beside it (docs/widget.md, "Files to
// serve"). A site serving exactly those gets a lead; a site where one of them cannot be fetched gets an lr-error naming
// the file, keeps what waits in the outbox, and the form posts itself to the proxy the way it does without JavaScript.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Browser } from 'playwright-core';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createProxy, type Proxy } from '../../src/proxy/app.js';
import { renderLeadRelay } from '../../src/render/render-lead-relay.js';
import { buildVisitor, launchChromium, watchForProblems } from './browser.js';

const PROXY_PATH = '/api/leadrelay';
/** The documented rule, as a file name pattern: `leadrelay.js` and `leadrelay-<anything>.js`, nothing else. */
const SERVED = /^leadrelay(-[\w-]+)?\.js$/;

let browser: Browser;
let emulator: RunningEmulator;
let proxy: Proxy;
let server: Server;
let site: string;
const pages = new Map<string, string>();
/** Every request for something under /leadrelay/, with the status the site answered. */
const scriptRequests: { name: string; status: number }[] = [];
let served: string[] = [];

before(async () => {
  served = (await readdir(new URL('../../dist/', import.meta.url))).filter((name) => SERVED.test(name));
  emulator = await startEmulator({ port: 0 });
  const app = new Hono();
  app.all(`${PROXY_PATH}/*`, (c) => proxy.fetch(c.req.raw, c.env));
  // The site's folder for the widget: exactly the files the rule names, copied out of dist/ (a 404 for anything else).
  app.get('/leadrelay/:name', async (c) => {
    const name = c.req.param('name');
    const status = served.includes(name) ? 200 : 404;
    scriptRequests.push({ name, status });
    if (status === 404) return c.text('Not found', 404);
    return c.body(await readFile(new URL(`../../dist/${name}`, import.meta.url), 'utf8'), 200, { 'content-type': 'text/javascript' });
  });
  app.get('*', (c) => {
    const html = pages.get(new URL(c.req.url).pathname);
    return html ? c.html(html) : c.text('Not found', 404);
  });
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port)) as Server;
  });
  site = `http://127.0.0.1:${port}`;
  proxy = createProxy({
    intercom: { accessToken: 'emulator-token', baseUrl: emulator.url },
    secret: `served-files-secret-${randomBytes(32).toString('hex')}`,
    origins: { allowed: [site] },
    basePath: PROXY_PATH,
    clients: { rateLimit: 0 },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => {
    server?.close(() => resolve());
    server?.closeAllConnections();
  });
  await proxy?.close();
  await emulator?.close();
});

function page(body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Contact</title>
<script type="module" src="/leadrelay/leadrelay.js"></script></head><body><h1>Contact us</h1>${body}</body></html>`;
}

async function contactFor(email: string): Promise<{ email: string } | undefined> {
  const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { contacts: { email: string }[] };
  return state.contacts.find((contact) => contact.email === email);
}

test('a site serving leadrelay.js and the leadrelay-*.js beside it (and nothing else) gets a lead from the plain element', async () => {
  assert.ok(served.includes('leadrelay.js') && served.some((name) => name.startsWith('leadrelay-later-')), 'the bundles are built');
  pages.set('/contact.html', page(`<lead-relay proxy="${site}${PROXY_PATH}" fields="name email message"></lead-relay>`));
  const context = await browser.newContext();
  const tab = await context.newPage();
  const problems = watchForProblems(tab);
  const before = scriptRequests.length;
  await tab.goto(`${site}/contact.html`);
  const widget = tab.locator('lead-relay');
  const visitor = buildVisitor();
  await widget.getByRole('textbox', { name: /^Name/ }).pressSequentially(visitor.name);
  await widget.getByRole('textbox', { name: /^Email/ }).pressSequentially(visitor.email);
  await widget.getByRole('textbox', { name: /^Message/ }).pressSequentially(visitor.message);
  await widget.locator('[part=button]').click();
  await widget.getByText('Thank you! We will get back to you soon.').waitFor({ timeout: 15_000 });
  assert.ok(await contactFor(visitor.email), 'the lead reached the emulator');
  const requested = scriptRequests.slice(before);
  assert.ok(requested.some((request) => request.name.startsWith('leadrelay-later-')), 'the submit code came from the served folder');
  assert.deepEqual(requested.filter((request) => request.status !== 200), [], 'every file the script asked for was served');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a chunk that cannot be fetched: lr-error names it, the outbox keeps what waits, and the prerendered form posts itself to the proxy', async () => {
  const snippet = await renderLeadRelay({ proxy: `${site}${PROXY_PATH}`, fields: 'name email message' });
  pages.set('/blocked.html', page(snippet));
  const context = await browser.newContext();
  const errors: { code: string; file?: string; message: string }[] = [];
  await context.exposeBinding('recordLeadError', (_source, detail: (typeof errors)[number]) => errors.push(detail));
  await context.addInitScript(() => {
    document.addEventListener('lr-error', (event) => (window as unknown as { recordLeadError(d: unknown): void }).recordLeadError((event as CustomEvent).detail));
  });
  const tab = await context.newPage();
  let blocked = 0;
  await tab.route('**/leadrelay/leadrelay-later-*.js', (route) => {
    blocked += 1;
    return route.fulfill({ status: 404, body: 'Not found' });
  });
  // A submission an earlier page could not deliver, waiting in this browser's outbox (for another proxy, so it stays).
  const waiting = { key: '0b0e4a4e-3c1f-4a8e-9b1a-5d1f2c3b4a59', proxy: 'https://elsewhere.example/api', body: { email: 'w@example.com' }, at: Date.now() };
  pages.set('/earlier.html', page(''));
  await tab.goto(`${site}/earlier.html`);
  await tab.evaluate((item) => localStorage.setItem('leadrelay:outbox', JSON.stringify([item])), waiting);
  await tab.goto(`${site}/blocked.html`);

  const widget = tab.locator('lead-relay');
  const visitor = buildVisitor();
  await widget.getByRole('textbox', { name: /^Name/ }).pressSequentially(visitor.name);
  await widget.getByRole('textbox', { name: /^Email/ }).pressSequentially(visitor.email);
  await widget.getByRole('textbox', { name: /^Message/ }).pressSequentially(visitor.message);
  const keystrokes = visitor.name.length + visitor.email.length + visitor.message.length;
  // Once for the outbox on connect, once on the first keystroke (the browser does not remember a failed module): not
  // once per keystroke.
  assert.ok(blocked >= 1, 'the submit code was asked for');
  assert.ok(blocked <= 2, `the missing file was asked for ${blocked} times over ${keystrokes} keystrokes`);

  const posted = tab.waitForResponse((response) => response.url() === `${site}${PROXY_PATH}/leads` && response.request().method() === 'POST');
  await widget.locator('[part=button]').click();
  const response = await posted;
  assert.equal(response.status(), 201, 'the native post reached the proxy and was accepted');
  assert.match(response.request().headers()['content-type'] ?? '', /application\/x-www-form-urlencoded/);
  await tab.getByText('Thank you! We will get back to you soon.').waitFor({ timeout: 15_000 });

  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.code, 'chunk_load_failed');
  assert.match(errors[0]!.file ?? '', /\/leadrelay\/leadrelay-later-[\w-]+\.js$/);
  assert.match(errors[0]!.message, /leadrelay-later-/);
  assert.ok(await contactFor(visitor.email), 'the lead reached the emulator through the no-JavaScript post');
  // The thank-you page is the proxy's, on the site's origin here: the outbox is still there, untouched.
  assert.deepEqual(JSON.parse((await tab.evaluate(() => localStorage.getItem('leadrelay:outbox'))) ?? '[]'), [waiting]);
  await context.close();
});
