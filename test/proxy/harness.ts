// Test harness: the emulator and the proxy, in-process (startInProcessStack) or over real HTTP on loopback
// (startStack), with every response and log line captured so each test file can assert the access token never left
// the proxy.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { serve, type ProxyOptions, type ServeOptions, type ServedProxy } from '../../src/proxy/node.js';
import type { LeadRequest } from '../../src/protocol/wire.js';
import { ensureDataAttributes } from '../../src/proxy/intercom/data-attributes.js';
import { IntercomClient, type IntercomClientOptions } from '../../src/proxy/intercom/intercom-client.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { emulatorFetch, serveInProcess, startInProcessEmulator, testTransport } from './in-process.js';

export { inProcessFetch } from './in-process.js';

/** A distinctive token so a leak is found by a plain substring search. */
export const ACCESS_TOKEN = `tok_leadrelay_test_${randomUUID().replaceAll('-', '')}`;
/**
 * A secret the proxy accepts: a label (so a leak is found by a substring search) and 64 random hex digits, as
 * `openssl rand -hex 32` makes. The proxy refuses weak secrets (secret-strength.ts): every test secret comes from here.
 */
export function testSecret(label: string): string {
  return `${label}-${randomBytes(32).toString('hex')}`;
}
export const SECRET = testSecret('lead-token-secret');
/** The identity secret test stacks use when a test does not need one of its own. */
export const IDENTITY_SECRET = testSecret('identity-secret');

export interface EmulatorRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  status: number;
}

export interface CapturedResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any;
}

export interface Stack {
  emulator: RunningEmulator;
  proxy: ServedProxy;
  logs: Record<string, unknown>[];
  responses: CapturedResponse[];
  /** POST JSON (or a raw string body) to a proxy route; a fresh Idempotency-Key unless `key` is given (null: none). */
  post(path: string, body: unknown, init?: { key?: string | null; headers?: Record<string, string> }): Promise<CapturedResponse>;
  send(path: string, init: RequestInit): Promise<CapturedResponse>;
  emulatorRequests(): Promise<EmulatorRequest[]>;
  emulatorState(): Promise<{ contacts: any[]; conversations: any[] }>;
  addFault(fault: Record<string, unknown>): Promise<void>;
  /** Calls the emulator (its API or a `/_emulator/` hook) at `path`, in-process or over HTTP as the stack runs. */
  emulatorFetch(path: string, init?: RequestInit): Promise<Response>;
  /** Forget everything in the emulator, then re-create the data attributes as the proxy does at start-up. */
  reset(): Promise<void>;
  /** Closes both servers after asserting the token appears in no response and no log line. */
  close(): Promise<void>;
}

/** A valid POST /leads body; override any field, with any value (bad-input tests send wrong types on purpose). */
export function buildLead(overrides: { [K in keyof LeadRequest]?: unknown } & Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    phone: '020 7946 0958',
    phoneCountry: 'GB',
    message: 'I would like a demo of the analytical engine.',
    consent: { given: true, text: 'You may contact me about my enquiry.' },
    page: { url: 'https://example.com/pricing', referrer: 'https://search.example/', title: 'Pricing' },
    utm: { utm_source: 'newsletter', utm_campaign: 'spring' },
    hp: '',
    elapsedMs: 8000,
    ...overrides,
  };
}

async function capture(response: Response): Promise<CapturedResponse> {
  const text = await response.text();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers, text, json };
}

/** Fails when the access token appears in any captured response (status line aside) or log line. */
export function assertTokenNeverLeaked(stack: Pick<Stack, 'logs' | 'responses'>): void {
  for (const response of stack.responses) {
    assert.ok(!response.text.includes(ACCESS_TOKEN), 'the access token leaked into a response body');
    assert.ok(!JSON.stringify(response.headers).includes(ACCESS_TOKEN), 'the access token leaked into a response header');
  }
  for (const line of stack.logs) {
    assert.ok(!JSON.stringify(line).includes(ACCESS_TOKEN), 'the access token leaked into a log line');
  }
}

/** What every test proxy shares: the test token and secret, the emulator as Intercom, no rate limit, logs kept. */
export function testProxyOptions(baseUrl: string, logs: Record<string, unknown>[]) {
  return {
    secret: SECRET,
    intercom: { accessToken: ACCESS_TOKEN, baseUrl },
    clients: { rateLimit: 0 },
    logger: (line: Record<string, unknown>) => logs.push(line),
  } satisfies ProxyOptions;
}

/** The option groups an override merges into, member by member, instead of replacing. */
const OPTION_GROUPS = ['intercom', 'identity', 'origins', 'clients', 'limits', 'metrics', 'delivery', 'queue', 'testing'] as const;

/**
 * `base` with `overrides` over it, group by group: `{ delivery: { recoveryWaitMs: 0 } }` changes that one member and
 * keeps the base's other delivery settings. A member set to undefined is unset.
 */
export function mergeOptions<T extends StackOptions>(base: T, overrides: StackOptions = {}): T {
  const merged: Record<string, unknown> = { ...base, ...overrides };
  for (const group of OPTION_GROUPS) {
    if (base[group] !== undefined || overrides[group] !== undefined) merged[group] = { ...base[group], ...overrides[group] };
  }
  return merged as T;
}

/** A stack's options: the test defaults (short timings, the emulator) under the test's own, group by group. */
export type StackOptions = Omit<Partial<ServeOptions>, 'intercom'> & { intercom?: Partial<ServeOptions['intercom']> };

