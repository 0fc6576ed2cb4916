// The emulator and the proxy without sockets: the emulator as createEmulator()'s fetch handler, the proxy as serve()
// builds it but answering Requests directly, and the calls between them as function calls. For tests where no socket
// behaviour is under test (no connection caps, request deadlines, shutdown over HTTP, keep-alive, addresses from
// sockets, child processes or browsers): what a request carries and what the proxy does with it stay the same.
import { createEmulator, type Emulator, type RunningEmulator } from '../../src/emulator/index.js';
import { DroppedConnectionError } from '../../src/emulator/app.js';
import { proxyFrom } from '../../src/proxy/app.js';
import { TransportError, fetchTransport, type HttpTransport } from '../../src/proxy/intercom/intercom-client.js';
import { nodeHttpTransport } from '../../src/proxy/intercom/node-transport.js';
import type { ServeOptions, ServedProxy } from '../../src/proxy/node.js';
import { resolveOptions } from '../../src/proxy/options.js';
import { shutdownGate } from '../../src/proxy/guards/shutdown-gate.js';

/** In-process emulators by their URL's origin: what the in-process transport and fetch answer from. */
const emulators = new Map<string, Emulator>();
let emulatorCount = 0;

/**
 * An emulator with no port. Its `url` names it for the proxy's `intercom.baseUrl` (and for a second stack sharing it);
 * it ends in `.invalid`, so a call that bypasses the in-process transport fails at once instead of reaching anything.
 */
export function startInProcessEmulator(): RunningEmulator {
  const emulator = createEmulator();
  const url = `http://emulator-${(emulatorCount += 1)}.invalid`;
  emulators.set(url, emulator);
  return {
    url,
    port: 0,
    emulator,
    close: async () => {
      emulators.delete(url);
    },
  };
}

/** The in-process emulator at `url`'s origin, if there is one. */
function emulatorAt(url: string): Emulator | undefined {
  return emulators.get(new URL(url).origin);
}

/**
 * A transport for the Intercom client that answers calls to an in-process emulator by calling it, as the Node
 * adapter's keep-alive node:http transport would over a socket: `content-length` on a body, a timeout after
 * `timeoutMs` without an answer, a `drop` fault as the connection reset after the request went out (ECONNRESET, sent),
 * and a handler that throws as the 500 @hono/node-server would answer. Any other URL goes to `fallback` (the network).
 */
export function inProcessTransport(fallback: () => HttpTransport & { close?(): void } = nodeHttpTransport): HttpTransport & { close(): void } {
  let network: (HttpTransport & { close?(): void }) | undefined;
  const transport: HttpTransport = async (call) => {
    const emulator = emulatorAt(call.url);
    if (!emulator) return (network ??= fallback())(call);
    const headers: Record<string, string> = { ...call.headers };
    if (call.body !== undefined) headers['content-length'] = String(Buffer.byteLength(call.body));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransportError('timeout')), call.timeoutMs);
    });
    try {
      const answered = emulator.fetch(new Request(call.url, { method: call.method, headers, body: call.body })).catch((error: unknown) => {
        if (error instanceof DroppedConnectionError) throw new TransportError('network', 'ECONNRESET', false);
        return new Response(null, { status: 500 });
      });
      const response = await Promise.race([answered, timedOut]);
      const text = await Promise.race([response.text(), timedOut]);
      return { status: response.status, headers: response.headers, text };
    } finally {
      clearTimeout(timer);
    }
  };
  return Object.assign(transport, { close: () => network?.close?.() });
}

/**
 * A `fetch` for the proxy's own outgoing calls besides Intercom's (Turnstile's siteverify): an in-process emulator's
 * URL is answered by calling it (the request's signal still aborts), anything else goes to the real fetch.
 */
export const inProcessFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const emulator = emulatorAt(request.url);
  if (!emulator) return fetch(request);
  request.signal.throwIfAborted();
  let abort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    abort = () => reject(request.signal.reason);
    request.signal.addEventListener('abort', abort, { once: true });
  });
  try {
    return await Promise.race([emulator.fetch(request), aborted]);
  } finally {
    request.signal.removeEventListener('abort', abort!);
  }
};

/** An Intercom client transport for tests: in-process emulators by call, other URLs over `fetch` (the client's default). */
export function testTransport(): HttpTransport {
  return inProcessTransport(() => fetchTransport());
}

/** Calls the emulator at `base` (in-process, or over HTTP with one connection per call) at `path`. */
export async function emulatorFetch(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  const emulator = emulatorAt(base);
  if (emulator) return emulator.fetch(new Request(base + path, init));
  // One connection per call: a kept-alive socket left idle while a loaded machine runs other tests can be closed by the
  // server just as the next call reuses it (ECONNRESET, "fetch failed").
  const headers = new Headers(init.headers);
  headers.set('connection', 'close');
  return fetch(base + path, { ...init, headers });
}

