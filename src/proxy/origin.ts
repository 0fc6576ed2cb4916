// Allowed origins and CORS: preflights answered for allowed origins, everything else from a foreign origin refused.
import type { MiddlewareHandler } from 'hono';
import { IDEMPOTENCY_HEADER } from '../protocol/wire.js';
import { ProxyError } from './errors.js';
import type { ProxyEnv } from './options.js';

/** True when a request from `origin` may be served (see ProxyOptions.allowedOrigins). */
export function isOriginAllowed(origin: string | undefined, allowed: readonly string[], requestUrl: string): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  return origin === new URL(requestUrl).origin;
}

/**
 * Middleware: answers `OPTIONS` preflights (204 for allowed origins, 403 otherwise), refuses requests from
 * other origins with 403 origin_not_allowed, and adds CORS headers to every answer for an allowed origin.
 */
export function originGuard(allowedOrigins: readonly string[]): MiddlewareHandler<ProxyEnv> {
  const allowed = allowedOrigins.map((origin) => origin.trim().replace(/\/+$/, '')).filter(Boolean);
  return async (c, next) => {
    const origin = c.req.header('origin');
    const ok = isOriginAllowed(origin, allowed, c.req.url);
    if (!ok) throw new ProxyError(403, 'origin_not_allowed', 'Requests from this origin are not allowed.');
    if (c.req.method === 'OPTIONS') {
      return new Response(null, {
        status: 204,
        headers: origin
          ? {
              'access-control-allow-origin': origin,
              'access-control-allow-methods': 'GET, POST, OPTIONS',
              'access-control-allow-headers': `content-type, ${IDEMPOTENCY_HEADER.toLowerCase()}`,
              'access-control-max-age': '600',
              vary: 'Origin',
            }
          : { allow: 'GET, POST, OPTIONS' },
      });
    }
    await next();
    if (origin) {
      c.res.headers.set('access-control-allow-origin', origin);
      c.res.headers.set('access-control-expose-headers', 'retry-after, idempotent-replayed');
      c.res.headers.append('vary', 'Origin');
    }
  };
}
