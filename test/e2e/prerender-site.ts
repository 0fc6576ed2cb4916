// A customer's site for the prerender tests: article pages, the built bundles, the real proxy and the emulator behind it.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createProxy, type Proxy } from '../../src/proxy/app.js';
import { ARTICLE_CSS } from '../../bench/article-page.js';

export { PHONE, articlePage } from '../../bench/article-page.js';

export const PROXY_PATH = '/api/leadrelay';

export const MODULE_SCRIPT = '<script type="module" src="/dist/leadrelay.js"></script>';

export interface PrerenderSite {
  url: string;
  /** The proxy's base URL, for the widget's `proxy` attribute. */
  proxyUrl: string;
  emulatorUrl: string;
  /** Every answer the proxy gave: method, path and status. */
  proxyAnswers: { method: string; path: string; status: number }[];
  /** Serve `html` at `path`, with this Content-Security-Policy if given. */
  page(path: string, html: string, csp?: string): void;
  /** Serve `first` at `path` at once and `rest` only when `release` is called, in one response (a slow network). */
  heldPage(path: string, first: string, rest: string): { release(): void };
  close(): Promise<void>;
}

export async function startPrerenderSite(options: { minFillMs?: number } = {}): Promise<PrerenderSite> {
  const emulator: RunningEmulator = await startEmulator({ port: 0 });
  const pages = new Map<string, { html: string; csp?: string; rest?: Promise<string> }>();
  const proxyAnswers: PrerenderSite['proxyAnswers'] = [];
  let proxy: Proxy | undefined;
  const app = new Hono();
  app.all(`${PROXY_PATH}/*`, async (c) => {
    const response = await proxy!.fetch(c.req.raw, c.env);
    proxyAnswers.push({ method: c.req.method, path: new URL(c.req.url).pathname, status: response.status });
    return response;
  });
  app.get('/article.css', (c) => c.body(ARTICLE_CSS, 200, { 'content-type': 'text/css' }));
  app.get('/dist/:name', async (c) => {
    const name = c.req.param('name');
    if (!/^leadrelay[\w.-]*\.js$/.test(name)) return c.text('Not found', 404);
    const code = await readFile(new URL(`../../dist/${name}`, import.meta.url), 'utf8');
    return c.body(code, 200, { 'content-type': 'text/javascript' });
  });
  app.get('*', (c) => {
    const page = pages.get(new URL(c.req.url).pathname);
    if (!page) return c.text('Not found', 404);
    const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
    if (page.csp) headers['content-security-policy'] = page.csp;
    if (!page.rest) return c.body(page.html, 200, headers);
    const { html, rest } = page;
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode(html));
        controller.enqueue(encoder.encode(await rest));
        controller.close();
      },
    });
    return c.body(body, 200, headers);
  });
  const { server, port } = await new Promise<{ server: Server; port: number }>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({ server, port: info.port }),
    ) as Server;
  });
  const url = `http://127.0.0.1:${port}`;
  proxy = createProxy({
    intercom: { accessToken: 'emulator-token', baseUrl: emulator.url },
    secret: `prerender-test-secret-${randomBytes(32).toString('hex')}`,
    origins: { allowed: [url] },
    basePath: PROXY_PATH,
    limits: { minFillMs: options.minFillMs },
    clients: { rateLimit: 0 },
  });
  return {
    url,
    proxyUrl: `${url}${PROXY_PATH}`,
    emulatorUrl: emulator.url,
    proxyAnswers,
    page: (path, html, csp) => pages.set(path, { html, csp }),
    heldPage: (path, first, rest) => {
      let release!: () => void;
      pages.set(path, { html: first, rest: new Promise<string>((resolve) => (release = () => resolve(rest))) });
      return { release };
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await proxy?.close();
      await emulator.close();
    },
  };
}
