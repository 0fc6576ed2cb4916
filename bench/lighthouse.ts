// `npm run bench:lighthouse`: Lighthouse (mobile, its default simulated slow 4G and 4× CPU) on the demo's two embedding
// pages, /script-tag.html and /app.html, against a baseline in the same run: the script-tag page as static HTML (the
// same text, stylesheets and fields in a plain <form>, no script). Prints performance, CLS and TBT, medians of RUNS
// (LIGHTHOUSE_RUNS, default 5).
// A figure to read, not a test: a busy machine moves TBT, so the baseline is measured alongside as a ratio.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
// Lighthouse's own launcher (a dependency of lighthouse and of @web/test-runner-chrome): it only starts Chromium here.
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { startDemo } from '../demo/demo-server.js';

const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 5);
// The Chromium binary and flags every script on this machine uses (see DEVELOPERS.md), headless.
const { CHROMIUM, CHROMIUM_FLAGS } = (await import('../web-test-runner.config.mjs' as string)) as {
  CHROMIUM: string;
  CHROMIUM_FLAGS: string[];
};

const PAGES = ['/script-tag.html', '/app.html'] as const;

/** The script-tag page with nothing that runs: the same text, stylesheets and fields as a plain HTML form. */
async function baselinePage(): Promise<string> {
  const html = await readFile(new URL('../demo/script-tag.html', import.meta.url), 'utf8');
  const form = `<form method="post" action="/api/leadrelay/leads" class="baseline-form">
<h2>Book a demo</h2>
<p><label for="n">Name</label><br><input id="n" name="name" autocomplete="name"></p>
<p><label for="e">Email</label><br><input id="e" name="email" type="email" autocomplete="email" required></p>
<p><label for="p">Phone</label><br><input id="p" name="phone" type="tel" autocomplete="tel"></p>
<p><label for="m">Message</label><br><textarea id="m" name="message"></textarea></p>
<p><label><input type="checkbox" name="consent" required> I agree that Acme may contact me about my request.</label></p>
<button>Request a demo</button></form>`;
  return html
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '')
    .replace(/<lead-relay\b[\s\S]*?<\/lead-relay>/, form)
    .replace(/<demo-[\w-]+>[\s\S]*?<\/demo-[\w-]+>/g, '');
}

/** Serves the baseline page at /baseline.html and passes everything else to the demo, on one loopback origin. */
async function startBaseline(demoUrl: string): Promise<{ url: string; server: Server }> {
  const page = await baselinePage();
  const server = createServer((request, response) => {
    if (request.url === '/baseline.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(page);
      return;
    }
    void fetch(new URL(request.url ?? '/', demoUrl)).then(async (answer) => {
      response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
      response.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/baseline.html`, server };
}

interface Figures {
  performance: number;
  cls: number;
  tbt: number;
  lcp: number;
  fcp: number;
  /** The element Lighthouse took for LCP (a snippet of its markup). */
  lcpElement: string;
}

async function audit(url: string, port: number): Promise<Figures> {
  const result = await lighthouse(url, { port, output: 'json', logLevel: 'error', onlyCategories: ['performance'], formFactor: 'mobile' });
  if (!result) throw new Error(`Lighthouse gave no result for ${url}`);
  const { lhr } = result;
  if (lhr.runtimeError) throw new Error(`Lighthouse on ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  const value = (id: string) => lhr.audits[id]?.numericValue ?? Number.NaN;
  return {
    performance: Math.round((lhr.categories.performance?.score ?? 0) * 100),
    cls: value('cumulative-layout-shift'),
    tbt: value('total-blocking-time'),
    lcp: value('largest-contentful-paint'),
    fcp: value('first-contentful-paint'),
    lcpElement: lcpElement(lhr.audits['largest-contentful-paint-element']?.details),
  };
}

/** The node snippet in the LCP-element audit's table (its shape: a list of tables, the first holding the node). */
function lcpElement(details: unknown): string {
  const table = (details as { items?: { items?: { node?: { snippet?: string } }[] }[] } | undefined)?.items?.[0];
  return table?.items?.[0]?.node?.snippet?.slice(0, 100) ?? '?';
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function medianFigures(runs: Figures[]): Figures {
  const pick = (key: Exclude<keyof Figures, 'lcpElement'>) => median(runs.map((run) => run[key]));
  return { performance: pick('performance'), cls: pick('cls'), tbt: pick('tbt'), lcp: pick('lcp'), fcp: pick('fcp'), lcpElement: runs[0]!.lcpElement };
}

const demo = await startDemo({ port: 0 });
const baseline = await startBaseline(demo.url);
const chrome = await chromeLauncher.launch({
  chromePath: CHROMIUM,
  // Only these flags: chrome-launcher's defaults would be added to them otherwise.
  ignoreDefaultFlags: true,
  chromeFlags: ['--headless', ...CHROMIUM_FLAGS],
});

try {
  const targets: [string, string][] = [
    ['baseline (static HTML)', baseline.url],
    ...PAGES.map((path): [string, string] => [path, new URL(path, demo.url).href]),
  ];
  // Round by round, every page once per round: a busy machine slows all of them alike rather than one page's runs.
  const runs = new Map<string, Figures[]>(targets.map(([name]) => [name, []]));
  for (let round = 0; round < RUNS; round += 1) {
    for (const [name, url] of targets) runs.get(name)!.push(await audit(url, chrome.port));
  }
  const results = new Map([...runs].map(([name, figures]) => [name, medianFigures(figures)]));
  const base = results.get('baseline (static HTML)')!;
  const { version } = JSON.parse(await readFile(new URL('../node_modules/lighthouse/package.json', import.meta.url), 'utf8')) as { version: string };
  console.log(`Lighthouse ${version}, mobile, medians of ${RUNS}`);
  console.log('page                     perf   CLS     TBT ms   LCP ms   FCP ms   perf/baseline  LCP/baseline');
  for (const [name, figures] of results) {
    console.log(
      `${name.padEnd(24)} ${String(figures.performance).padStart(4)}   ${figures.cls.toFixed(3)}  ${figures.tbt.toFixed(0).padStart(6)}   ` +
        `${figures.lcp.toFixed(0).padStart(6)}   ${figures.fcp.toFixed(0).padStart(6)}   ${(figures.performance / base.performance).toFixed(2).padStart(12)}` +
        `  ${(figures.lcp / base.lcp).toFixed(2).padStart(12)}`,
    );
  }
  for (const [name, figures] of results) console.log(`LCP element on ${name}: ${figures.lcpElement}`);
  console.log('goal: performance ≥ 95 and CLS < 0.05 on /script-tag.html and /app.html');
} finally {
  await chrome.kill();
  await new Promise((resolve) => baseline.server.close(resolve));
  await demo.close();
}
