// Test hooks under /_emulator/ (no auth): inspect state and requests, inject faults, configure limits, reset.
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
