// createProxy(options): the token proxy as a web-standard fetch handler (Hono), with its routes and guards.
import { Hono, type MiddlewareHandler } from 'hono';
import { ROUTES } from '../protocol/wire.js';
import { LEADS_QUEUE } from './delivery/delivery-queue.js';
import { onWorkers, startLoops, startRequestScoped, type Background, type ExecutionContextLike } from './background.js';
import { warnAboutConfiguration } from './config-warnings.js';
import { ProxyError, errorToResponse } from './errors.js';
import { createConvertRoute } from './routes/convert.js';
import { formPostPages, withFormPosts } from './routes/form-post.js';
import { createLiveRoute, createReadyRoute, HEALTH_ROUTES } from './routes/health.js';
import { createLeadsRoute, earlyAnsweredSettled } from './routes/leads.js';
import { createQuestionsRoute } from './routes/questions.js';
import type { ProxyLogger, RequestLogLine } from './logging.js';
import { createMessagesRoute } from './routes/messages.js';
import type { AnsweredRequest, ProxyMetrics } from './metrics.js';
import { resolveOptions, type ProxyDeps, type ProxyEnv, type ProxyOptions, type ResolvedOptions, type RouteHandler } from './options.js';
import { IntercomClient } from './intercom/intercom-client.js';
import { createTurnstileVerifier } from './guards/turnstile.js';
import { originGuard } from './guards/origin.js';
import { clientRateLimiter } from './guards/client-address.js';

export type { ProxyOptions, IntercomOptions, IdentityOptionsGroup, OriginOptions, ClientOptions, DeliveryOptions, QueueOptions } from './options.js';
export type { ExecutionContextLike } from './background.js';
export type { Store, IdempotencyRecord, ClaimResult } from './store/index.js';
export { MemoryStore } from './store/memory.js';
export { ConfigError } from './errors.js';
export { estimateSecretBits, MIN_SECRET_BITS, MIN_SECRET_LENGTH } from './secret-strength.js';
export { signLeadToken, verifyLeadToken, InvalidLeadTokenError, type LeadTokenClaims } from './guards/lead-token.js';
export { DATA_ATTRIBUTES, ensureDataAttributes } from './intercom/data-attributes.js';
export { computeEmailHash, computeUserHash, emailHashKey, identityJwtKey, JWT_AUDIENCE, JWT_ISSUER, JWT_MAX_AGE_SECONDS } from './guards/identity.js';

/** One route: method, path relative to the base path, whether the per-IP rate limit applies, and its handler. */
interface RouteDefinition {
  method: 'GET' | 'POST';
  path: string;
  rateLimited: boolean;
  create: (deps: ProxyDeps) => RouteHandler;
  /** Served only when this says so (GET /metrics only with a metrics token); otherwise the path is a 404. */
  enabled?: (deps: ProxyDeps) => boolean;
}

/** Every route the proxy serves. Adding one is one line here and one file with its handler. */
const ROUTE_TABLE: RouteDefinition[] = [
  { method: 'GET', path: ROUTES.health, rateLimited: false, create: () => async (c) => c.json({ ok: true }) },
  { method: 'GET', path: HEALTH_ROUTES.live, rateLimited: false, create: createLiveRoute },
  { method: 'GET', path: HEALTH_ROUTES.ready, rateLimited: false, create: createReadyRoute },
  {
    method: 'GET',
    path: '/metrics',
    rateLimited: false,
    enabled: (deps) => Boolean(deps.options.metrics.token),
    create: (deps) => {
      let answer: ((request: Request) => Promise<Response>) | undefined;
      return async (c) => {
        // prom-client needs Node built-ins: on Workers (and wherever it failed to load) a metrics token cannot be
        // honoured. Said plainly, as "not implemented here" rather than a server fault a scraper would retry.
        if (!deps.metrics) throw new ProxyError(501, 'metrics_unavailable', METRICS_UNAVAILABLE);
        answer ??= (await loadMetrics()).createMetricsRoute(deps.metrics, deps.options.metrics.token!);
        return answer(c.req.raw);
      };
    },
  },
  { method: 'GET', path: ROUTES.questions, rateLimited: false, create: createQuestionsRoute },
  { method: 'POST', path: ROUTES.leads, rateLimited: true, create: (deps) => withFormPosts(deps, createLeadsRoute(deps)) },
  { method: 'POST', path: ROUTES.messages, rateLimited: true, create: createMessagesRoute },
  { method: 'POST', path: ROUTES.convert, rateLimited: true, create: createConvertRoute },
];

