// A runnable example: LeadRelay's proxy in a plain node:http server, next to the server's own pages.
//   npm i leadrelay @hono/node-server
//   INTERCOM_ACCESS_TOKEN=… LEADRELAY_SECRET=… LEADRELAY_ALLOWED_ORIGINS=https://www.example.com npx tsx examples/node.ts
// With nothing else to serve, `serve()` from 'leadrelay/proxy/node' is shorter (it also caps slow and
// too many connections per client).
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
// #region readme
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createProxy, type Proxy, type ProxyOptions } from 'leadrelay/proxy';
// #endregion

export interface RunningServer {
  /** `http://host:port`; the widget's `proxy` attribute is this plus `/api/leadrelay`. */
  url: string;
  leadrelay: Proxy;
  close(): Promise<void>;
}

export async function startNodeServer(options: ProxyOptions, port = 3000, host = '127.0.0.1'): Promise<RunningServer> {
  // #region readme
  const leadrelay = createProxy({ ...options, basePath: '/api/leadrelay' });
  // Node's request and response in, a web Request to the proxy (with the socket, for the per-IP limit), its Response out.
  const proxyListener = getRequestListener(leadrelay.fetch);

  const server = createServer((request, response) => {
    if (request.url?.startsWith('/api/leadrelay/')) return void proxyListener(request, response);
    response.writeHead(200, { 'content-type': 'text/plain' }).end('Your site. The proxy answers under /api/leadrelay.');
  });
  // #endregion
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    leadrelay,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => (server as Server).close(() => resolve()));
      await leadrelay.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { INTERCOM_ACCESS_TOKEN, LEADRELAY_SECRET, LEADRELAY_IDENTITY_SECRET, LEADRELAY_ALLOWED_ORIGINS, PORT } = process.env;
  if (!INTERCOM_ACCESS_TOKEN || !LEADRELAY_SECRET) {
    console.error('Set INTERCOM_ACCESS_TOKEN and LEADRELAY_SECRET (and LEADRELAY_ALLOWED_ORIGINS for the pages that post).');
    process.exit(1);
  }
  const running = await startNodeServer(
    {
      secret: LEADRELAY_SECRET,
      intercom: { accessToken: INTERCOM_ACCESS_TOKEN },
      identity: { secret: LEADRELAY_IDENTITY_SECRET },
      origins: { allowed: (LEADRELAY_ALLOWED_ORIGINS ?? '').split(',').filter(Boolean) },
      logger: (line) => console.log(JSON.stringify(line)),
    },
    Number(PORT ?? 3000),
  );
  console.log(`Listening on ${running.url}; the widget's proxy attribute: ${running.url}/api/leadrelay`);
}
