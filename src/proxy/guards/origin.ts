// Allowed origins and CORS: who may send (the allowed list and the configured public origin, never the Host header
// alone), refusals a misconfigured page can read, the start-up warning and a bounded log of refused origins.
import type { MiddlewareHandler } from 'hono';
import { IDEMPOTENCY_HEADER } from '../../protocol/wire.js';
import { wireErrorResponse } from '../errors.js';
import type { ProxyLogger } from '../logging.js';
import type { ProxyEnv } from '../options.js';

/** What the origin guard needs from the proxy's options, parsed once (parseAllowedOrigins). */
export interface OriginPolicy {
  /** The allowed origins, normalised: `'*'`, origins (`https://shop.example`), or entries that are no origin as written. */
  readonly allowed: readonly string[];
  /** The entries of `allowedOrigins` that are not an origin: no browser sends them (a start-up warning says so). */
  readonly notOrigins: readonly string[];
  /** `publicUrl` (LEADRELAY_PUBLIC_URL): the address browsers use to reach the proxy, e.g. `https://www.example.com/api/leadrelay`. */
  readonly publicUrl?: string;
  /** `trustProxy`: X-Forwarded-Proto / X-Forwarded-Host describe the request as the browser sent it. */
  readonly trustProxy?: boolean;
}

/**
 * `allowedOrigins` as the guard compares them. An entry that is not a URL is kept as written (minus trailing
 * slashes): it can only match an identical header. Except "null", the one such header browsers do send: every
 * sandboxed frame and data: URL on the web sends it.
 */
export function parseAllowedOrigins(entries: readonly string[]): Pick<OriginPolicy, 'allowed' | 'notOrigins'> {
  const trimmed = entries.map((origin) => origin.trim()).filter((origin) => origin !== '');
  return {
    allowed: trimmed
      .filter((origin) => origin.toLowerCase() !== 'null')
      .map((origin) => (origin === '*' ? '*' : (normaliseOrigin(origin) ?? origin.replace(/\/+$/, '')))),
    notOrigins: trimmed.filter((origin) => origin !== '*' && !normaliseOrigin(origin)),
  };
}

/** `https://Shop.example/` → `https://shop.example`; anything that is not an http(s) URL → undefined. */
export function normaliseOrigin(value: string): string | undefined {
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A host a browser can only send for a page that really is on this server: an IP literal or `localhost`. A DNS
 * rebinding page sends its own domain name (`Host: evil.example`), which is why a domain name in Host is never trusted.
 */
function isAddressHost(hostname: string): boolean {
  return hostname === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.startsWith('[');
}

/**
 * The proxy's own origin for this request: `publicUrl` when configured. Otherwise the origin the request was sent to
 * (its scheme and host from X-Forwarded-Proto/-Host with `trustProxy`), but only when that host is an address.
 */
export function ownOrigin(request: Request, policy: OriginPolicy): string | undefined {
  if (policy.publicUrl) return normaliseOrigin(policy.publicUrl);
  const url = new URL(request.url);
  if (policy.trustProxy) {
    const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
    const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
    if (proto === 'http' || proto === 'https') url.protocol = `${proto}:`;
    if (host) url.host = host;
  }
  return isAddressHost(url.hostname) ? url.origin : undefined;
}

/**
 * True for an `Origin` a browser can send: `null`, or an origin as browsers serialise it (`scheme://host[:port]`,
 * lower case, no default port, no path). Anything else (`http://[::1`, `http://a b`, `https://x:99999`, `nullx`) was
 * written by hand: it names no page and is refused without parsing it any further.
 */
export function isWellFormedOrigin(origin: string): boolean {
  if (origin === 'null') return true;
  try {
    const url = new URL(origin);
    return url.host !== '' && `${url.protocol}//${url.host}` === origin;
  } catch {
    return false;
  }
}

/** True when a request with this `Origin` header may be served. No header: not a browser cross-origin call. */
export function isOriginAllowed(origin: string | undefined, allowed: readonly string[], own: string | undefined): boolean {
  if (origin === undefined) return true;
  return allowed.includes('*') || allowed.includes(origin) || origin === own;
}

const REFUSAL_LOG_WINDOW_MS = 60_000;
/** At most this many origins remembered for the refusal log; past it, new origins wait for the window to pass. */
const REFUSAL_LOG_MAX_ORIGINS = 256;

/** Logs a refused origin at most once per origin per minute, remembering a bounded number of origins. */
export function refusalLog(logger: ProxyLogger, now: () => number = Date.now): (origin: string) => void {
  const lastLogged = new Map<string, number>();
  return (origin) => {
    const at = now();
    const last = lastLogged.get(origin);
    if (last !== undefined && at - last < REFUSAL_LOG_WINDOW_MS) return;
    if (last === undefined && lastLogged.size >= REFUSAL_LOG_MAX_ORIGINS) {
      for (const [seen, time] of lastLogged) if (at - time >= REFUSAL_LOG_WINDOW_MS) lastLogged.delete(seen);
      if (lastLogged.size >= REFUSAL_LOG_MAX_ORIGINS) return;
    }
    lastLogged.delete(origin); // re-inserted last, so the map stays in logging order
    lastLogged.set(origin, at);
    logger({
      event: 'origin_refused',
      // Attacker-chosen text: bounded, and written as a JSON string by the logger.
      origin: origin.slice(0, 200),
      hint:
        origin === 'null'
          ? 'Origin "null" comes from a sandboxed frame, a data: URL or a page with Referrer-Policy no-referrer; it cannot be allowed (it would allow every such page on the web).'
          : isWellFormedOrigin(origin)
            ? 'Add this origin to LEADRELAY_ALLOWED_ORIGINS if the form on it is yours (or set LEADRELAY_PUBLIC_URL when it is the proxy\'s own site).'
            : 'This Origin is not one a browser sends (it is not scheme://host[:port] as browsers write it): the request was made by hand or by a script.',
    });
  };
}

/** The start-up warning when only the proxy's own origin may send (no allowed origins configured). */
export function warnWhenNoOriginAllowed(policy: OriginPolicy, logger: ProxyLogger): void {
  if (policy.allowed.length) return;
  const own = policy.publicUrl ? normaliseOrigin(policy.publicUrl) : undefined;
  logger({
    event: 'no_allowed_origins',
    warning: own
      ? `LEADRELAY_ALLOWED_ORIGINS is empty: only pages on ${own} can send leads; forms on any other site get 403 origin_not_allowed.`
      : 'LEADRELAY_ALLOWED_ORIGINS is empty and LEADRELAY_PUBLIC_URL is not set: only pages opened by IP address or localhost on this proxy can send leads; forms on your site get 403 origin_not_allowed.',
  });
}

function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'retry-after, idempotent-replayed',
    vary: 'Origin',
  };
}