export interface Proxy {
  /**
   * Answer one request. `env` is what the platform passes (Node adapter: `{incoming, outgoing}`); `ctx` is the
   * runtime's execution context where it has one (Workers' third `fetch` argument, Hono's `c.executionCtx`): work
   * that outlives the answer (the set-up, a queued submission's delivery) is handed to its `waitUntil`.
   */
  fetch(request: Request, env?: unknown, ctx?: ExecutionContextLike): Promise<Response>;
  /**
   * Resolves once the contact data attributes exist in Intercom. It never rejects: while Intercom is unreachable the
   * proxy answers anyway, queues submissions, and keeps trying (logging `setup_retrying`); it stays pending then.
   */
  readonly ready: Promise<void>;
  /**
   * Deliver what the delivery queue holds now (for a Cron Trigger on Workers, where nothing runs between events);
   * resolves when the deliveries it started are settled. Long-lived runtimes need not call it: their loop does this.
   */
  deliverQueued(): Promise<void>;
  /**
   * Start no more queued deliveries (the Node adapter calls it on close, before requests in flight finish): one whose
   * contact exists gets `graceMs` (default 10 s) to finish, the others stay queued. close() does it too.
   */
  stopDeliveries(graceMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The metrics module, loaded when asked for. The name is passed as a value so bundlers (esbuild, wrangler) leave
 * prom-client, which needs Node built-ins, out of a Worker; on Workers metrics are not available (each isolate
 * would count for itself anyway).
 */
const METRICS_MODULE = ['.', 'metrics.js'].join('/');
const loadMetrics = (): Promise<typeof import('./metrics.js')> => import(METRICS_MODULE);
const METRICS_UNAVAILABLE =
  'Metrics need Node, Deno or Bun: prom-client could not be loaded on this runtime (Cloudflare Workers has no metrics). ' +
  'Unset metrics.token (LEADRELAY_METRICS_TOKEN) here, or run the proxy on Node, Deno or Bun to scrape /metrics.';

/** How long close() lets deliveries in progress finish when not told (the Node adapter passes its shutdown timeout). */
const DEFAULT_STOP_GRACE_MS = 10_000;

/** How long one Cron event starts new deliveries (each may take up to 10 s more). */
const CRON_DRAIN_MS = 60_000;

/** Logs one line per request and turns every thrown error into a wire error. Outermost middleware. */
function requestLog(logger: ProxyLogger, basePath: string, observe?: (request: AnsweredRequest) => void): MiddlewareHandler<ProxyEnv> {
  const known = new Set<string>(ROUTE_TABLE.map((route) => route.path));
  return async (c, next) => {
    const started = performance.now();
    c.set('trace', { intercomRequestIds: [] });
    try {
      await next();
    } catch (error) {
      c.res = errorToResponse(error);
    }
    const path = c.req.path.startsWith(basePath) ? c.req.path.slice(basePath.length) || '/' : c.req.path;
    const line: RequestLogLine = {
      method: c.req.method,
      // The route, not the raw path: an unknown path is attacker-chosen text and is not logged.
      route: known.has(path) ? path : 'unmatched',
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    };
    const ids = c.get('trace').intercomRequestIds;
    if (ids.length) line.intercomRequestId = ids.join(',');
    if (c.get('trace').leadTokenIgnored) line.leadTokenIgnored = true;
    if (c.get('trace').contextDropped) line.contextDropped = c.get('trace').contextDropped;
    if (c.get('trace').captchaFailed) line.captchaFailed = c.get('trace').captchaFailed;
    if (c.res.headers.get('idempotent-replayed')) line.replayed = true;
    if (c.res.status >= 400) {
      const code = await c.res.clone().json().then((body: { error?: { code?: string } }) => body?.error?.code, () => undefined);
      if (code) line.code = code;
    }
    observe?.(line);
    logger(line as unknown as Record<string, unknown>);
  };
}

export function createProxy(options: ProxyOptions): Proxy {
  return proxyFrom(resolveOptions(options));
}

/**
 * The proxy from options resolveOptions has checked (the Node adapter resolves them itself, for its own settings).
 * @internal
 */
export function proxyFrom(options: ResolvedOptions): Proxy {
  const { logger, store } = options;
  warnAboutConfiguration(options, logger);
  const intercom = new IntercomClient(options.intercom);
  const turnstile = options.turnstile ? createTurnstileVerifier(options.turnstile) : undefined;

  // prom-client and its dependencies were most of the proxy's import time and of a Worker's bundle: loaded only
  // when metrics are on. Requests wait for it (once), so the counters miss none.
  let metrics: ProxyMetrics | undefined;
  let metricsLoading: Promise<void> | undefined;
  if (options.metrics.token) {
    intercom.onCall = (call) => metrics?.observeIntercomCall(call);
    metricsLoading = loadMetrics().then(
      ({ ProxyMetrics }) => {
        metrics = new ProxyMetrics({ store, queue: LEADS_QUEUE, intercom, setupDone: () => background?.setup?.done ?? true });
      },
      (error: unknown) => logger({ event: 'metrics_unavailable', error: error instanceof Error ? error.name : 'unknown', message: METRICS_UNAVAILABLE }),
    );
  }

  // Background work starts with the first request on Workers (global scope may not set timers, draw random values or
  // do I/O, and nothing runs between requests there), and right away elsewhere, so a restarted server delivers what
  // its queue holds without waiting for traffic.
  let background: Background | undefined;
  // Built once, before the routes; the set-up and the metrics exist once the background has started and prom-client
  // has loaded, and are read through it.
  const deps: ProxyDeps = {
    options,
    intercom,
    store,
    ...(options.questions ? { questions: options.questions } : {}),
    ...(turnstile ? { turnstile } : {}),
    get setup() {
      return background?.setup;
    },
    get metrics() {
      return metrics;
    },
    onQueued: () => background?.queued(),
  };
  let stopped = false;
  const begin = (): Background => {
    background ??= onWorkers() ? startRequestScoped(deps, logger) : startLoops(deps, logger);
    return background;
  };
  if (!onWorkers()) {
    if (metricsLoading) void metricsLoading.then(() => stopped || begin());
    else begin();
  }

  // The drain loop's deliveries, and inline ones whose request was answered 202 before they ended (leads.ts).
  const stopAll = async (graceMs = DEFAULT_STOP_GRACE_MS) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.all([background?.stop(graceMs), Promise.race([earlyAnsweredSettled(deps), graceOver])]);
    clearTimeout(timer);
  };

  const app = new Hono<ProxyEnv>();
  // Outermost: a browser form post gets every refusal as a page, after the request log has seen its code.
  app.use('*', formPostPages(options.origins.allowed));
  app.use('*', requestLog(logger, options.basePath, options.metrics.token ? (line) => metrics?.observeRequest(line) : undefined));
  app.use('*', originGuard(options.origins, logger));
  const limitClient = clientRateLimiter(store, options.clients, logger);
  app.onError((error) => errorToResponse(error));
  app.notFound(() => errorToResponse(new ProxyError(404, 'not_found', 'There is no such route on this proxy.')));

  for (const route of ROUTE_TABLE) {
    if (route.enabled && !route.enabled(deps)) continue;
    const handler = route.create(deps);
    const path = options.basePath + route.path;
    app.on(route.method, path, async (c) => {
      if (route.rateLimited) await limitClient(route.path, c.req.raw, c.env);
      return handler(c);
    });
    app.all(path, () => {
      throw new ProxyError(405, 'method_not_allowed', `Use ${route.method} for this route.`, undefined, { allow: route.method });
    });
  }

  return {
    fetch: async (request, env, ctx) => {
      if (metricsLoading) await metricsLoading;
      const work = begin();
      work.request(ctx);
      try {
        return await app.fetch(request, (env ?? {}) as Record<string, unknown>, ctx as never);
      } finally {
        work.answered(ctx);
      }
    },
    get ready() {
      begin();
      return background?.setup?.ready ?? Promise.resolve();
    },
    deliverQueued: async () => {
      if (metricsLoading) await metricsLoading;
      await begin().drain(CRON_DRAIN_MS);
    },
    stopDeliveries: async (graceMs) => {
      stopped = true;
      await stopAll(graceMs);
    },
    close: async () => {
      stopped = true;
      await stopAll();
      // A store passed in belongs to the caller (it may be shared); only the default one is closed here.
      if (options.ownsStore) await store.close();
    },
  };
}
