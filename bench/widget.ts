// `npm run bench:widget`: bundle sizes, and first paint of <lead-relay> over a static HTML form with the same fields.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { measureBundles } from './bundle-size.js';

const RUNS = 20;
// The Chromium binary and flags every script on this machine uses (see DEVELOPERS.md).
const { CHROMIUM, CHROMIUM_FLAGS } = (await import('../web-test-runner.config.mjs' as string)) as {
  CHROMIUM: string;
  CHROMIUM_FLAGS: string[];
};
const root = fileURLToPath(new URL('..', import.meta.url));

const WIDGET_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>widget</title>
<script type="module" src="/dist/leadrelay.js"></script></head>
<body><lead-relay proxy="/proxy"></lead-relay></body></html>`;

// The same fields, labels and button as the widget's defaults, with no script and no CSS file.
const STATIC_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>static</title></head>
<body><form><h2>Get in touch</h2>
<div><label for="n">Name</label><input id="n" name="name" autocomplete="name"></div>
<div><label for="e">Email</label><input id="e" name="email" type="email" autocomplete="email" required></div>
<div><label for="p">Phone</label><input id="p" name="phone" type="tel" autocomplete="tel"></div>
<div><label for="m">Message</label><textarea id="m" name="message"></textarea></div>
<button>Send</button></form></body></html>`;

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(2)} KB`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  const sizes = measureBundles();
  console.log('bundle sizes (gzip -9):');
  console.log(`  first render  ${kb(sizes.firstRender)}  (${sizes.firstRenderFiles.join(', ')})  budget 10 KB, goal 9 KB`);
  for (const chunk of sizes.lazy) console.log(`  lazy          ${kb(chunk.gzip)}  ${chunk.name}`);
  console.log(`  with ky + one locale  ${kb(sizes.withKyAndLocale)}  budget 14 KB, goal 12 KB`);
  console.log(`  leadrelay.iife.js     ${kb(sizes.iife)}  (all locales inlined)`);

  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/widget.html' || path === '/static.html') {
      response.writeHead(200, { 'content-type': 'text/html' });
      return response.end(path === '/widget.html' ? WIDGET_PAGE : STATIC_PAGE);
    }
    if (path.startsWith('/dist/') && path.endsWith('.js') && !path.includes('..')) {
      try {
        const body = await readFile(root + path.slice(1));
        response.writeHead(200, { 'content-type': 'text/javascript' });
        return response.end(body);
      } catch {
        // fall through to 404
      }
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });

  async function firstPaint(page: string): Promise<number> {
    const context = await browser.newContext(); // cold cache every run
    const tab = await context.newPage();
    await tab.goto(`${base}/${page}`);
    const ms = await tab.evaluate(
      () =>
        new Promise<number>((resolve) => {
          new PerformanceObserver((list) => {
            const entry = list.getEntriesByName('first-contentful-paint')[0];
            if (entry) resolve(entry.startTime);
          }).observe({ type: 'paint', buffered: true });
        }),
    );
    if (page === 'widget.html') await tab.waitForFunction(() => document.querySelector('lead-relay')?.shadowRoot?.querySelector('form'));
    await context.close();
    return ms;
  }

  const widget: number[] = [];
  const plain: number[] = [];
  try {
    await firstPaint('widget.html'); // warm up the browser process, not measured
    for (let run = 0; run < RUNS; run += 1) {
      // Alternate the order so neither page always runs on a warmer browser.
      if (run % 2) {
        plain.push(await firstPaint('static.html'));
        widget.push(await firstPaint('widget.html'));
      } else {
        widget.push(await firstPaint('widget.html'));
        plain.push(await firstPaint('static.html'));
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  const ratio = median(widget) / median(plain);
  console.log(`first contentful paint, median of ${RUNS} (headless Chromium, loopback):`);
  console.log(`  static HTML form  ${median(plain).toFixed(1)} ms`);
  console.log(`  <lead-relay>      ${median(widget).toFixed(1)} ms`);
  console.log(`  ratio             ${ratio.toFixed(2)}  (goal ≤ 1.3)`);
}

await main();
