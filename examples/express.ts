// A runnable example: LeadRelay's proxy mounted in an Express 5 app, next to the app's own routes.
//   npm i leadrelay express @hono/node-server
//   INTERCOM_ACCESS_TOKEN=… LEADRELAY_SECRET=… LEADRELAY_ALLOWED_ORIGINS=https://www.example.com npx tsx examples/express.ts
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
// #region readme
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import { createProxy, type Proxy, type ProxyOptions } from 'leadrelay/proxy';
// #endregion

export interface RunningApp {
  /** `http://host:port`: the app; the widget's `proxy` attribute is this plus `/api/leadrelay`. */
  url: string;
  leadrelay: Proxy;
  close(): Promise<void>;
}

export async function startExpressApp(options: ProxyOptions, port = 3000, host = '127.0.0.1'): Promise<RunningApp> {
  // #region readme
  const leadrelay = createProxy({ ...options, basePath: '/api/leadrelay' });
  const app = express();
  // Mounted with app.all (app.use would strip /api/leadrelay from the URL) and before any body parser: the proxy
  // reads and limits the body itself. getRequestListener hands the proxy the socket, so its per-IP limit sees the
  // client's address.
  app.all('/api/leadrelay/{*route}', getRequestListener(leadrelay.fetch));

  app.use(express.json());
  // #endregion
  app.get('/', (_request, response) => {
    response.send('Your site. The proxy answers under /api/leadrelay.');
  });

  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    leadrelay,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
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
  const running = await startExpressApp(
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
