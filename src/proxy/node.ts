// The Node adapter: serve(options) listens at once, guards sockets (deadlines, per-client cap) and shuts down gracefully.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { serve as serveNode } from '@hono/node-server';
import { proxyFrom, type Proxy, type ProxyOptions } from './app.js';
import { resolveOptions } from './options.js';
import { rateLimitKey } from './guards/client-address.js';
import { wireErrorBody } from './errors.js';
import { shutdownGate } from './guards/shutdown-gate.js';
import { nodeHttpTransport } from './intercom/node-transport.js';

export type { ProxyOptions } from './app.js';

export interface ServeOptions extends ProxyOptions {
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * LEADRELAY_REQUEST_TIMEOUT_MS: how long a client has to send a whole request, headers and body (default 30 s).
   * A slower one gets 408 and its connection is closed, so slow bodies cannot hold sockets open.
   */
  requestTimeoutMs?: number;
  /**
   * LEADRELAY_MAX_CONNECTIONS_PER_CLIENT: open connections one client address (IPv6: its `ipv6Prefix` network) may
   * hold (default 128; 0 = no cap). One more is answered 429 `rate_limited` and closed before a byte is read. Off
   * by default with `trustProxy`: behind a load balancer every connection comes from the balancer.
   */
  maxConnectionsPerClient?: number;
  /**
   * LEADRELAY_SHUTDOWN_TIMEOUT_MS: how long close() lets requests in flight, and queued deliveries whose contact
   * exists, finish (default 10 s).
   */
  shutdownTimeoutMs?: number;
}

export interface ServedProxy {
  /** `http://host:port` plus the base path: what the widget's `proxy` attribute points at. */
  url: string;
  port: number;
  proxy: Proxy;
  /**
   * Graceful stop (SIGTERM): stop listening and answer new requests 503, start no queued delivery, and let requests
   * in flight and deliveries whose contact exists finish (at most `shutdownTimeoutMs`). Queued submissions stay in
   * the store for the next instance.
   */
  close(): Promise<void>;
}

const REFUSED_BODY = JSON.stringify(wireErrorBody('rate_limited', 'Too many open connections from your address. Try again shortly.'));
/** Written straight to a refused socket: no parser, no handler, no body read. */
const REFUSED_CONNECTION =
  'HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 5\r\nConnection: close\r\n' +
  `Content-Length: ${Buffer.byteLength(REFUSED_BODY)}\r\n\r\n${REFUSED_BODY}`;

type NodeEnv = { incoming?: IncomingMessage; outgoing?: ServerResponse };

/**
 * Start the proxy on a port. It listens at once, even while Intercom is unreachable: the data attributes are
 * created in the background (`proxy.ready` resolves when they exist) and submissions are queued meanwhile.
 */
export async function serve(options: ServeOptions): Promise<ServedProxy> {
  // Node's fetch (undici) costs more per call than node:http; use the keep-alive transport unless one was chosen.
  const custom = options.intercom?.transport ?? options.intercom?.fetch;
  const transport = custom ? undefined : nodeHttpTransport();
  const resolved = resolveOptions(transport ? { ...options, intercom: { ...options.intercom, transport } } : options);
  const proxy = proxyFrom(resolved);
  const { trustProxy, ipv6Prefix } = resolved.clients;
  const requestTimeoutMs = Math.max(1, options.requestTimeoutMs ?? 30_000);
  const perClient = options.maxConnectionsPerClient ?? (trustProxy ? 0 : 128);
  const shutdownTimeoutMs = Math.max(0, options.shutdownTimeoutMs ?? 10_000);

  const gate = shutdownGate(proxy, shutdownTimeoutMs);
  const refused = new WeakSet<Socket>();
  const fetch = async (request: Request, env: NodeEnv): Promise<Response> => {
    const socket = env.incoming?.socket;
    if (socket && refused.has(socket)) return new Response(null, { status: 429 });
    return gate.fetch(request, env);
  };

  const host = options.host ?? '127.0.0.1';
  let server!: Server;
  const info = await new Promise<AddressInfo>((resolve, reject) => {
    server = serveNode(
      {
        fetch: fetch as (request: Request, env: unknown) => Promise<Response>,
        port: options.port ?? 8787,
        hostname: host,
        serverOptions: {
          requestTimeout: requestTimeoutMs,
          headersTimeout: Math.min(requestTimeoutMs, 60_000),
          // How often Node checks those deadlines (its default, 30 s, would let a short deadline run long).
          connectionsCheckingInterval: Math.max(25, Math.min(30_000, Math.floor(requestTimeoutMs / 4))),
        },
      },
      resolve,
    ) as Server;
    server.once('error', reject);
  });
  if (perClient > 0) capConnectionsPerClient(server, perClient, ipv6Prefix, refused);

  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${info.port}${resolved.basePath}`,
    port: info.port,
    proxy,
    close: async () => {
      const { requests, deliveries } = gate.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await requests;
      server.closeAllConnections();
      await closed;
      await deliveries;
      await proxy.close();
      transport?.close();
    },
  };
}

/**
 * At most `limit` open connections per client address: one more is answered 429 and closed at once, before its
 * request is parsed (a refused socket that still gets a request parsed is answered without running the proxy).
 */
function capConnectionsPerClient(server: Server, limit: number, ipv6Prefix: number, refused: WeakSet<Socket>): void {
  const open = new Map<string, number>();
  // Prepended, so it runs before Node's HTTP handling attaches to the socket.
  server.prependListener('connection', (socket: Socket) => {
    const key = socket.remoteAddress ? rateLimitKey(socket.remoteAddress, ipv6Prefix) : 'unknown';
    const count = open.get(key) ?? 0;
    if (count >= limit) {
      refused.add(socket);
      socket.on('error', () => undefined);
      socket.end(REFUSED_CONNECTION, () => socket.destroy());
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
}
