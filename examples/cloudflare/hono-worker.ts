// A runnable example: the proxy mounted in your own Hono app on Cloudflare Workers, built at module scope.
// With nodejs_compat and a compatibility date from 2025-04-01, `process.env` holds the Worker's vars and secrets at
// module scope; createProxy does no I/O, sets no timer and draws no random value there, so this is allowed.
// This one keeps the default memory store (no 202: Intercom down means 503 and the widget keeps the lead); for a
// durable queue use worker.ts (D1 and a Cron Trigger) or pass `store: new D1Store(env.LEADRELAY_DB)` as it does.
// #region readme
import { Hono } from 'hono';
import { createProxy } from 'leadrelay/proxy';

const leadrelay = createProxy({
  secret: process.env.LEADRELAY_SECRET,
  intercom: { accessToken: process.env.INTERCOM_ACCESS_TOKEN },
  origins: { allowed: ['https://www.example.com'] },
  basePath: '/api/leadrelay',
  logger: (line) => console.log(JSON.stringify(line)),
});

const app = new Hono();
// c.executionCtx: what outlives the answer (the Intercom set-up) is handed to the Worker's waitUntil.
app.all('/api/leadrelay/*', (c) => leadrelay.fetch(c.req.raw, c.env, c.executionCtx));

export default app;
// #endregion readme
