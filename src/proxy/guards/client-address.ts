// The client's address wherever the proxy is mounted (Node, Bun, Deno, Workers, Hono's `c.env`, X-Forwarded-For),
// the key its per-IP rate limit counts under (IPv6 by prefix), and the limit for clients whose address is unknown.
import type { ProxyLogger } from '../logging.js';
import { enforceRateLimit } from './spam.js';
import type { Store } from '../store/index.js';

/**
 * What runtimes pass as a fetch handler's second argument, which Hono hands on as `c.env`: @hono/node-server's
 * `{incoming}`, Bun's server (or `{server}`), Deno.serve's handler info. Hono's `getConnInfo` helpers read the same.
 */
interface ConnectionEnv {
  incoming?: { socket?: { remoteAddress?: string } };
  requestIP?: (request: Request) => { address?: string } | null;
  server?: { requestIP?: (request: Request) => { address?: string } | null };
  remoteAddr?: { hostname?: string };
}

/** The peer's address as the runtime knows it, or undefined when nothing passed says. */
export function addressFromEnv(request: Request, env: unknown): string | undefined {
  if (!env || typeof env !== 'object') return undefined;
  const known = env as ConnectionEnv;
  const node = known.incoming?.socket?.remoteAddress;
  if (node) return node;
  const bun = typeof known.requestIP === 'function' ? known.requestIP(request) : known.server?.requestIP?.(request);
  if (bun?.address) return bun.address;
  return known.remoteAddr?.hostname || undefined;
}

/**
 * The client's address, or undefined when it cannot be known. Behind a load balancer (`trustProxy`), the right-most
 * X-Forwarded-For entry: the one the balancer appended, which the client cannot forge (entries to its left are
 * whatever the client sent), without the port some balancers add. On Cloudflare Workers (a request with Cloudflare's `cf` object), CF-Connecting-IP.
 */
export function clientAddress(request: Request, env: unknown, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for');
    const last = forwarded?.split(',').map((part) => part.trim()).filter(Boolean).pop();
    if (last) return withoutPort(last);
  }
  const fromEnv = addressFromEnv(request, env);
  if (fromEnv) return fromEnv;
  const cf = (request as Request & { cf?: unknown }).cf;
  if (cf && typeof cf === 'object') return request.headers.get('cf-connecting-ip') ?? undefined;
  return undefined;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(text: string): number[] | undefined {
  const match = IPV4.exec(text);
  const octets = match?.slice(1).map(Number);
  return octets && octets.every((octet) => octet <= 255) ? octets : undefined;
}

/** An IPv6 address as eight 16-bit groups (`::` and a trailing dotted IPv4 part allowed), or undefined. */
export function parseIpv6(text: string): number[] | undefined {
  let head = text;
  const tail: number[] = [];
  const dotted = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted) {
    const octets = parseIpv4(dotted[1]!);
    if (!octets) return undefined;
    tail.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
    head = text.slice(0, dotted.index + (text.slice(0, dotted.index + 1).endsWith('::') ? 1 : 0));
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(halves[0]);
  const right = groups(halves[1]);
  if (![...left, ...right].every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return undefined;
  const given = left.length + right.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const zeros = new Array<number>(8 - given).fill(0);
  return [...left.map((g) => parseInt(g, 16)), ...zeros, ...right.map((g) => parseInt(g, 16)), ...tail];
}

/**
 * The address without brackets or a port: some balancers write the client's source port into X-Forwarded-For
 * (`203.0.113.7:52144`, `[2001:db8::7]:52144`), and a new connection must not make a new client. A bare IPv6 address
 * (colons, no brackets) has no port.
 */
function withoutPort(address: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d{1,5})?$/.exec(address);
  if (bracketed) return bracketed[1]!;
  const ipv4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(address);
  return ipv4 ? ipv4[1]! : address;
}

/**
 * The key a client's requests are counted under. IPv4 as is; IPv4-mapped IPv6 (`::ffff:192.0.2.1`) as that IPv4;
 * other IPv6 by its first `ipv6Prefix` bits, because one subscriber usually holds a whole /64 (or more) and can
 * change addresses inside it at will. Anything else (a custom `clientIp`'s value) as is, bounded in length.
 */
export function rateLimitKey(address: string, ipv6Prefix: number): string {
  const bare = withoutPort(address.trim()).replace(/%.*$/, '');
  if (parseIpv4(bare)) return bare;
  const groups = parseIpv6(bare);
  if (!groups) return bare.slice(0, 100);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.');
  }
  const masked = groups.map((group, index) => {
    const bits = Math.min(16, Math.max(0, ipv6Prefix - index * 16));
    return group & ((0xffff << (16 - bits)) & 0xffff);
  });
  return `${masked.map((group) => group.toString(16)).join(':')}/${ipv6Prefix}`;
}

/**
 * Requests whose address cannot be learned are never counted as one client (that would give the whole site one
 * visitor's limit). They share a site-wide safety limit of this many times the per-IP limit instead.
 */
export const UNKNOWN_ADDRESS_FACTOR = 50;
const UNKNOWN_ADDRESS_KEY = 'unknown-address:site-wide';

export interface ClientLimitSettings {
  /** Requests per minute per client and route; 0: no limit. */
  readonly rateLimit: number;
  readonly ipv6Prefix: number;
  /** The client's address (the `clientIp` hook, or clientAddress with the `trustProxy` setting). */
  readonly address: (request: Request, env: unknown) => string | undefined;
}

/**
 * The per-client rate limit: `limit(route, request, env)` counts the request under its client's key, or under the
 * site-wide safety limit when the address is unknown, which it logs once (`client_address_unknown`).
 */
export function clientRateLimiter(store: Store, settings: ClientLimitSettings, logger: ProxyLogger) {
  const { rateLimit, ipv6Prefix, address: learn } = settings;
  let toldUnknown = false;
  return async (route: string, request: Request, env: unknown): Promise<void> => {
    if (rateLimit <= 0) return;
    const address = learn(request, env)?.trim();
    if (address && address !== 'unknown') return enforceRateLimit(store, route, rateLimitKey(address, ipv6Prefix), rateLimit);
    if (!toldUnknown) {
      toldUnknown = true;
      logger({
        event: 'client_address_unknown',
        warning:
          `The proxy cannot see the client's address, so the per-IP rate limit is off; requests share a site-wide limit of ` +
          `${rateLimit * UNKNOWN_ADDRESS_FACTOR} per minute per route. Pass the runtime's connection info ` +
          `(with Hono: leadrelay.fetch(c.req.raw, c.env)), set the clients.clientIp option, or LEADRELAY_TRUST_PROXY behind a load balancer.`,
      });
    }
    return enforceRateLimit(store, route, UNKNOWN_ADDRESS_KEY, rateLimit * UNKNOWN_ADDRESS_FACTOR);
  };
}