/**
 * The emulator and the proxy over real HTTP on loopback ports (`startEmulator`, `serve`): for tests about sockets,
 * connection caps, request deadlines, shutdown over HTTP, keep-alive, client addresses from sockets, or whose proxy
 * URL a browser or a child process uses. Anything else uses startInProcessStack (the same Stack, no sockets).
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const emulator = await startEmulator({ port: 0 });
  return stackOn(emulator, options, async (merged) => {
    const proxy = await serve(merged);
    return { proxy, request: (path, init) => fetch(proxy.url + path, closing(init)) };
  });
}

/**
 * The same stack without sockets: the emulator is createEmulator()'s handler, the proxy is built as serve() builds it
 * and answers `proxy.fetch(request)`, Intercom's calls and the hooks are function calls (test/proxy/in-process.ts).
 * Requests carry what Node's fetch would send and come from 127.0.0.1 as over a socket, so origin checks and rate
 * limits behave the same. `stack.proxy.url` and `stack.emulator.url` are names, not servers: reach them through
 * `send`/`post` and `emulatorFetch`; `intercom: { baseUrl: other.emulator.url }` shares another stack's emulator.
 */
export async function startInProcessStack(options: StackOptions = {}): Promise<Stack> {
  const emulator = startInProcessEmulator();
  return stackOn(emulator, options, async (merged) => {
    const proxy = serveInProcess(merged);
    // The same headers as over HTTP, `connection: close` included: the proxy sees what it sees there.
    return { proxy, request: (path, init) => proxy.request(path, closing(init)) };
  });
}

/**
 * One connection per call, to the proxy and to the emulator's hooks: a kept-alive socket left idle while a loaded
 * machine runs other tests can be closed by the server just as the next call reuses it (ECONNRESET, "fetch failed").
 */
function closing(init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  headers.set('connection', 'close');
  return { ...init, headers };
}

/** A stack on `emulator`, with the proxy `start` makes from the test defaults under the test's options. */
async function stackOn(
  emulator: RunningEmulator,
  options: StackOptions,
  start: (options: ServeOptions) => Promise<{ proxy: ServedProxy; request: (path: string, init: RequestInit) => Promise<Response> }>,
): Promise<Stack> {
  const logs: Record<string, unknown>[] = [];
  const responses: CapturedResponse[] = [];
  // The product's default store (SQLite on local disk) unless the test brings its own: only a durable store queues (202).
  const dataDir = options.store ? undefined : mkdtempSync(join(tmpdir(), 'leadrelay-stack-'));
  const ownStore = dataDir ? await SqliteStore.open({ path: join(dataDir, 'leadrelay.db') }) : undefined;
  const { proxy, request } = await start(
    mergeOptions(
      {
        port: 0,
        ...testProxyOptions(emulator.url, logs),
        intercom: { accessToken: ACCESS_TOKEN, baseUrl: emulator.url, retryBaseMs: 10 },
        delivery: {
          // The emulator's search has no lag unless a test configures one: a short recovery bound keeps tests fast.
          recoveryLagMs: 200,
          // The answer budget before POST /leads queues (default 1.5 s) at its former default: on a loaded test machine a
          // healthy delivery can take longer than 1.5 s, and tests that expect 201 mean "delivered inline".
          recoveryWaitMs: 5_000,
        },
        testing: { queuePollMs: 20 },
        store: ownStore,
      },
      options,
    ),
  );
  const hook = (path: string, init?: RequestInit) => emulatorFetch(emulator.url, path, init);
  const send = async (path: string, init: RequestInit) => {
    const captured = await capture(await request(path, init));
    responses.push(captured);
    return captured;
  };
  const stack: Stack = {
    emulator,
    proxy,
    logs,
    responses,
    send,
    post: (path, body, init = {}) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
      const key = init.key === undefined ? randomUUID() : init.key;
      if (key !== null) headers['idempotency-key'] = key;
      return send(path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    },
    emulatorFetch: hook,
    emulatorRequests: async () => {
      const response = await hook('/_emulator/requests');
      return ((await response.json()) as { requests: EmulatorRequest[] }).requests;
    },
    emulatorState: async () => (await hook('/_emulator/state')).json() as Promise<any>,
    addFault: async (fault) => {
      const response = await hook('/_emulator/faults', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fault),
      });
      assert.equal(response.status, 200, 'the emulator accepted the fault');
    },
    reset: async () => {
      await hook('/_emulator/reset', { method: 'POST', headers: { 'content-type': 'application/json' } });
      await ensureDataAttributes(testIntercomClient(emulator.url));
    },
    close: async () => {
      await proxy.close();
      await ownStore?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      await emulator.close();
      assertTokenNeverLeaked(stack);
    },
  };
  return stack;
}

/**
 * An Intercom client with the test token for the emulator at `baseUrl`, in-process or on a port (what a test uses to
 * call the API as the proxy would, or to create data attributes beside it).
 */
export function testIntercomClient(baseUrl: string, options: Omit<IntercomClientOptions, 'accessToken' | 'baseUrl' | 'transport'> = {}): IntercomClient {
  return new IntercomClient({ ...options, accessToken: ACCESS_TOKEN, baseUrl, transport: testTransport() });
}

/** Requests the emulator received apart from the start-up data attribute calls. */
export function apiCalls(requests: EmulatorRequest[]): EmulatorRequest[] {
  return requests.filter((request) => !request.path.startsWith('/data_attributes'));
}
