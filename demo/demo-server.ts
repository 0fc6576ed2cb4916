// startDemo(): the designer demo as one Node server: pages, bundles, the proxy at /api/leadrelay, the emulator behind it.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import { createProxy, MemoryStore, type Proxy, type ProxyOptions } from '../src/proxy/app.js';
import { buildPageBundles } from './bundles.js';
import { hostCheck } from './host-check.js';
import { createDemoApi, type Backend } from './demo-api.js';
import { servePages } from './pages.js';
import { createQuestionsApi } from './questions-api.js';

/** Where the proxy is mounted; the widget's `proxy` attribute on every demo page. */
export const PROXY_PATH = '/api/leadrelay';

export interface DemoOptions {
  /** Port to listen on; 0 picks a free one. Default: 8787, or a free port when 8787 is taken. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The environment to read INTERCOM_ACCESS_TOKEN and friends from (default: none, so the emulator is used). */
  env?: NodeJS.ProcessEnv;
  /** Passed to the proxy; tests that type faster than a person lower it. Default: the proxy's default. */
  minFillMs?: number;
  /** Where the proxy's warnings go (setup failures, 5xx); default stderr. */
  warn?: (line: string) => void;
}

export interface RunningDemo {
  /** `http://host:port/`: the playground. */
  url: string;
  port: number;
  /** The emulator's base URL, when the demo runs against it. */
  emulatorUrl?: string;
  backend: Backend;
  close(): Promise<void>;
}

const DEFAULT_PORT = 8787;

function listen(app: Hono, port: number, host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => resolve({ server, port: info.port })) as Server;
    server.once('error', reject);
  });
}

/** Listen on `port`; without an explicit port, try 8787 and fall back to any free port. */
async function listenWithFallback(app: Hono, port: number | undefined, host: string): Promise<{ server: Server; port: number }> {
  if (port !== undefined) return listen(app, port, host);
  try {
    return await listen(app, DEFAULT_PORT, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return listen(app, 0, host);
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections (the page polls the inbox) would hold close() open.
    server.closeAllConnections();
  });
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const env = options.env ?? {};
  const host = options.host ?? '127.0.0.1';
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const accessToken = env.INTERCOM_ACCESS_TOKEN?.trim();
  const emulator: RunningEmulator | undefined = accessToken ? undefined : await startEmulator({ port: 0 });
  const backend: Backend = emulator
    ? { kind: 'emulator', label: 'Intercom emulator (in memory, on this machine)' }
    : { kind: 'intercom', label: `Intercom (${env.INTERCOM_BASE_URL ? 'custom base URL' : `region ${env.INTERCOM_REGION ?? 'us'}`})` };
  const identitySecret = env.LEADRELAY_IDENTITY_SECRET || randomBytes(32).toString('hex');

  const bundles = await buildPageBundles();
  // The proxy needs the page's origin, known only once the port is: routes reach it through this variable.
  let proxy: Proxy | undefined;
  const app = new Hono();
  // Refuses a Host other than the demo's own address (DNS rebinding): host-check.ts. The port is known once listening.
  let listeningPort = 0;
  app.use('*', hostCheck(host, () => listeningPort));
  app.all(`${PROXY_PATH}/*`, (c) => (proxy ? proxy.fetch(c.req.raw, c.env) : c.json({ error: { code: 'starting', message: 'The demo is starting.' } }, 503)));
  // The playground's questions: the proxy is made again with the designer's file (questions-api.ts), so it serves and
  // checks exactly what the preview draws. Mounted before the rest of /demo-api, whose 404 would answer first.
  const questionsApi = createQuestionsApi({
    emulator: backend.kind === 'emulator',
    proxyPath: PROXY_PATH,
    ownOrigin: () => new URL(url).origin,
    current: () => proxy,
    make: (questions) => makeProxy(questions),
    swap: async (next) => {
      const old = proxy;
      proxy = next;
      await old?.close();
    },
  });
  app.route('/demo-api/questions', questionsApi.routes);
  app.route('/demo-api', createDemoApi({ backend, emulatorUrl: emulator?.url, identitySecret, proxyPath: PROXY_PATH }));
  servePages(app, bundles);

  let listening: { server: Server; port: number };
  try {
    listening = await listenWithFallback(app, options.port, host);
  } catch (error) {
    await emulator?.close();
    throw error;
  }
  listeningPort = listening.port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${listening.port}/`;
  // One store for every proxy the playground makes, so idempotency records and lead tokens outlive a change of questions.
  const store = new MemoryStore();
  const secret = env.LEADRELAY_SECRET || randomBytes(32).toString('hex');
  /**
   * A proxy with these questions, and a promise that it is set up: resolved once its data attributes exist, rejected
   * with the clash's sentence when one of them exists with another type (set-up would retry forever, leads queued).
   */
  const makeProxy = (questions?: ProxyOptions['questions']): { proxy: Proxy; settled: Promise<void> } => {
    let onClash: (message: string) => void = () => undefined;
    const clashed = new Promise<never>((_, reject) => (onClash = (message) => reject(new Error(message))));
    clashed.catch(() => undefined);
    const made = createProxy({
      intercom: {
        accessToken: accessToken || 'emulator-token',
        baseUrl: emulator?.url ?? env.INTERCOM_BASE_URL,
        region: env.INTERCOM_REGION as 'us' | 'eu' | 'au' | undefined,
        version: env.INTERCOM_VERSION,
      },
      secret,
      identity: { secret: identitySecret },
      origins: { allowed: [new URL(url).origin] },
      basePath: PROXY_PATH,
      limits: { minFillMs: options.minFillMs },
      store,
      ...(questions ? { questions } : {}),
      logger: (line) => {
        if (line.event === 'data_attribute_clash') onClash(String(line.message));
        if (line.event === 'setup_failed' || (typeof line.status === 'number' && line.status >= 500)) warn(`proxy: ${JSON.stringify(line)}`);
      },
    });
    return { proxy: made, settled: Promise.race([made.ready, clashed]) };
  };
  proxy = makeProxy().proxy;
  const close = async () => {
    await closeServer(listening.server);
    await questionsApi.idle();
    await proxy?.close();
    await store.close();
    await emulator?.close();
  };
  try {
    await proxy.ready;
  } catch (error) {
    await close();
    throw error;
  }
  return { url, port: listening.port, emulatorUrl: emulator?.url, backend, close };
}
