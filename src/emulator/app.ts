// The emulated Intercom API: request log, version, bearer check, rate limit and faults around the routes.
import { setTimeout as delay } from 'node:timers/promises';
import { Hono } from 'hono';
import type { EmulatorApp, EmulatorContext } from './context.js';
import { dropConnection, DroppedConnectionError, parseVersion } from './context.js';

export { DroppedConnectionError } from './context.js';
import { registerCompanyRoutes } from './companies.js';
import { registerContactRoutes } from './contacts.js';
import { registerConversationRoutes } from './conversations.js';
import { registerDataAttributeRoutes } from './data-attributes.js';
import { codeForStatus, errorBody, IntercomApiError, intercomError } from './errors.js';
import { pickFault } from './faults.js';
import { peekBudget, takeFromBudget } from './rate-limit.js';
import { registerSearchRoutes } from './search.js';
import type { EmulatorState, FaultRule, RequestLogEntry } from './state.js';
import { registerTurnstileRoutes } from './turnstile.js';
import { registerVisitorRoutes } from './visitors.js';

function redactedHeaders(request: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = name === 'authorization' ? '[redacted]' : value;
  });
  return headers;
}

function setHeaders(c: EmulatorContext, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
}

async function applyFault(c: EmulatorContext, fault: FaultRule, next: () => Promise<void>): Promise<Response | void> {
  if (fault.afterCommit) await next();
  if (fault.delayMs > 0) await delay(fault.delayMs);
  if (fault.drop) return dropConnection(c);
  if (fault.status !== undefined) {
    const answer = intercomError(c, fault.status, codeForStatus(fault.status), `Injected fault (${fault.route})`);
    if (fault.status === 429) answer.headers.set('X-RateLimit-Remaining', '0');
    return answer;
  }
  if (!fault.afterCommit) await next();
}

export function createApiApp(state: EmulatorState, options: { token?: string }): EmulatorApp {
  const app: EmulatorApp = new Hono();
  // Turnstile's siteverify is Cloudflare's, not Intercom's: registered first, it answers before the Intercom middleware.
  registerTurnstileRoutes(app, state);

  // Log every call in arrival order, parse its body once, and put rate-limit headers on every answer.
  app.use('*', async (c, next) => {
    const url = new URL(c.req.url);
    const raw = c.req.method === 'GET' || c.req.method === 'HEAD' ? '' : await c.req.text();
    let body: unknown = undefined;
    let malformed = false;
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
        malformed = true;
      }
    }
    const entry: RequestLogEntry = {
      method: c.req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: redactedHeaders(c.req.raw),
      body,
      status: null,
      at: new Date().toISOString(),
    };
    state.logRequest(entry);
    c.set('state', state);
    c.set('body', body);
    c.set('malformed', malformed);
    await next();
    if (c.res.status === 599) return; // dropped: no answer went out
    entry.status = c.res.status;
    if (!c.res.headers.has('X-RateLimit-Limit')) setHeaders(c, peekBudget(state));
  });

  app.use('*', async (c, next) => {
    const version = parseVersion(c.req.header('Intercom-Version'));
    if (!version) return intercomError(c, 400, 'intercom_version_invalid', 'The requested version could not be found');
    c.set('version', version);
    const match = /^Bearer\s+(\S.*)$/i.exec(c.req.header('Authorization') ?? '');
    const token = match?.[1]?.trim();
    if (!token || (options.token !== undefined && token !== options.token)) {
      return intercomError(c, 401, 'unauthorized', 'Access Token Invalid');
    }
    const budget = takeFromBudget(state);
    if (!budget.allowed) {
      const answer = intercomError(c, 429, 'rate_limit_exceeded', 'Exceeded rate limit');
      for (const [name, value] of Object.entries(budget.headers)) answer.headers.set(name, value);
      return answer;
    }
    const fault = pickFault(state, c.req.method, new URL(c.req.url).pathname);
    const answer = fault ? await applyFault(c, fault, next) : (await next(), undefined);
    if (answer) c.res = answer;
    if (c.res.status !== 599) {
      setHeaders(c, budget.headers);
      if (fault?.status === 429) c.res.headers.set('X-RateLimit-Remaining', '0');
    }
  });

  app.use('*', async (c, next) => {
    if (c.get('malformed')) {
      return intercomError(c, 400, 'bad_request', 'The request body is not valid JSON');
    }
    await next();
  });

  registerContactRoutes(app);
  registerSearchRoutes(app);
  registerConversationRoutes(app);
  registerVisitorRoutes(app);
  registerDataAttributeRoutes(app);
  registerCompanyRoutes(app);

  app.notFound((c) => intercomError(c, 404, 'not_found', 'Resource Not Found'));
  app.onError((error, c) => {
    if (error instanceof DroppedConnectionError) throw error;
    if (error instanceof IntercomApiError) {
      const answer = c.json(errorBody(error.code, error.message, error.field), error.status as 400);
      for (const [name, value] of Object.entries(error.headers)) answer.headers.set(name, value);
      return answer;
    }
    console.error('emulator: unexpected error', error);
    return c.json(errorBody('server_error', 'Unexpected emulator error'), 500);
  });
  return app;
}
