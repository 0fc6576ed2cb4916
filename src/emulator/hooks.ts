// Test hooks under /_emulator/ (no auth): inspect state and requests, inject faults, configure limits, reset.
import { networkInterfaces } from 'node:os';
import { Hono } from 'hono';
import { contactView } from './contact-view.js';
import { conversationView } from './conversations.js';
import { addFaults, FaultInputError } from './faults.js';
import type { EmulatorState } from './state.js';
import { createVisitor, visitorView } from './visitors.js';

const hookError = (code: string, message: string) => ({ error: { code, message } });

async function readJson(request: Request): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const text = await request.text();
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Where the emulator listens, for the Host check; unknown until a server is bound (or never, for createEmulator). */
export interface EmulatorBinding {
  /** The address it was bound to (`127.0.0.1`, `::1`, `0.0.0.0`, a LAN address…). */
  address?: string;
  port?: number;
  /** Further Host names it answers to (a container's service name), each `name` or `name:port`. */
  allowedHosts?: readonly string[];
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_ADDRESSES = new Set(['', '0.0.0.0', '::', '[::]']);

const bracketed = (address: string) => (address.includes(':') && !address.startsWith('[') ? `[${address}]` : address).toLowerCase();

/** The names a Host header may carry: loopback, the bound address, and (bound to every interface) each one's. */
function allowedNames(binding: EmulatorBinding): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  const address = binding.address?.trim() ?? '';
  if (!WILDCARD_ADDRESSES.has(address)) names.add(bracketed(address));
  else {
    for (const entries of Object.values(networkInterfaces())) {
      for (const entry of entries ?? []) names.add(bracketed(entry.address.replace(/%.*$/, '')));
    }
  }
  return names;
}

function splitHost(value: string): { name: string; port: number | undefined } | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]\s/@]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!match) return undefined;
  return { name: match[1]!.toLowerCase(), port: match[2] === undefined ? undefined : Number(match[2]) };
}

/**
 * Whether a Host header names this emulator. A page the developer opens can point its own domain at 127.0.0.1
 * (DNS rebinding) and then read and drive the emulator as a same-origin page; its requests carry that domain as
 * Host, so only loopback names, the bound address and names the operator listed are answered, on the bound port.
 */
export function hostAllowed(host: string, binding: EmulatorBinding): boolean {
  const parsed = splitHost(host);
  if (!parsed) return false;
  const port = parsed.port ?? 80;
  if (binding.port !== undefined && port !== binding.port) {
    return false;
  }
  if (allowedNames(binding).has(parsed.name)) return true;
  return (binding.allowedHosts ?? []).some((entry) => {
    const listed = splitHost(entry);
    return listed !== undefined && listed.name === parsed.name && (listed.port === undefined || listed.port === port);
  });
}

/**
 * Refuses what a web page could send the emulator: a request under another Host (DNS rebinding, every route), and
 * for the hooks, which have no auth, a foreign Origin or a POST that is not JSON (a cross-site `text/plain` or
 * form POST needs no preflight, so CORS alone would let it reset or reconfigure the emulator). A request without a
 * Host header passed to createEmulator's handler did not come from a browser (a test calling it in-process).
 */
