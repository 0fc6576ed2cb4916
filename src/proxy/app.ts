// createProxy(options): the token proxy as a web-standard fetch handler (Hono), with its routes and guards.
import { Hono, type MiddlewareHandler } from 'hono';
import { ROUTES } from '../protocol/wire.js';
import { ensureDataAttributes } from './data-attributes.js';
import { startDrainLoop } from './delivery-queue.js';
import { ProxyError, errorToResponse } from './errors.js';
import { createConvertRoute } from './convert.js';
import { formPostPages, withFormPosts } from './form-post.js';
import { createLeadsRoute } from './leads.js';
import { redactingLogger, type ProxyLogger, type RequestLogLine } from './logging.js';
import { createMessagesRoute } from './messages.js';
import { resolveDeps, type ProxyDeps, type ProxyEnv, type ProxyOptions, type RouteHandler } from './options.js';
import { originGuard } from './origin.js';
import { clientRateLimiter } from './client-address.js';

export type { ProxyOptions } from './options.js';
export type { Store, IdempotencyRecord, ClaimResult } from './store/index.js';
export { MemoryStore } from './store/memory.js';
export { signLeadToken, verifyLeadToken, InvalidLeadTokenError, type LeadTokenClaims } from './lead-token.js';
export { DATA_ATTRIBUTES, ensureDataAttributes } from './data-attributes.js';
export { computeUserHash, identityJwtKey, JWT_AUDIENCE, JWT_ISSUER } from './identity.js';

/** One route: method, path relative to the base path, whether the per-IP rate limit applies, and its handler. */
interface RouteDefinition {
  method: 'GET' | 'POST';
  path: string;
  rateLimited: boolean;
  create: (deps: ProxyDeps) => RouteHandler;
}

/** Every route the proxy serves. Adding one is one line here and one file with its handler. */
const ROUTE_TABLE: RouteDefinition[] = [
  { method: 'GET', path: ROUTES.health, rateLimited: false, create: () => async (c) => c.json({ ok: true }) },
  { method: 'POST', path: ROUTES.leads, rateLimited: true, create: (deps) => withFormPosts(deps, createLeadsRoute(deps)) },
  { method: 'POST', path: ROUTES.messages, rateLimited: true, create: createMessagesRoute },
  { method: 'POST', path: ROUTES.convert, rateLimited: true, create: createConvertRoute },
];

export interface Proxy {
  /** Answer one request. `env` is what the platform passes (Node adapter: `{incoming, outgoing}`). */
  fetch(request: Request, env?: unknown): Promise<Response>;
  /** Settles once the data attributes exist (rejects, and logs `setup_failed`, when they could not be created). */
  ready: Promise<void>;
  close(): Promise<void>;
}

function normaliseBasePath(basePath: string | undefined): string {
  const trimmed = (basePath ?? '').trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** Logs one line per request and turns every thrown error into a wire error. Outermost middleware. */
function requestLog(logger: ProxyLogger, basePath: string): MiddlewareHandler<ProxyEnv> {
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
    if (c.res.headers.get('idempotent-replayed')) line.replayed = true;
    if (c.res.status >= 400) {
      const code = await c.res.clone().json().then((body: { error?: { code?: string } }) => body?.error?.code, () => undefined);
      if (code) line.code = code;
    }
    logger(line as unknown as Record<string, unknown>);
  };
}

export function createProxy(options: ProxyOptions): Proxy {
  const deps = resolveDeps(options);
  const basePath = normaliseBasePath(options.basePath);
  const logger = redactingLogger(options.logger, [options.accessToken, options.secret, options.identitySecret, options.jwtSecret]);
  const limitClient = clientRateLimiter(deps.store, deps.options, logger);

  const app = new Hono<ProxyEnv>();
  // Outermost: a browser form post gets every refusal as a page, after the request log has seen its code.
  app.use('*', formPostPages(options.allowedOrigins));
  app.use('*', requestLog(logger, basePath));
  app.use('*', originGuard(deps.options, logger));
  app.onError((error) => errorToResponse(error));
  app.notFound(() => errorToResponse(new ProxyError(404, 'not_found', 'There is no such route on this proxy.')));

  for (const route of ROUTE_TABLE) {
    const handler = route.create(deps);
    const path = basePath + route.path;
    app.on(route.method, path, async (c) => {
      if (route.rateLimited) await limitClient(route.path, c.req.raw, c.env);
      return handler(c);
    });
    app.all(path, () => {
      throw new ProxyError(405, 'method_not_allowed', `Use ${route.method} for this route.`, undefined, { allow: route.method });
    });
  }

  // Queued submissions (202) are delivered by this loop, shared with other instances through the store.
  const drain = startDrainLoop(deps, logger);
  deps.onQueued = drain.kick;

  const ready =
    options.setupDataAttributes === false
      ? Promise.resolve()
      : ensureDataAttributes(deps.intercom).then(
          (created) => {
            logger({ event: 'data_attributes_ready', created });
          },
          (error: unknown) => {
            logger({ event: 'setup_failed', error: error instanceof Error ? error.message : 'unknown error' });
            throw new Error('LeadRelay could not create its Intercom data attributes (see the setup_failed log line).');
          },
        );
  // Nobody has to await `ready`: an unobserved failure is logged above, not an unhandled rejection.
  ready.catch(() => undefined);

  return {
    fetch: async (request, env) => app.fetch(request, (env ?? {}) as Record<string, unknown>),
    ready,
    close: async () => {
      await drain.stop();
      // A store passed in belongs to the caller (it may be shared); only the default one is closed here.
      if (!options.store) await deps.store.close();
    },
  };
}
