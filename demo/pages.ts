// The demo's pages, stylesheets, page bundles and the widget's dist/ bundles, every page under a strict CSP.
import { readFile } from 'node:fs/promises';
import type { Hono } from 'hono';
import { prerenderLeadRelay, type LeadRelayAttributes } from '../src/render/render-lead-relay.js';
import type { PageBundles } from './bundles.js';

/**
 * The policy the issue asks for (no 'unsafe-inline', no 'unsafe-eval'): the pages prove the widget needs neither.
 * script-tag.html gets exactly this; the other pages add only what cannot widen script or style sources.
 */
export const SCRIPT_TAG_CSP = "default-src 'self'; connect-src 'self'";
const PAGE_CSP = `${SCRIPT_TAG_CSP}; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'`;

const PAGES: Record<string, { file: string; csp: string }> = {
  '/': { file: 'index.html', csp: PAGE_CSP },
  '/index.html': { file: 'index.html', csp: PAGE_CSP },
  '/script-tag.html': { file: 'script-tag.html', csp: SCRIPT_TAG_CSP },
  '/app.html': { file: 'app.html', csp: PAGE_CSP },
};
const STATIC_FILES: Record<string, string> = {
  'demo.css': 'text/css; charset=utf-8',
  'playground.css': 'text/css; charset=utf-8',
  'embed.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};
// Only the bundle files rollup writes (leadrelay.js, leadrelay.iife.js, leadrelay-<chunk>-<hash>.js): no path can escape dist/.
const DIST_FILE = /^leadrelay(?:[.-][\w-]+)*\.js$/;

const demoFile = (name: string) => new URL(name, import.meta.url);
const distFile = (name: string) => new URL(`../dist/${name}`, import.meta.url);

const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8' };

export function servePages(app: Hono, bundles: PageBundles): void {
  for (const [path, page] of Object.entries(PAGES)) {
    app.get(path, async (c) => {
      const html = await readFile(demoFile(page.file), 'utf8');
      return c.body(html, 200, {
        'content-type': TYPES.html,
        'content-security-policy': page.csp,
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
    const bundle = bundles.get(name);
    if (bundle !== undefined) return c.body(bundle, 200, { 'content-type': TYPES.js, 'cache-control': 'no-store' });
    const type = Object.hasOwn(STATIC_FILES, name) ? STATIC_FILES[name] : undefined;
    if (type) return c.body(await readFile(demoFile(name), 'utf8'), 200, { 'content-type': type, 'cache-control': 'no-store' });
    return c.text('Not found', 404);
  });

  app.get('/dist/:name', async (c) => {
    const name = c.req.param('name');
    if (!DIST_FILE.test(name)) return c.text('Not found', 404);
    try {
      return c.body(await readFile(distFile(name), 'utf8'), 200, { 'content-type': TYPES.js, 'cache-control': 'no-cache' });
    } catch {
      return c.text('Not built: run `npm run build` (npm install does it for you).', 404);
    }
  });
}
