// How the demo's embedding pages load, the pages people copy: no script that holds up the page's painting (none
// parser-blocking, none of what the page runs first fetched at high priority: a module's static imports are, unless
// preloaded at the entry's priority), and every text file served as a real site serves it: compressed, with an ETag,
// the content-hashed chunks cached for a year. Lighthouse's figures for these pages are `npm run bench:lighthouse`.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { startDemo, type RunningDemo } from '../../demo/demo-server.js';
import { acceptedEncodings } from '../../demo/pages.js';
import { launchChromium, watchForProblems } from './browser.js';

const PAGES = ['/script-tag.html', '/app.html'];

let demo: RunningDemo;
let browser: Browser;

before(async () => {
  demo = await startDemo({ port: 0 });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await demo?.close();
});

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET with these headers, its body as sent (Node's fetch would decompress it). */
function get(path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    request(new URL(path, demo.url), { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** A module's static imports (`import{a}from"./chunk-X.js"`, `import"./chunk-X.js"`; not `import("./x.js")`), as paths. */
function staticImports(code: string, from: string): string[] {
  return [...code.matchAll(/\bimport\s*(?:[\w{}\s,*$]+from\s*)?["'](\.{1,2}\/[\w./-]+\.js)["']/g)].map((match) => new URL(match[1]!, `http://x${from}`).pathname);
}

/** The scripts a page needs before its own scripts can run: those its HTML names, and all they import statically. */
async function staticScriptGraph(html: string): Promise<string[]> {
  const found = new Set<string>();
  const visit = async (path: string) => {
    if (found.has(path)) return;
    found.add(path);
    for (const imported of staticImports((await get(path, {})).body.toString('utf8'), path)) await visit(imported);
  };
  for (const match of html.matchAll(/<script\b[^>]*\ssrc="(\/[^"]+\.js)"/g)) await visit(match[1]!);
  return [...found];
}

/** The scripts, module preloads and stylesheets a page names in its HTML. */
function subresources(html: string): string[] {
  const urls = [...html.matchAll(/<(?:script|link)\b[^>]*?\s(?:src|href)="(\/[^"]+\.(?:js|css))"/g)].map((match) => match[1]!);
  return [...new Set(urls)];
}

test('acceptedEncodings reads Accept-Encoding as browsers send it, q=0 refusing an encoding', () => {
  assert.deepEqual([...acceptedEncodings('gzip, deflate, br, zstd')], ['gzip', 'deflate', 'br', 'zstd']);
  assert.deepEqual([...acceptedEncodings('br;q=0, gzip;q=0.8')], ['gzip']);
  assert.deepEqual([...acceptedEncodings(undefined)], []);
});

for (const path of PAGES) {
  test(`${path} has no parser-blocking script: each one is deferred, async or a module`, async () => {
    const html = (await get(path)).body.toString('utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((match) => match[1]!);
    assert.ok(scripts.length > 0, 'the page loads the widget with a script');
    for (const attributes of scripts) {
      assert.match(attributes, /\ssrc="/, `an inline script: ${attributes}`);
      assert.match(attributes, /\sdefer\b|\sasync\b|\stype="module"/, `a parser-blocking script: <script${attributes}>`);
    }
  });

  test(`${path} waits for one stylesheet only: the demo's and the embedding layout's, served as one file`, async () => {
    const html = (await get(path)).body.toString('utf8');
    const stylesheets = [...html.matchAll(/<link\b[^>]*\brel="stylesheet"[^>]*>/g)];
    assert.equal(stylesheets.length, 1, stylesheets.map((match) => match[0]).join('\n'));
    const href = /href="([^"]+)"/.exec(stylesheets[0]![0])?.[1] ?? '';
    const css = (await get(href)).body.toString('utf8');
    for (const file of ['demo.css', 'embed.css']) {
      const part = await readFile(new URL(`../../demo/${file}`, import.meta.url), 'utf8');
      assert.ok(css.includes(part), `${href} holds ${file}`);
    }
  });

  test(`${path} and every script and stylesheet it names are served compressed (Brotli, else gzip), with an ETag`, async () => {
    const html = (await get(path)).body.toString('utf8');
    const files = [path, ...subresources(html)];
    assert.ok(files.some((file) => file.endsWith('.js')) && files.some((file) => file.endsWith('.css')), files.join(' '));
    for (const file of files) {
      const plain = await get(file);
      assert.equal(plain.status, 200, file);
      assert.equal(plain.headers['content-encoding'], undefined, `${file} compressed for a client that accepts no encoding`);
      assert.match(String(plain.headers.vary), /accept-encoding/i, file);

      const br = await get(file, { 'accept-encoding': 'gzip, deflate, br' });
      assert.equal(br.headers['content-encoding'], 'br', file);
      assert.deepEqual(brotliDecompressSync(br.body), plain.body, `${file}: the Brotli body is the file`);
      // (A file of a few hundred bytes shrinks little: its size is checked from 1 KB up.)
      if (plain.body.length > 1024) assert.ok(br.body.length < plain.body.length * 0.6, `${file}: ${br.body.length} of ${plain.body.length} B`);

      const gzip = await get(file, { 'accept-encoding': 'gzip' });
      assert.equal(gzip.headers['content-encoding'], 'gzip', file);
      assert.deepEqual(gunzipSync(gzip.body), plain.body, `${file}: the gzip body is the file`);

      const etag = String(plain.headers.etag ?? '');
      assert.match(etag, /^"[\w-]+"$/, `${file} has an ETag`);
      assert.equal(br.headers.etag, etag, `${file}: one ETag for every encoding of the same content`);
      if (!file.endsWith('.html')) {
        const again = await get(file, { 'if-none-match': etag, 'accept-encoding': 'br' });
        assert.equal(again.status, 304, `${file} asked again with its ETag`);
        assert.equal(again.body.length, 0);
      }
    }
  });
}

test('the lazy chunks, whose names change with their content, are cached for a year; the rest is asked again each time', async () => {
  const dist = await get('/dist/leadrelay.js');
  assert.equal(dist.headers['cache-control'], 'no-cache');
  assert.equal((await get('/dist/leadrelay.iife.js')).headers['cache-control'], 'no-cache');
  const chunk = /leadrelay-en-[\w-]+\.js/.exec(dist.body.toString('utf8'))?.[0];
  assert.ok(chunk, 'leadrelay.js names its English chunk');
  assert.equal((await get(`/dist/${chunk}`)).headers['cache-control'], 'public, max-age=31536000, immutable');

  const app = (await get('/app.html')).body.toString('utf8');
  const preloaded = /<link rel="modulepreload" href="(\/assets\/chunk-\w+\.js)"/.exec(app)?.[1];
  assert.ok(preloaded, 'app.html preloads the chunks app.js imports');
  assert.equal((await get(preloaded)).headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal((await get('/assets/app.js')).headers['cache-control'], 'no-cache');
  assert.equal((await get('/assets/embed.css')).headers['cache-control'], 'no-cache');
});

for (const path of PAGES) {
  test(`${path} fetches every script it needs at low priority (none ahead of its painting), each compressed`, async () => {
    const html = (await get(path)).body.toString('utf8');
    const graph = await staticScriptGraph(html);
    // What the page runs first, with what that imports statically; the lazy chunks (import()) come after first paint.
    assert.ok(graph.length > 0, 'the page loads scripts');
    const context = await browser.newContext({ viewport: { width: 412, height: 823 } });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const priorities = new Map<string, string>();
    cdp.on('Network.requestWillBeSent', (event: { request: { url: string; initialPriority: string } }) => {
      const { pathname } = new URL(event.request.url);
      if (!priorities.has(pathname)) priorities.set(pathname, event.request.initialPriority);
    });
    const encodings = new Map<string, string>();
    page.on('response', async (response) => {
      const url = new URL(response.url());
      if (/\.(js|css)$/.test(url.pathname)) encodings.set(url.pathname, (await response.allHeaders())['content-encoding'] ?? 'none');
    });
    await page.goto(new URL(path, demo.url).href, { waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelector('lead-relay')?.shadowRoot?.querySelector('form'));
    await page.locator('demo-inbox .panel__meta', { hasText: /contact/ }).waitFor();

    for (const script of graph) {
      assert.ok(priorities.has(script), `${script} was not fetched`);
      assert.match(priorities.get(script)!, /^(Low|VeryLow)$/, `${script} fetched at ${priorities.get(script)} priority: ${JSON.stringify([...priorities])}`);
    }
    assert.ok(encodings.size >= graph.length);
    for (const [file, encoding] of encodings) assert.equal(encoding, 'br', `${file} arrived ${encoding}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
