// A Next.js App Router route handler serving LeadRelay's proxy at /api/leadrelay/* (app/api/leadrelay/[...path]/route.ts).
// Configured from the environment: INTERCOM_ACCESS_TOKEN, LEADRELAY_SECRET, LEADRELAY_IDENTITY_SECRET,
// LEADRELAY_ALLOWED_ORIGINS (INTERCOM_BASE_URL only to point it at the emulator).
// #region readme
import { createProxy } from 'leadrelay/proxy';

// The Node.js runtime (not Edge): the proxy keeps its delivery queue and store in the server process.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const leadrelay = createProxy({
  secret: process.env.LEADRELAY_SECRET ?? '',
  intercom: { accessToken: process.env.INTERCOM_ACCESS_TOKEN ?? '', baseUrl: process.env.INTERCOM_BASE_URL },
  identity: { secret: process.env.LEADRELAY_IDENTITY_SECRET },
  origins: { allowed: (process.env.LEADRELAY_ALLOWED_ORIGINS ?? '').split(',').filter(Boolean) },
  basePath: '/api/leadrelay',
  // A route handler gets no socket: the client's address is the right-most X-Forwarded-For entry, which Next.js
  // (or your host's load balancer in front of it) appends.
  clients: { trustProxy: true },
});

/** Every method goes to the proxy: it answers POST routes, GET /health…, CORS preflights and 405s itself. */
function handle(request: Request): Promise<Response> {
  return leadrelay.fetch(request);
}

export { handle as GET, handle as POST, handle as OPTIONS };
// #endregion
