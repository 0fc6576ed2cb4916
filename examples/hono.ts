// A runnable example: LeadRelay's proxy mounted in your own Hono app on Node, exactly as docs/proxy.md shows.
//   INTERCOM_ACCESS_TOKEN=… LEADRELAY_SECRET=… LEADRELAY_ALLOWED_ORIGINS=https://www.example.com npx tsx examples/hono.ts
// In your app the import is `from 'leadrelay/proxy'`; here it is the source, so the example runs from a checkout.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createProxy, type Proxy, type ProxyOptions } from '../src/proxy/app.js';

export interface RunningExample {
  /** `http://host:port`: the app; the widget's `proxy` attribute is this plus `/api/leadrelay`. */
  url: string;
  leadrelay: Proxy;
  close(): Promise<void>;
}

/** Your app with the proxy mounted under /api/leadrelay, listening on `port` (0: any free one). */
export async function startExample(options: ProxyOptions, port = 3000, hostname = '127.0.0.1'): Promise<RunningExample> {
  const leadrelay = createProxy({ ...options, basePath: '/api/leadrelay' });

  const app = new Hono();
  app.get('/', (c) => c.text('Your site. The proxy answers under /api/leadrelay.'));
  // c.env carries the connection (Node, Bun, Deno): the proxy reads the client's address there for its per-IP limit.
  app.all('/api/leadrelay/*', (c) => leadrelay.fetch(c.req.raw, c.env));

  let server!: Server;
  const info = await new Promise<AddressInfo>((resolve, reject) => {
    server = serve({ fetch: app.fetch, port, hostname }, resolve) as Server;
    server.once('error', reject);
  });
  return {
    url: `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${info.port}`,
    leadrelay,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await leadrelay.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { INTERCOM_ACCESS_TOKEN, LEADRELAY_SECRET, LEADRELAY_ALLOWED_ORIGINS, PORT } = process.env;
  if (!INTERCOM_ACCESS_TOKEN || !LEADRELAY_SECRET) {
    console.error('Set INTERCOM_ACCESS_TOKEN and LEADRELAY_SECRET (and LEADRELAY_ALLOWED_ORIGINS for the pages that post).');
    process.exit(1);
  }
  const running = await startExample(
    {
      intercom: { accessToken: INTERCOM_ACCESS_TOKEN },
      secret: LEADRELAY_SECRET,
      origins: { allowed: (LEADRELAY_ALLOWED_ORIGINS ?? '').split(',').filter(Boolean) },
      logger: (line) => console.log(JSON.stringify(line)),
    },
    Number(PORT ?? 3000),
  );
  console.log(`Listening on ${running.url}; the widget's proxy attribute: ${running.url}/api/leadrelay`);
}
