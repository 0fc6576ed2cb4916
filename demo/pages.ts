// The demo's pages, stylesheets, page bundles and the widget's dist/ bundles, every page under a strict CSP. Text is
// served as a real site serves it: compressed (Brotli or gzip, as the browser accepts), with an ETag, and the files
// whose names carry a content hash (the lazy chunks) cached for a year.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Context, Hono } from 'hono';
import { prerenderLeadRelay, type LeadRelayAttributes } from '../src/render/render-lead-relay.js';
import type { PageBundles } from './bundles.js';

/**
 * The policy the issue asks for (no 'unsafe-inline', no 'unsafe-eval'): the pages prove the widget needs neither.
 * script-tag.html gets exactly this and the hash of its prerendered snippet's one `<style>` (`style-src 'self'
 * 'sha256-…'`, what leadrelay-render prints); the other pages add only what cannot widen script or style sources.
 */
export const SCRIPT_TAG_CSP = "default-src 'self'; connect-src 'self'";
const PAGE_CSP = `${SCRIPT_TAG_CSP}; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'`;

/** `prerender`: the page's `<lead-relay>` is served as leadrelay-render's snippet for its attributes (see below). */
const PAGES: Record<string, { file: string; csp: string; prerender?: boolean }> = {
  '/': { file: 'index.html', csp: PAGE_CSP },
  '/index.html': { file: 'index.html', csp: PAGE_CSP },
  '/script-tag.html': { file: 'script-tag.html', csp: SCRIPT_TAG_CSP, prerender: true },
  '/app.html': { file: 'app.html', csp: PAGE_CSP, prerender: true },
};
const STATIC_FILES: Record<string, string> = {
  'demo.css': 'text/css; charset=utf-8',
  'playground.css': 'text/css; charset=utf-8',
  'embed.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};
/** Stylesheets served as one file made of several: an embedding page waits for one render-blocking request, not two. */
const JOINED_STYLESHEETS: Record<string, string[]> = { 'embed-page.css': ['demo.css', 'embed.css'] };
// Only the bundle files rollup writes (leadrelay.js, leadrelay.iife.js, leadrelay-<chunk>-<hash>.js): no path can escape dist/.
const DIST_FILE = /^leadrelay(?:[.-][\w-]+)*\.js$/;

const demoFile = (name: string) => new URL(name, import.meta.url);
const distFile = (name: string) => new URL(`../dist/${name}`, import.meta.url);

const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8' };

/** For a file whose name changes with its content (`leadrelay-later-BbKwUV.js`, `chunk-5HEKNUVO.js`). */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** For one whose name stays (`leadrelay.js`, a page's stylesheet): kept, but asked again with its ETag each time. */
const REVALIDATE = 'no-cache';

/** The encodings a request accepts (`br`, `gzip`), by its Accept-Encoding; `q=0` refuses one. */
export function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...parameters] = part.trim().toLowerCase().split(';');
    const q = parameters.map((parameter) => /^\s*q=([\d.]+)\s*$/.exec(parameter)?.[1]).find((value) => value !== undefined);
    if (name && (q === undefined || Number(q) > 0)) accepted.add(name);
  }
  return accepted;
}

interface Encoded {
  etag: string;
  br: Buffer;
  gzip: Buffer;
}
/** Compressed once per content (by its ETag): the pages, stylesheets and bundles are a few dozen small files. */
const encodedCache = new Map<string, Encoded>();

function encode(text: string): Encoded {
  const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 22)}"`;
  let encoded = encodedCache.get(etag);
  if (!encoded) {
    const raw = Buffer.from(text);
    encoded = {
      etag,
      br: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
      gzip: gzipSync(raw, { level: 9 }),
    };
    if (encodedCache.size >= 500) encodedCache.clear();
    encodedCache.set(etag, encoded);
  }
  return encoded;
}

/** A text response, compressed as the request accepts, 304 when its If-None-Match names this content. */
function sendText(c: Context, text: string, headers: Record<string, string>): Response {
  const { etag, br, gzip } = encode(text);
  const common = { ...headers, etag, vary: 'accept-encoding' };
  if (c.req.header('if-none-match')?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) return c.body(null, 304, common);
  const accepted = acceptedEncodings(c.req.header('accept-encoding'));
  if (accepted.has('br')) return c.body(new Uint8Array(br), 200, { ...common, 'content-encoding': 'br' });
  if (accepted.has('gzip')) return c.body(new Uint8Array(gzip), 200, { ...common, 'content-encoding': 'gzip' });
  return c.body(text, 200, common);
}

/**
 * After each `<script type="module" src="/assets/x.js">`, a `<link rel="modulepreload">` for every chunk x.js imports
 * statically, at the script's own fetchpriority, as bundlers write into the pages they build: the chunks come with the
 * entry instead of after it, and a low-priority entry's chunks are low priority too (a module's imports are otherwise
 * fetched at high priority, ahead of the page's painting).
 */
