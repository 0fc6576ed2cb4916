// The demo page's own endpoints under /demo-api: which backend is in use, the inbox, and "sign in as…".
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { computeEmailHash, computeUserHash } from '../src/proxy/guards/identity.js';
import { inboxFromEmulatorState, type Inbox } from './inbox-model.js';

export interface Backend {
  kind: 'emulator' | 'intercom';
  label: string;
}

export interface DemoApiOptions {
  backend: Backend;
  emulatorUrl?: string;
  /** The proxy's LEADRELAY_IDENTITY_SECRET: the demo server plays the customer's backend that signs users in. */
  identitySecret: string;
  proxyPath: string;
}

/** What GET /demo-api/backend answers. */
export interface BackendInfo extends Backend {
  proxy: string;
  version: string;
}

/** What POST /demo-api/sign-in answers: the identity to pass to convertLead(). */
export interface SignInAnswer {
  identity: { userId?: string; email?: string; userHash: string };
}

const MAX_ID_LENGTH = 200;
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function demoError(code: string, message: string) {
  return { error: { code, message } };
}

function optionalString(value: unknown): string | undefined | false {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_ID_LENGTH) return false;
  return value.trim();
}

export function createDemoApi(options: DemoApiOptions): Hono {
  const api = new Hono();

  api.get('/backend', (c) => c.json({ ...options.backend, proxy: options.proxyPath, version } satisfies BackendInfo));

  api.get('/inbox', async (c) => {
    if (!options.emulatorUrl) {
      const inbox: Inbox = { available: false, note: 'Leads go to your real Intercom workspace: open its inbox to see them.', contacts: [] };
      return c.json(inbox);
    }
    const response = await fetch(`${options.emulatorUrl}/_emulator/state`);
    if (!response.ok) return c.json(demoError('emulator_unavailable', 'The emulator did not answer; restart npm start.'), 502);
    return c.json(inboxFromEmulatorState(await response.json()), 200, { 'cache-control': 'no-store' });
  });

  // In a real app this is the customer's backend, and it signs only the user of the current session. The demo
  // signs whoever you type, which is fine on a loopback demo and is exactly what the proxy must never do itself.
  api.post('/sign-in', async (c) => {
    const body = await c.req.json().catch(() => undefined);
    if (!body || typeof body !== 'object') return c.json(demoError('invalid_json', 'Send a JSON object: {"userId": "…", "email": "…"}.'), 400);
    const userId = optionalString((body as Record<string, unknown>).userId);
    const email = optionalString((body as Record<string, unknown>).email);
    if (userId === false || email === false) {
      return c.json(demoError('invalid_field', `userId and email must be text of at most ${MAX_ID_LENGTH} characters.`), 400);
    }
    if (!userId && !email) return c.json(demoError('invalid_field', 'Give a user id, an email, or both.'), 400);
    // A user hash covers the id only; with no id, the email gets its own hash (an id hash never verifies an email).
    const userHash = userId ? computeUserHash(options.identitySecret, userId) : computeEmailHash(options.identitySecret, email!);
    const identity: SignInAnswer['identity'] = { userHash };
    if (userId) identity.userId = userId;
    if (email) identity.email = email;
    return c.json({ identity } satisfies SignInAnswer);
  });

  api.notFound((c) => c.json(demoError('not_found', 'There is no such demo endpoint.'), 404));
  return api;
}
