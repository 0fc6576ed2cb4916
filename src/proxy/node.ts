// The Node adapter: serve(options) listens on a port and answers with createProxy's fetch handler.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve as serveNode } from '@hono/node-server';
import { createProxy, type Proxy, type ProxyOptions } from './app.js';
import { nodeHttpTransport } from './node-transport.js';

export type { ProxyOptions } from './app.js';

export interface ServeOptions extends ProxyOptions {
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface ServedProxy {
  /** `http://host:port` plus the base path: what the widget's `proxy` attribute points at. */
  url: string;
  port: number;
  proxy: Proxy;
  close(): Promise<void>;
}

/** Start the proxy on a port once its data attributes exist (a failure to create them rejects, nothing listens). */
export async function serve(options: ServeOptions): Promise<ServedProxy> {
  // Node's fetch (undici) costs more per call than node:http; use the keep-alive transport unless one was chosen.
  const custom = options.intercom?.transport ?? options.intercom?.fetch;
  const transport = custom ? undefined : nodeHttpTransport();
  const proxy = createProxy(transport ? { ...options, intercom: { ...options.intercom, transport } } : options);
  try {
    await proxy.ready;
  } catch (error) {
    await proxy.close();
    transport?.close();
    throw error;
  }
  const host = options.host ?? '127.0.0.1';
  let server!: Server;
  const info = await new Promise<AddressInfo>((resolve, reject) => {
    server = serveNode({ fetch: proxy.fetch, port: options.port ?? 8787, hostname: host }, resolve) as Server;
    server.once('error', reject);
  });
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  return {
    url: `http://${urlHost}:${info.port}${basePath && !basePath.startsWith('/') ? '/' : ''}${basePath}`,
    port: info.port,
    proxy,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await proxy.close();
      transport?.close();
    },
  };
}