/** The origin an in-process proxy answers as: loopback (the proxy treats address hosts apart), a port nothing serves. */
export const IN_PROCESS_ORIGIN = 'http://127.0.0.1:9';

export interface InProcessProxy extends ServedProxy {
  /** What `fetch(url + path, init)` against `serve()`'s server would answer, without the server. */
  request(path: string, init?: RequestInit): Promise<Response>;
}

/** Headers Node's fetch (undici) adds to every request unless the caller set them. */
const FETCH_DEFAULTS: Record<string, string> = {
  accept: '*/*',
  'accept-language': '*',
  'user-agent': 'node',
  'accept-encoding': 'gzip, deflate',
  connection: 'keep-alive',
};

/**
 * The Request the proxy gets from @hono/node-server when Node's fetch sends `init` to `url`: undici's default headers,
 * `host` and `sec-fetch-mode` as undici sets them whatever the caller says, `content-length` as it computes it (a
 * stream body goes chunked), what undici refuses refused alike, and a body (maybe empty) on every method but GET/HEAD.
 */
export async function requestAsSent(url: string, init: RequestInit = {}): Promise<Request> {
  const given = new Request(url, init);
  const headers = new Headers(given.headers);
  for (const name of ['transfer-encoding', 'keep-alive', 'upgrade', 'expect']) {
    if (headers.has(name)) throw new TypeError('fetch failed', { cause: new Error(`invalid ${name} header`) });
  }
  for (const [name, value] of Object.entries(FETCH_DEFAULTS)) if (!headers.has(name)) headers.set(name, value);
  headers.set('host', new URL(given.url).host);
  headers.set('sec-fetch-mode', 'cors');
  const method = given.method;
  const bodiless = method === 'GET' || method === 'HEAD';
  const streamed = init.body instanceof ReadableStream;
  const body = given.body ? new Uint8Array(await given.arrayBuffer()) : undefined;
  const length = body ? String(body.byteLength) : method === 'POST' || method === 'PUT' ? '0' : undefined;
  if (streamed) headers.set('transfer-encoding', 'chunked');
  else if (length !== undefined) {
    const declared = headers.get('content-length');
    if (declared !== null && declared !== length) {
      throw new TypeError('fetch failed', { cause: new Error('Request body length does not match content-length header') });
    }
    headers.set('content-length', length);
  }
  return new Request(given.url, { method, headers, body: bodiless ? undefined : (body ?? new Uint8Array(0)), signal: given.signal });
}

/**
 * The proxy as `serve(options)` builds it (the same resolved options, with Intercom through the in-process transport
 * unless the options bring a transport or fetch of their own), answering without a server. Each request comes from
 * the loopback address a socket would show (`env.incoming.socket.remoteAddress`), so the per-IP limit and the origin
 * checks see what they see over HTTP. close() is serve()'s graceful close without the socket part, through the same
 * shutdownGate: new requests get 503, queued deliveries stop, requests in flight get `shutdownTimeoutMs` to finish,
 * then `proxy.close()`. No socket deadlines, no per-client connection cap: tests of those use serve().
 */
export function serveInProcess(options: ServeOptions): InProcessProxy {
  const custom = options.intercom?.transport ?? options.intercom?.fetch;
  const transport = custom ? undefined : inProcessTransport();
  const resolved = resolveOptions(transport ? { ...options, intercom: { ...options.intercom, transport } } : options);
  // Turnstile's siteverify goes through the global fetch (no option for another): in-process when it is an emulator's.
  const proxy = proxyFrom(resolved.turnstile ? { ...resolved, turnstile: { ...resolved.turnstile, fetch: inProcessFetch } } : resolved);
  const shutdownTimeoutMs = Math.max(0, options.shutdownTimeoutMs ?? 10_000);
  const address = options.host ?? '127.0.0.1';
  const url = `${address === '127.0.0.1' ? IN_PROCESS_ORIGIN : `http://${address.includes(':') ? `[${address}]` : address}:9`}${resolved.basePath}`;

  const gate = shutdownGate(proxy, shutdownTimeoutMs);
  const request = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const sent = await requestAsSent(url + path, init);
    let response: Response;
    try {
      response = await gate.fetch(sent, { incoming: { socket: { remoteAddress: address } } });
    } catch {
      // @hono/node-server's answer to a handler that throws.
      response = new Response(null, { status: 500 });
    }
    const redirect = init.redirect ?? 'follow';
    if (redirect !== 'manual' && response.status >= 300 && response.status < 400 && response.headers.has('location')) {
      throw new Error(`the proxy redirected to ${response.headers.get('location')}: an in-process request follows no redirect, pass redirect: 'manual'`);
    }
    return response;
  };

  return {
    url,
    port: 9,
    proxy,
    request,
    close: async () => {
      const { requests, deliveries } = gate.stop();
      await requests;
      await deliveries;
      await proxy.close();
      transport?.close();
    },
  };
}
