// `npm run bench:lighthouse`: Lighthouse (mobile, its default simulated slow 4G and 4× CPU) on the demo's two embedding
// pages, /script-tag.html and /app.html, against a baseline in the same run: the script-tag page as static HTML (the
// same text, stylesheets and fields in a plain <form>, no script). Prints performance, CLS and TBT, medians of RUNS
// (LIGHTHOUSE_RUNS, default 5).
// A figure to read, not a test: a busy machine moves TBT, so the baseline is measured alongside as a ratio.
import { createServer, request, type Server } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
// Lighthouse's own launcher (a dependency of lighthouse and of @web/test-runner-chrome): it only starts Chromium here.
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { startDemo } from '../demo/demo-server.js';

const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 5);
// LIGHTHOUSE_REPORTS=<folder>: also write every run's full JSON report there (open one in the Lighthouse viewer).
const REPORTS = process.env.LIGHTHOUSE_REPORTS;
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
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '')
    .replace(/<lead-relay\b[^>]*><\/lead-relay>/, form)
    .replace(/<demo-[\w-]+>[\s\S]*?<\/demo-[\w-]+>/g, '');
}

/**
 * Serves the baseline page at /baseline.html and passes everything else to the demo, on one loopback origin. Both are
 * served as the demo serves its pages: compressed as the browser accepts, with the demo's own headers passed through.
 */