export function withModulePreloads(html: string, preloads: PageBundles['preloads']): string {
  return html.replace(/^([ \t]*)(<script type="module" src="\/assets\/([\w-]+\.js)"([^>]*)><\/script>)/gm, (tag, indent: string, script: string, name: string, rest: string) => {
    const priority = /\sfetchpriority="(\w+)"/.exec(rest)?.[1];
    const links = (preloads.get(name) ?? []).map(
      (chunk) => `\n${indent}<link rel="modulepreload" href="/assets/${chunk}"${priority ? ` fetchpriority="${priority}"` : ''} />`,
    );
    return `${indent}${script}${links.join('')}`;
  });
}

const unescapeAttribute = (value: string) =>
  value.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The prerendered pages, by their file's text: made once per change of the file (or of the widget, on restart). */
const prerenderedPages = new Map<string, Promise<{ html: string; styleSrc: string[] }>>();

/**
 * Each empty `<lead-relay …></lead-relay>` of the page replaced by the snippet `leadrelay-render` prints for the same
 * attributes (`--page` the page's path), as a site pastes it or its server renders it: the form is drawn with the page,
 * and works before and without the script. The page's CSP then allows the snippet's `<style>` by its hash.
 */
export function prerenderWidgets(html: string, pagePath: string): Promise<{ html: string; styleSrc: string[] }> {
  const key = `${pagePath}\n${html}`;
  let made = prerenderedPages.get(key);
  if (!made) {
    made = (async () => {
      const styleSrc = new Set<string>();
      let out = '';
      let last = 0;
      for (const match of html.matchAll(/<lead-relay\b([^>]*)><\/lead-relay>/g)) {
        const attributes = Object.fromEntries([...match[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, name, value]) => [name!, unescapeAttribute(value!)]));
        const snippet = await prerenderLeadRelay({ ...(attributes as LeadRelayAttributes), page: pagePath });
        snippet.styleSrc.forEach((source) => styleSrc.add(source));
        out += html.slice(last, match.index) + snippet.html;
        last = match.index + match[0].length;
      }
      return { html: out + html.slice(last), styleSrc: [...styleSrc] };
    })();
    if (prerenderedPages.size >= 20) prerenderedPages.clear();
    prerenderedPages.set(key, made);
  }
  return made;
}

/** The page's CSP with `style-src 'self'` and these sources (the snippet's `<style>`), when there are any. */
export function withStyleSources(csp: string, styleSrc: string[]): string {
  return styleSrc.length ? `${csp}; style-src 'self' ${styleSrc.join(' ')}` : csp;
}

export function servePages(app: Hono, bundles: PageBundles): void {
  for (const [path, page] of Object.entries(PAGES)) {
    app.get(path, async (c) => {
      let html = withModulePreloads(await readFile(demoFile(page.file), 'utf8'), bundles.preloads);
      let csp = page.csp;
      if (page.prerender) {
        const prerendered = await prerenderWidgets(html, path);
        html = prerendered.html;
        csp = withStyleSources(csp, prerendered.styleSrc);
      }
      return sendText(c, html, {
        'content-type': TYPES.html,
        'content-security-policy': csp,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
    });
  }

  // The playground's "Prerendered" tab: the snippet for its current settings, made the way leadrelay-render makes it.
  app.post('/prerender', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as { attributes?: unknown; questions?: unknown } | undefined;
    const pairs = Array.isArray(body?.attributes) ? body.attributes : undefined;
    if (!pairs?.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every((part) => typeof part === 'string'))) {
      return c.json({ error: { code: 'invalid_json', message: 'Send {"attributes": [["proxy", "/api/leadrelay"], …]}.' } }, 400);
    }
    try {
      // With the playground's questions (their file's JSON): drawn into the snippet as leadrelay-render --questions does.
      const questions = body?.questions === undefined || body.questions === null ? {} : { questions: body.questions };
      return c.json(await prerenderLeadRelay({ ...(Object.fromEntries(pairs) as LeadRelayAttributes), ...questions }));
    } catch (error) {
      return c.json({ error: { code: 'invalid_attribute', message: (error as Error).message } }, 400);
    }
  });

  app.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    const bundle = bundles.files.get(name);
    if (bundle !== undefined) return sendText(c, bundle, { 'content-type': TYPES.js, 'cache-control': name.startsWith('chunk-') ? IMMUTABLE : REVALIDATE });
    const type = Object.hasOwn(STATIC_FILES, name) ? STATIC_FILES[name] : undefined;
    if (type) return sendText(c, await readFile(demoFile(name), 'utf8'), { 'content-type': type, 'cache-control': REVALIDATE });
    const parts = Object.hasOwn(JOINED_STYLESHEETS, name) ? JOINED_STYLESHEETS[name] : undefined;
    if (parts) {
      const css = (await Promise.all(parts.map((part) => readFile(demoFile(part), 'utf8')))).join('\n');
      return sendText(c, css, { 'content-type': STATIC_FILES['demo.css']!, 'cache-control': REVALIDATE });
    }
    return c.text('Not found', 404);
  });

  app.get('/dist/:name', async (c) => {
    const name = c.req.param('name');
    if (!DIST_FILE.test(name)) return c.text('Not found', 404);
    let text: string;
    try {
      text = await readFile(distFile(name), 'utf8');
    } catch {
      return c.text('Not built: run `npm run build` (npm install does it for you).', 404);
    }
    return sendText(c, text, { 'content-type': TYPES.js, 'cache-control': name.startsWith('leadrelay-') ? IMMUTABLE : REVALIDATE });
  });
}