/**
 * Middleware. An Origin no browser would send is refused 403 on every method. Preflights are answered 204 for any
 * other origin: CORS protects no server, it only decides which pages may read an answer, and a refused page must be
 * able to read its refusal. The boundary is here: a request from an origin
 * that is not allowed is refused with 403 origin_not_allowed before any route runs. The refusal carries CORS headers
 * for a cross-origin page; a page whose Origin names the request's own Host (DNS rebinding, or a same-site mount
 * without `publicUrl`) is same-origin to the browser and gets none, as it needs none.
 */
export function originGuard(policy: OriginPolicy, logger: ProxyLogger): MiddlewareHandler<ProxyEnv> {
  const allowed = policy.allowed;
  warnWhenNoOriginAllowed(policy, logger);
  const logRefusal = refusalLog(logger);
  return async (c, next) => {
    const origin = c.req.header('origin');
    // A malformed Origin is refused on every method, preflights and '*' included: it is no page's, so there is no
    // page to let read the answer, and nothing below has to parse it.
    if (origin !== undefined && !isWellFormedOrigin(origin)) {
      logRefusal(origin);
      return wireErrorResponse(403, 'origin_not_allowed', 'The Origin header is not an origin a browser sends (scheme://host[:port]).');
    }
    if (c.req.method === 'OPTIONS') {
      return new Response(null, {
        status: 204,
        headers: origin
          ? {
              ...corsHeaders(origin),
              'access-control-allow-methods': 'GET, POST, OPTIONS',
              'access-control-allow-headers': `content-type, ${IDEMPOTENCY_HEADER.toLowerCase()}`,
              'access-control-max-age': '600',
            }
          : { allow: 'GET, POST, OPTIONS' },
      });
    }
    if (!isOriginAllowed(origin, allowed, ownOrigin(c.req.raw, policy))) {
      logRefusal(origin!);
      const sameHost = origin !== 'null' && new URL(origin!).host === c.req.header('host')?.toLowerCase();
      return wireErrorResponse(
        403,
        'origin_not_allowed',
        'This proxy does not accept forms from this site: add its origin to LEADRELAY_ALLOWED_ORIGINS.',
        undefined,
        sameHost ? undefined : corsHeaders(origin!),
      );
    }
    await next();
    if (origin) {
      c.res.headers.set('access-control-allow-origin', origin);
      c.res.headers.set('access-control-expose-headers', 'retry-after, idempotent-replayed');
      c.res.headers.append('vary', 'Origin');
    }
  };
}
