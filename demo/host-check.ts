// The demo's guard against DNS rebinding: a web page on another site points its own name at 127.0.0.1 and then, as
// "same origin", reads the demo's pages and calls its proxy and emulator APIs. The browser still sends that name in
// the Host header, so every request whose Host is not one the demo answers to is refused with 403.
import type { MiddlewareHandler } from 'hono';

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * True when `host` (a Host header) names this demo: `localhost`, an IP address (a literal address is never a DNS
 * name an outside site controls; `[::1]` included) or the address it listens on, with its port.
 */
export function isDemoHost(host: string | undefined, listenHost: string, port: number): boolean {
  if (!host) return false;
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+):(\d+)$/i.exec(host.trim());
  if (!match || Number(match[2]) !== port) return false;
  const name = match[1]!.toLowerCase();
  const listening = listenHost.includes(':') ? `[${listenHost.toLowerCase()}]` : listenHost.toLowerCase();
  return name === 'localhost' || name === listening || IPV4.test(name) || name.startsWith('[');
}

/** Middleware: 403 with a sentence for a Host the demo does not answer to (see isDemoHost). */
export function hostCheck(listenHost: string, port: () => number): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host');
    if (isDemoHost(host, listenHost, port())) return next();
    return c.json(
      {
        error: {
          code: 'host_not_allowed',
          message: `This demo answers only at its own address (http://${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${port()}/ or localhost), not at the host name "${(host ?? '').slice(0, 100)}": a page on another site pointing its name at this machine (DNS rebinding) is refused.`,
        },
      },
      403,
    );
  };
}