export function refuseForeignRequest(request: Request, binding: EmulatorBinding, hook: boolean | 'origin'): Response | undefined {
  const host = request.headers.get('host');
  const overHttp = binding.port !== undefined;
  if ((host !== null || overHttp) && !hostAllowed(host ?? '', binding)) {
    return Response.json(hookError('host_not_allowed', 'The emulator answers only to loopback names and its bound address (Host header); list other names with --allow-host'), { status: 403 });
  }
  if (!hook) return undefined;
  const origin = request.headers.get('origin');
  if (origin !== null && !sameOrigin(origin, host ?? new URL(request.url).host)) {
    return Response.json(hookError('origin_not_allowed', 'The emulator hooks answer only their own origin or non-browser clients (Origin header)'), { status: 403 });
  }
  // `'origin'`: hooks that refuse a body that is not JSON themselves (the Turnstile ones, 400).
  if (hook === true && request.method === 'POST' && !isJson(request.headers.get('content-type'))) {
    return Response.json(hookError('unsupported_media_type', 'POST to an emulator hook needs Content-Type: application/json'), { status: 415 });
  }
  return undefined;
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && url.origin === origin.toLowerCase() && url.host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

const isJson = (contentType: string | null) => contentType !== null && /^application\/json\s*(;|$)/i.test(contentType.trim());

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

export function createHooksApp(state: EmulatorState): Hono {
  const hooks = new Hono().basePath('/_emulator');

  hooks.get('/state', (c) => {
    // Live objects as the API would return them; `?version=2.16` shows the 2.16 shapes.
    const version = c.req.query('version') === '2.16' ? '2.16' : '2.14';
    return c.json({
      contacts: state.liveContacts().map((contact) => contactView(contact, version)),
      conversations: [...state.conversations.values()].map((conversation) => conversationView(state, conversation, version)),
      visitors: [...state.visitors.values()].map(visitorView),
    });
  });

  // `dropped`: how many older requests the capped log no longer holds (0 unless more than `requestLogLimit` came in).
  hooks.get('/requests', (c) => c.json({ requests: state.requests, dropped: state.requestsDropped }));

  hooks.get('/faults', (c) => c.json({ faults: state.faults }));

  hooks.post('/faults', async (c) => {
    const body = await readJson(c.req.raw);
    if (!body.ok) return c.json(hookError('invalid_json', 'The body is not valid JSON'), 400);
    const input = (body.value as { faults?: unknown })?.faults ?? body.value;
    try {
      const added = addFaults(state, input);
      return c.json({ faults: added });
    } catch (error) {
      if (error instanceof FaultInputError) return c.json(hookError('invalid_fault', error.message), 400);
      throw error;
    }
  });

  hooks.delete('/faults', (c) => {
    state.faults = [];
    return c.json({ faults: [] });
  });

  hooks.post('/config', async (c) => {
    const body = await readJson(c.req.raw);
    if (!body.ok || typeof body.value !== 'object' || body.value === null) {
      return c.json(hookError('invalid_json', 'The body must be a JSON object'), 400);
    }
    const { rateLimit, searchLagMs, requestLogLimit } = body.value as {
      rateLimit?: { limit?: unknown; windowSeconds?: unknown };
      searchLagMs?: unknown;
      requestLogLimit?: unknown;
    };
    if (requestLogLimit !== undefined && !isPositiveInteger(requestLogLimit)) {
      return c.json(hookError('invalid_config', 'requestLogLimit must be a positive integer'), 400);
    }
    if (rateLimit !== undefined) {
      const limit = rateLimit?.limit ?? state.config.rateLimit.limit;
      const windowSeconds = rateLimit?.windowSeconds ?? state.config.rateLimit.windowSeconds;
      if (!isPositiveInteger(limit) || !isPositiveInteger(windowSeconds)) {
        return c.json(hookError('invalid_config', 'rateLimit.limit and rateLimit.windowSeconds must be positive integers'), 400);
      }
      state.config.rateLimit = { limit, windowSeconds };
      state.rateWindow = { sliceStart: 0, used: 0 };
    }
    if (searchLagMs !== undefined) {
      if (typeof searchLagMs !== 'number' || searchLagMs < 0 || !Number.isFinite(searchLagMs)) {
        return c.json(hookError('invalid_config', 'searchLagMs must be a number ≥ 0'), 400);
      }
      state.config.searchLagMs = searchLagMs;
    }
    if (requestLogLimit !== undefined) {
      state.requestLogLimit = requestLogLimit;
      state.trimRequestLog();
    }
    return c.json({ config: { ...state.config, requestLogLimit: state.requestLogLimit } });
  });

  hooks.post('/visitors', async (c) => {
    const body = await readJson(c.req.raw);
    if (!body.ok || typeof body.value !== 'object' || body.value === null) {
      return c.json(hookError('invalid_json', 'The body must be a JSON object'), 400);
    }
    return c.json(visitorView(createVisitor(state, body.value as { name?: unknown; email?: unknown })));
  });

  hooks.post('/reset', (c) => {
    state.reset();
    return c.json({ ok: true });
  });

  hooks.notFound((c) => c.json(hookError('not_found', 'No such emulator hook'), 404));
  return hooks;
}
