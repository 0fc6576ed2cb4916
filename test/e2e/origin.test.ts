// End to end in Chromium: a page on an origin the proxy does not allow (browser → real proxy → emulator) reads the
// refusal, shows "not set up for this site", fires lr-error and keeps nothing; the same page on an allowed proxy sends.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { serve as serveNode } from '@hono/node-server';
import { build } from 'esbuild';
import { Hono } from 'hono';
import type { Browser, Page } from 'playwright-core';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { serve, type ServedProxy } from '../../src/proxy/node.js';
import { buildVisitor, launchChromium } from './browser.js';
import { ROOT } from '../support/root.js';

let emulator: RunningEmulator;
let browser: Browser;
let site: { url: string; server: Server };
const proxies: ServedProxy[] = [];
const logs: Record<string, unknown>[] = [];

/** The widget (src/index.ts with its lazy chunks), bundled in memory, served with a page that points it at `?proxy=`. */
async function startSite(): Promise<{ url: string; server: Server }> {
  const root = ROOT;
  const result = await build({
    absWorkingDir: root,
    entryPoints: { leadrelay: 'src/index.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    target: 'es2022',
    conditions: ['production', 'browser'],
    outdir: 'out',
    write: false,
    logLevel: 'silent',
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
  });
  const files = new Map(result.outputFiles.map((file) => [file.path.slice(file.path.lastIndexOf('/') + 1), file.text]));
  const app = new Hono();
  app.get('/widget/:name', (c) => {
    const text = files.get(c.req.param('name'));
    return text === undefined ? c.notFound() : c.body(text, 200, { 'content-type': 'text/javascript' });
  });
  app.get('/', (c) => {
    const proxy = String(c.req.query('proxy')).replace(/"/g, '&quot;');
    return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script type="module" src="/widget/leadrelay.js"></script></head>
<body><lead-relay proxy="${proxy}" fields="name email message"></lead-relay></body></html>`);
  });
  let server!: Server;
  const info = await new Promise<AddressInfo>((resolve) => {
    server = serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, resolve) as Server;
  });
  return { url: `http://127.0.0.1:${info.port}`, server };
}

async function startProxy(allowedOrigins: string[]): Promise<ServedProxy> {
  const proxy = await serve({
    port: 0,
    intercom: { accessToken: 'emulator-token', baseUrl: emulator.url },
    secret: `e2e-origin-secret-${randomBytes(32).toString('hex')}`,
    origins: { allowed: allowedOrigins },
    limits: { minFillMs: 0 },
    testing: { queuePollMs: 0 },
    logger: (line) => logs.push(line),
  });
  proxies.push(proxy);
  return proxy;
}

before(async () => {
  emulator = await startEmulator({ port: 0 });
  site = await startSite();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const proxy of proxies) await proxy.close();
  await new Promise((resolve) => {
    site?.server.closeAllConnections();
    site?.server.close(resolve);
  });
  await emulator?.close();
});

/** Open the shop page with its widget pointed at `proxy`, recording the widget's lr-* events. */
async function openShop(proxy: ServedProxy): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    const seen: { type: string; code?: string }[] = ((window as unknown as { lrEvents: unknown[] }).lrEvents = []) as never;
    for (const type of ['lr-error', 'lr-queued', 'lr-success']) {
      document.addEventListener(type, (event) => seen.push({ type, code: (event as CustomEvent<{ code?: string }>).detail?.code }));
    }
  });
  await page.goto(`${site.url}/?proxy=${encodeURIComponent(proxy.url)}`);
  return page;
}

async function fillAndSubmit(page: Page, email: string): Promise<void> {
  const widget = page.locator('lead-relay');
  await widget.getByRole('textbox', { name: /^Name/ }).pressSequentially('Ada Lovelace');
  await widget.getByRole('textbox', { name: /^Email/ }).pressSequentially(email);
  await widget.getByRole('textbox', { name: /^Message/ }).pressSequentially('Hello from a shop that is not set up yet');
  await widget.locator('[part=button]').click();
}

async function contactsWith(email: string): Promise<number> {
  const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { contacts: { email: string }[] };
  return state.contacts.filter((contact) => contact.email === email).length;
}

test('a page on a disallowed origin sees "not set up for this site" and lr-error origin_not_allowed, and keeps nothing', async () => {
  const proxy = await startProxy(['https://www.example.com']);
  const page = await openShop(proxy);
  const visitor = buildVisitor();
  await fillAndSubmit(page, visitor.email);
  await page.locator('lead-relay').getByText(/not set up for this site/).waitFor({ timeout: 15_000 });

  const events = await page.evaluate(() => (window as unknown as { lrEvents: unknown[] }).lrEvents);
  assert.deepEqual(events, [{ type: 'lr-error', code: 'origin_not_allowed' }]);
  assert.equal(await page.evaluate(() => localStorage.getItem('leadrelay:outbox')), null, 'the outbox is empty');
  assert.equal(await contactsWith(visitor.email), 0, 'nothing reached Intercom');
  const refused = logs.filter((line) => line.event === 'origin_refused');
  assert.deepEqual(refused.map((line) => line.origin), [site.url], 'the proxy logged the refused origin once');
  await page.context().close();
});

test('the same page on a proxy that allows its origin sends the lead', async () => {
  const proxy = await startProxy([site.url]);
  const page = await openShop(proxy);
  const visitor = buildVisitor();
  await fillAndSubmit(page, visitor.email);
  await page.locator('lead-relay').getByText(/Thank you/).waitFor({ timeout: 15_000 });
  assert.equal(await contactsWith(visitor.email), 1);
  await page.context().close();
});
