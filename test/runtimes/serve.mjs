// The proxy on Deno's or Bun's own server, as a user there would write it, from the built package (dist/).
// Configured by environment variables (Deno: --allow-env lists exactly these, NODE_ENV not among them); prints
// {"port": n} once listening. Run by runtimes.test.ts.
import process from 'node:process';
import { createProxy } from '../../dist/proxy/app.js';

const proxy = createProxy({
  secret: process.env.LEADRELAY_SECRET,
  intercom: { accessToken: process.env.INTERCOM_ACCESS_TOKEN, baseUrl: process.env.INTERCOM_BASE_URL },
  origins: { allowed: ['https://www.example.com'] },
  logger: (line) => console.error(JSON.stringify(line)),
});

const ready = (port) => console.log(JSON.stringify({ port }));
if (globalThis.Deno) {
  // Deno's handler info carries the client's address, which the proxy reads for its per-client rate limit.
  globalThis.Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => ready(port) }, (request, info) => proxy.fetch(request, info));
} else if (globalThis.Bun) {
  const server = globalThis.Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (request, bunServer) => proxy.fetch(request, bunServer) });
  ready(server.port);
} else {
  throw new Error('serve.mjs runs under Deno or Bun');
}
