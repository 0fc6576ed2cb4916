// `npm run bench:widget`: bundle sizes; first paint of <lead-relay> (plain and prerendered) over a static HTML form with
// the same fields; layout shift (CLS) on an article page for the plain snippet, the prerendered one and launcher mode.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { renderLeadRelay } from '../src/render/render-lead-relay.js';
import { ARTICLE_CSS, PHONE, WATCH_LAYOUT, articlePage, settledLayout, widgetSettled } from './article-page.js';
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

// The floor for any Lit element here: Lit (the same version, minified) rendering exactly the static form above into
// its shadow root, with no logic and one CSS rule. It shows what part of the ratio is ours and what part is drawing
// form controls from script after the page has been parsed.
const FLOOR_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>floor</title>
<script type="module" src="/floor.js"></script></head><body><lit-floor></lit-floor></body></html>`;
const FLOOR_FORM = STATIC_PAGE.slice(STATIC_PAGE.indexOf('<form>'), STATIC_PAGE.indexOf('</body>'));
const FLOOR_SOURCE = `import { LitElement, html, css } from 'lit';
customElements.define('lit-floor', class extends LitElement {
  static styles = css\`form { display: grid; gap: 1rem }\`;
  render() { return html\`${FLOOR_FORM}\`; }
});`;

const MODULE_SCRIPT = '<script type="module" src="/dist/leadrelay.js"></script>';

/** A page holding only the prerendered form (and the script that takes it over). */
async function prerenderedPage(): Promise<string> {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>prerendered</title>
${MODULE_SCRIPT}</head><body>${await renderLeadRelay({ proxy: '/proxy' })}</body></html>`;
}

/** The article page with each way of embedding the widget. */
async function articlePages(): Promise<Record<string, string>> {
  const head = { head: MODULE_SCRIPT };
  return {
    '/article-plain.html': articlePage('<lead-relay proxy="/proxy"></lead-relay>', head),
    '/article-prerendered.html': articlePage(await renderLeadRelay({ proxy: '/proxy' }), head),
    '/article-launcher.html': articlePage('<lead-relay proxy="/proxy" mode="launcher"></lead-relay>', head),
  };
}

async function bundleFloor(): Promise<string> {
  const result = await build({
    stdin: { contents: FLOOR_SOURCE, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
  });
  return result.outputFiles[0].text;
}

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
  console.log(`  first render  ${kb(sizes.firstRender)}  (${sizes.firstRenderFiles.join(', ')})  budget 10 KB`);
  for (const chunk of sizes.lazy) console.log(`  lazy          ${kb(chunk.gzip)}  ${chunk.name}`);
  console.log(`  inline form, English  ${kb(sizes.inlineEnglish)}  budget 16.5 KB (first render + later + en: after a submission)`);
  console.log(`  with ky + one locale  ${kb(sizes.withKyAndLocale)}  (everything one visitor can load: launcher too)`);
  console.log(`  leadrelay.iife.js     ${kb(sizes.iife)}  budget 19 KB (all locales inlined)`);

  const floorScript = await bundleFloor();
  const pages: Record<string, string> = {
    '/widget.html': WIDGET_PAGE,
    '/static.html': STATIC_PAGE,
    '/floor.html': FLOOR_PAGE,
    '/prerendered.html': await prerenderedPage(),
    ...(await articlePages()),
  };
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (pages[path]) {
      response.writeHead(200, { 'content-type': 'text/html' });
      return response.end(pages[path]);
    }
    if (path === '/article.css') {
      response.writeHead(200, { 'content-type': 'text/css' });
      return response.end(ARTICLE_CSS);
    }
    if (path === '/floor.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      return response.end(floorScript);
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
    if (page === 'prerendered.html') await widgetSettled(tab);
    else if (page !== 'static.html') await tab.waitForFunction(() => document.querySelector('lead-relay, lit-floor')?.shadowRoot?.querySelector('form'));
    await context.close();
    return ms;
  }

  /** CLS of an article page, once the widget has drawn itself (its form, or launcher mode's button). */
  async function layoutShift(page: string): Promise<number> {
    const context = await browser.newContext({ viewport: PHONE, colorScheme: 'light' });
    const tab = await context.newPage();
    await tab.addInitScript(WATCH_LAYOUT);
    await tab.goto(`${base}/${page}`);
    await widgetSettled(tab, page.includes('launcher'));
    const { cls } = await settledLayout(tab);
    await context.close();
    return cls;
  }

  const pagesInTurn = ['widget.html', 'static.html', 'floor.html', 'prerendered.html'];
  const articles = ['article-plain.html', 'article-prerendered.html', 'article-launcher.html'];
  const shifts: Record<string, number[]> = Object.fromEntries(articles.map((page) => [page, []]));
  const paints: Record<string, number[]> = Object.fromEntries(pagesInTurn.map((page) => [page, []]));
  try {
    await firstPaint('widget.html'); // warm up the browser process, not measured
    for (let run = 0; run < RUNS; run += 1) {
      // Rotate the order so no page always runs on a warmer browser.
      for (let turn = 0; turn < pagesInTurn.length; turn += 1) {
        const page = pagesInTurn[(run + turn) % pagesInTurn.length];
        paints[page].push(await firstPaint(page));
      }
      for (const page of articles) shifts[page].push(await layoutShift(page));
    }
  } finally {
    await browser.close();
    server.close();
  }
  const plain = median(paints['static.html']);
  const widget = median(paints['widget.html']);
  const floor = median(paints['floor.html']);
  console.log(`first contentful paint, median of ${RUNS} (headless Chromium, loopback):`);
  console.log(`  static HTML form             ${plain.toFixed(1)} ms`);
  console.log(`  <lead-relay>                 ${widget.toFixed(1)} ms   ratio ${(widget / plain).toFixed(2)}  (goal ≤ 1.3)`);
  console.log(`  floor: Lit drawing that form ${floor.toFixed(1)} ms   ratio ${(floor / plain).toFixed(2)}`);
  const prerendered = median(paints['prerendered.html']);
  console.log(`  prerendered <lead-relay>     ${prerendered.toFixed(1)} ms   ratio ${(prerendered / plain).toFixed(2)}  (goal ≤ 1.1)`);
  console.log(`cumulative layout shift, article page ${PHONE.width}×${PHONE.height}, median of ${RUNS} (max):`);
  for (const [page, label] of [
    ['article-plain.html', 'plain snippet       '],
    ['article-prerendered.html', 'prerendered snippet '],
    ['article-launcher.html', 'launcher mode       '],
  ]) {
    console.log(`  ${label} ${median(shifts[page]).toFixed(3)}  (${Math.max(...shifts[page]).toFixed(3)})`);
  }
}

await main();