async function startBaseline(demoUrl: string): Promise<{ url: string; server: Server }> {
  const page = await baselinePage();
  const encoded = { br: brotliCompressSync(page), gzip: gzipSync(page) };
  const server = createServer((incoming, response) => {
    if (incoming.url === '/baseline.html') {
      const accepts = String(incoming.headers['accept-encoding'] ?? '');
      const encoding = /\bbr\b/.test(accepts) ? 'br' : /\bgzip\b/.test(accepts) ? 'gzip' : undefined;
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        vary: 'accept-encoding',
        ...(encoding ? { 'content-encoding': encoding } : {}),
      });
      response.end(encoding ? encoded[encoding] : page);
      return;
    }
    const target = new URL(incoming.url ?? '/', demoUrl);
    const forward = request(target, { method: incoming.method, headers: { ...incoming.headers, host: target.host } }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forward.on('error', () => response.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/baseline.html`, server };
}

interface Figures {
  performance: number;
  /** Each scored metric's value (ms, CLS unitless) and Lighthouse's 0–100 score for it. */
  metrics: Record<MetricId, { value: number; score: number }>;
  /** What Lighthouse saw without its simulated throttling: the machine's own speed this run. */
  observed: { fcp: number; lcp: number; load: number };
  /** The element Lighthouse took for LCP (a snippet of its markup) and its phases. */
  lcpElement: string;
  lcpPhases: string;
  diagnostics: Diagnostics;
}

interface Diagnostics {
  renderBlocking: { url: string; ms: number }[];
  mainThread: { group: string; ms: number }[];
  bootup: { url: string; total: number; scripting: number; parse: number }[];
  longTasks: { url: string; start: number; ms: number }[];
  unusedJs: { url: string; bytes: number; total: number }[];
  requests: { url: string; transfer: number; resource: number; priority: string; type: string; start: number; end: number }[];
  /** Failed audits with a saving (uses-text-compression, uses-long-cache-ttl, …): id and title. */
  opportunities: string[];
}

// Lighthouse 12's scored metrics and their weights in the performance score (mobile).
const METRICS = [
  ['first-contentful-paint', 'FCP', 10],
  ['speed-index', 'SI', 10],
  ['largest-contentful-paint', 'LCP', 25],
  ['total-blocking-time', 'TBT', 30],
  ['cumulative-layout-shift', 'CLS', 25],
] as const;
type MetricId = (typeof METRICS)[number][0];

interface Table<T> {
  items?: T[];
}
const items = <T>(details: unknown): T[] => (details as Table<T> | undefined)?.items ?? [];
/** A URL as the page's own path: the origin is a loopback port that changes every run. */
const short = (url: string) => url.replace(/^https?:\/\/[^/]+/, '') || url;

async function audit(url: string, port: number, saveAs?: string): Promise<Figures> {
  const result = await lighthouse(url, { port, output: 'json', logLevel: 'error', onlyCategories: ['performance'], formFactor: 'mobile' });
  if (!result) throw new Error(`Lighthouse gave no result for ${url}`);
  const { lhr } = result;
  if (lhr.runtimeError) throw new Error(`Lighthouse on ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  if (saveAs) await writeFile(saveAs, typeof result.report === 'string' ? result.report : JSON.stringify(lhr));
  const audits = lhr.audits;
  const metrics = Object.fromEntries(
    METRICS.map(([id]) => [id, { value: audits[id]?.numericValue ?? Number.NaN, score: Math.round((audits[id]?.score ?? 0) * 100) }]),
  ) as Figures['metrics'];
  const observed = items<Record<string, number>>(audits.metrics?.details)[0] ?? {};
  const lcpTables = items<{ items?: { node?: { snippet?: string }; phase?: string; timing?: number }[] }>(audits['largest-contentful-paint-element']?.details);
  const opportunities = Object.values(audits)
    .filter((entry) => entry.scoreDisplayMode === 'metricSavings' && entry.score !== null && entry.score < 0.9)
    .map((entry) => `${entry.id}${entry.displayValue ? ` (${entry.displayValue})` : ''}`);
  return {
    performance: Math.round((lhr.categories.performance?.score ?? 0) * 100),
    metrics,
    observed: { fcp: observed.observedFirstContentfulPaint ?? Number.NaN, lcp: observed.observedLargestContentfulPaint ?? Number.NaN, load: observed.observedLoad ?? Number.NaN },
    lcpElement: lcpTables[0]?.items?.[0]?.node?.snippet?.slice(0, 100) ?? '?',
    lcpPhases: (lcpTables[1]?.items ?? []).map((phase) => `${phase.phase} ${Math.round(phase.timing ?? 0)}`).join(', '),
    diagnostics: {
      renderBlocking: items<{ url: string; wastedMs: number }>(audits['render-blocking-resources']?.details).map((item) => ({ url: short(item.url), ms: item.wastedMs })),
      mainThread: items<{ groupLabel: string; duration: number }>(audits['mainthread-work-breakdown']?.details).map((item) => ({ group: item.groupLabel, ms: item.duration })),
      bootup: items<{ url: string; total: number; scripting: number; scriptParseCompile: number }>(audits['bootup-time']?.details).map((item) => ({
        url: short(item.url),
        total: item.total,
        scripting: item.scripting,
        parse: item.scriptParseCompile,
      })),
      longTasks: items<{ url: string; startTime: number; duration: number }>(audits['long-tasks']?.details).map((item) => ({ url: short(item.url), start: item.startTime, ms: item.duration })),
      unusedJs: items<{ url: string; wastedBytes: number; totalBytes: number }>(audits['unused-javascript']?.details).map((item) => ({ url: short(item.url), bytes: item.wastedBytes, total: item.totalBytes })),
      requests: items<{ url: string; transferSize: number; resourceSize: number; priority: string; resourceType: string; networkRequestTime: number; networkEndTime: number }>(
        audits['network-requests']?.details,
      ).map((item) => ({
        url: short(item.url),
        transfer: item.transferSize,
        resource: item.resourceSize,
        priority: item.priority,
        type: item.resourceType,
        start: item.networkRequestTime,
        end: item.networkEndTime,
      })),
      opportunities,
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Medians per metric; the diagnostics are those of the run whose performance score is the median one. */
function medianFigures(runs: Figures[]): Figures {
  const performance = median(runs.map((run) => run.performance));
  const typical = runs.find((run) => run.performance === performance)!;
  const metrics = Object.fromEntries(
    METRICS.map(([id]) => [id, { value: median(runs.map((run) => run.metrics[id].value)), score: median(runs.map((run) => run.metrics[id].score)) }]),
  ) as Figures['metrics'];
  const observed = { fcp: median(runs.map((run) => run.observed.fcp)), lcp: median(runs.map((run) => run.observed.lcp)), load: median(runs.map((run) => run.observed.load)) };
  return { ...typical, performance, metrics, observed };
}

const ms = (value: number) => value.toFixed(0).padStart(6);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function printDiagnostics(name: string, figures: Figures): void {
  const { diagnostics } = figures;
  console.log(`\n${name} (diagnostics of its median run)`);
  console.log(`  LCP element: ${figures.lcpElement}`);
  if (figures.lcpPhases) console.log(`  LCP phases (ms): ${figures.lcpPhases}`);
  console.log(`  observed, unthrottled: FCP ${figures.observed.fcp.toFixed(0)} ms, LCP ${figures.observed.lcp.toFixed(0)} ms, load ${figures.observed.load.toFixed(0)} ms`);
  console.log(
    `  render-blocking: ${diagnostics.renderBlocking.length ? diagnostics.renderBlocking.map((item) => `${item.url} ${item.ms.toFixed(0)} ms`).join(', ') : 'none'}`,
  );
  console.log(`  main thread: ${diagnostics.mainThread.map((item) => `${item.group} ${item.ms.toFixed(0)}`).join(', ')} (ms, 4× CPU)`);
  console.log(
    `  bootup (ms, 4× CPU): ${diagnostics.bootup.map((item) => `${item.url} ${item.total.toFixed(0)} (script ${item.scripting.toFixed(0)}, parse ${item.parse.toFixed(0)})`).join('; ') || 'none'}`,
  );
  console.log(`  long tasks: ${diagnostics.longTasks.map((item) => `${item.url} ${item.ms.toFixed(0)} ms at ${item.start.toFixed(0)}`).join('; ') || 'none'}`);
  console.log(`  unused JS: ${diagnostics.unusedJs.map((item) => `${item.url} ${kb(item.bytes)} of ${kb(item.total)}`).join('; ') || 'none flagged'}`);
  const transfer = diagnostics.requests.reduce((sum, item) => sum + item.transfer, 0);
  console.log(`  requests: ${diagnostics.requests.length}, ${kb(transfer)} transferred`);
  for (const item of diagnostics.requests) {
    console.log(
      `    ${item.url.padEnd(44)} ${item.type.padEnd(10)} ${item.priority.padEnd(8)} ${kb(item.transfer).padStart(9)} (${kb(item.resource)})  ${item.start.toFixed(0).padStart(5)}–${item.end.toFixed(0)} ms`,
    );
  }
  console.log(`  failed audits with savings: ${diagnostics.opportunities.join(', ') || 'none'}`);
}

const demo = await startDemo({ port: 0 });
const baseline = await startBaseline(demo.url);
const chrome = await chromeLauncher.launch({
  chromePath: CHROMIUM,
  // Only these flags: chrome-launcher's defaults would be added to them otherwise.
  ignoreDefaultFlags: true,
  chromeFlags: ['--headless', ...CHROMIUM_FLAGS],
});

if (REPORTS) await mkdir(REPORTS, { recursive: true });
try {
  const targets: [string, string][] = [
    ['baseline (static HTML)', baseline.url],
    ...PAGES.map((path): [string, string] => [path, new URL(path, demo.url).href]),
  ];
  // Round by round, every page once per round: a busy machine slows all of them alike rather than one page's runs.
  const runs = new Map<string, Figures[]>(targets.map(([name]) => [name, []]));
  for (let round = 0; round < RUNS; round += 1) {
    for (const [name, url] of targets) {
      const saveAs = REPORTS ? `${REPORTS}/${name.replace(/\W+/g, '-').replace(/^-|-$/g, '')}-${round + 1}.json` : undefined;
      runs.get(name)!.push(await audit(url, chrome.port, saveAs));
    }
  }
  const results = new Map([...runs].map(([name, figures]) => [name, medianFigures(figures)]));
  const base = results.get('baseline (static HTML)')!;
  const { version } = JSON.parse(await readFile(new URL('../node_modules/lighthouse/package.json', import.meta.url), 'utf8')) as { version: string };
  console.log(`Lighthouse ${version}, mobile (simulated slow 4G, 4× CPU slowdown of what this machine did), medians of ${RUNS}`);
  console.log('value (score/100) per metric; weights: FCP 10, SI 10, LCP 25, TBT 30, CLS 25');
  console.log(`${'page'.padEnd(24)} perf  ${METRICS.map(([, label]) => label.padStart(13)).join(' ')}`);
  for (const [name, figures] of results) {
    const cells = METRICS.map(([id, label]) => {
      const { value, score } = figures.metrics[id];
      return `${label === 'CLS' ? value.toFixed(3) : value.toFixed(0)} (${score})`.padStart(13);
    });
    console.log(`${name.padEnd(24)} ${String(figures.performance).padStart(4)}  ${cells.join(' ')}`);
  }
  console.log('page vs baseline (ratio of values; points of performance lost per metric = weight × score lost)');
  for (const [name, figures] of results) {
    if (figures === base) continue;
    const cells = METRICS.map(([id, label, weight]) => {
      const ratio = label === 'CLS' ? '' : `${(figures.metrics[id].value / base.metrics[id].value).toFixed(2)}×`;
      const lost = (weight * (base.metrics[id].score - figures.metrics[id].score)) / 100;
      return `${label} ${ratio} ${lost >= 0 ? '-' : '+'}${Math.abs(lost).toFixed(1)}`;
    });
    console.log(`${name.padEnd(24)} perf ${figures.performance - base.performance >= 0 ? '+' : ''}${figures.performance - base.performance}: ${cells.join(', ')}`);
  }
  for (const [name, figures] of results) printDiagnostics(name, figures);
  console.log('\ngoal: performance ≥ 95 and CLS < 0.05 on /script-tag.html and /app.html; the baseline shows the machine: below 100, this run was slowed');
} finally {
  await chrome.kill();
  await new Promise((resolve) => baseline.server.close(resolve));
  await demo.close();
}
