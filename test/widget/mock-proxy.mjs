// A programmable stand-in for the LeadRelay proxy, served by the test runner: records requests, answers scripted
// responses, goes down and comes back. Routes live under /mock-proxy/<scenario>/ so tests never share state.

/** @type {Map<string, {requests: object[], attempts: number, responses: object[], down: boolean, answered: Map<string, object>}>} */
const scenarios = new Map();
let counter = 0;

function scenario(id) {
  if (!scenarios.has(id)) scenarios.set(id, { requests: [], attempts: 0, responses: [], down: false, answered: new Map() });
  return scenarios.get(id);
}

async function readText(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

function createdAnswer() {
  counter += 1;
  return { status: 201, body: { status: 'created', leadToken: `lead-token-${counter}`, conversationId: `conversation-${counter}` } };
}

/** Koa middleware for @web/test-runner's dev server. */
export function mockProxyMiddleware() {
  return async (ctx, next) => {
    const match = /^\/mock-proxy\/([\w-]+)\/(.*)$/.exec(ctx.path);
    if (!match) return next();
    const state = scenario(match[1]);
    const route = match[2];
    if (route === '_control') {
      const change = JSON.parse((await readText(ctx.req)) || '{}');
      if (typeof change.down === 'boolean') state.down = change.down;
      if (Array.isArray(change.responses)) state.responses.push(...change.responses);
      ctx.body = { ok: true };
      return;
    }
    if (route === '_requests') {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { requests: state.requests, attempts: state.attempts };
      return;
    }
    if (state.down) {
      // Like a proxy that is not there: the connection ends without an answer (fetch rejects with a TypeError).
      state.attempts += 1;
      // Nothing is sent, but Koa's status would stay at its default 404, which the test runner lists as a missing file.
      ctx.status = 503;
      ctx.respond = false;
      ctx.req.socket.destroy();
      return;
    }
    const origin = ctx.get('Origin');
    if (origin) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Headers', 'content-type, idempotency-key');
      ctx.set('Access-Control-Allow-Methods', 'POST');
      ctx.set('Access-Control-Expose-Headers', 'retry-after');
    }
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      return;
    }
    // /convert (sign-in) answers whatever the test scripted with `respond`, like /leads does.
    if (!['leads', 'convert'].includes(route) || ctx.method !== 'POST') {
      ctx.status = 404;
      ctx.body = { error: { code: 'not_found', message: 'No such route.' } };
      return;
    }
    state.attempts += 1;
    const text = await readText(ctx.req);
    const key = ctx.get('Idempotency-Key');
    // Like the real proxy: a retry of an accepted key gets the first answer again.
    const answer = state.answered.get(key) ?? state.responses.shift() ?? createdAnswer();
    if (answer.status < 300) state.answered.set(key, answer);
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    state.requests.push({ headers: ctx.req.headers, body: JSON.parse(text), status: answer.status });
    ctx.status = answer.status;
    for (const [name, value] of Object.entries(answer.headers ?? {})) ctx.set(name, value);
    ctx.body = answer.body ?? '';
  };
}

/**
 * A page whose Content-Security-Policy is `default-src 'self'; connect-src <proxy origin>` (no unsafe-inline, no
 * unsafe-eval), loading the built script-tag bundle. GET /csp-page?proxy=<url>.
 */
export function cspPageMiddleware() {
  return async (ctx, next) => {
    if (ctx.path !== '/csp-page') return next();
    const proxy = new URL(ctx.query.proxy);
    ctx.set('Content-Security-Policy', `default-src 'self'; connect-src ${proxy.origin}`);
    ctx.type = 'html';
    ctx.body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CSP page</title>
<script type="module" src="/test/widget/csp-probe.js"></script>
<script type="module" src="/dist/leadrelay.js"></script>
</head><body><lead-relay proxy="${proxy.href.replace(/"/g, '&quot;')}" fields="name email"></lead-relay></body></html>`;
  };
}
