// Calls to the Intercom REST API: bearer auth, Intercom-Version, region hosts, timeouts, safe retries, error mapping.
import { upstreamError, type ProxyError } from '../errors.js';
import { RateBudget, type RateView } from './rate-budget.js';
import { backoffDelay, mayRetry, sleep, type RetryPolicy } from '../retry-policy.js';

export const DEFAULT_INTERCOM_VERSION = '2.14';
export const INTERCOM_REGIONS = {
  us: 'https://api.intercom.io',
  eu: 'https://api.eu.intercom.io',
  au: 'https://api.au.intercom.io',
} as const;
export type IntercomRegion = keyof typeof INTERCOM_REGIONS;

export interface IntercomClientOptions {
  accessToken: string;
  region?: IntercomRegion;
  /** Overrides `region` (the emulator's URL in tests). */
  baseUrl?: string;
  version?: string;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 2). */
  maxRetries?: number;
  /** First backoff delay for 5xx and network errors, doubled each time (default 200 ms). */
  retryBaseMs?: number;
  /** Longest single wait, also for X-RateLimit-Reset (default 5 s); a longer wait gives up instead. */
  maxRetryDelayMs?: number;
  /** A fetch implementation for the default transport (tests wrap it to rewrite answers). */
  fetch?: typeof fetch;
  /** How requests go over the wire; default: `fetch`. The Node adapter passes a keep-alive node:http transport. */
  transport?: HttpTransport;
}

/** One HTTP exchange, answered with the whole body read. Fails with TransportError, nothing else. */
export type HttpTransport = (request: {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}) => Promise<{ status: number; headers: { get(name: string): string | null }; text: string }>;

/**
 * System error codes that only happen before a connection exists, so no byte of the request reached Intercom:
 * no descriptor for a socket (EMFILE, ENFILE), no address (ENOTFOUND, EAI_AGAIN), nobody listening or no route
 * (ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL), or undici's connect timeout.
 */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'EMFILE',
  'ENFILE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * A transport failure; `code` is a system error code such as ECONNREFUSED when there is one. `notSent`: the
 * failure happened before a byte of the request left (a creating call may be sent again without a duplicate).
 */
export class TransportError extends Error {
  readonly notSent: boolean;
  constructor(
    readonly kind: 'timeout' | 'network',
    readonly code?: string,
    notSent?: boolean,
  ) {
    super(`transport ${kind}${code ? ` ${code}` : ''}`);
    this.name = 'TransportError';
    this.notSent = notSent ?? (kind === 'network' && code !== undefined && NOT_SENT_CODES.has(code));
  }
}

/** The web-standard transport: `fetch` with a timeout signal. */
export function fetchTransport(fetchImpl: typeof fetch = globalThis.fetch): HttpTransport {
  return async ({ url, method, headers, body, timeoutMs }) => {
    try {
      const response = await fetchImpl(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      return { status: response.status, headers: response.headers, text: await response.text() };
    } catch (thrown) {
      // Keep only the error's code: undici's causes can carry the request, and with it the Authorization header.
      const name = (thrown as { name?: string }).name;
      const code = (thrown as { cause?: { code?: unknown } }).cause?.code;
      if (name === 'TimeoutError' || name === 'AbortError') throw new TransportError('timeout');
      throw new TransportError('network', typeof code === 'string' ? code : undefined);
    }
  };
}

/**
 * `idempotent`: retry on 429, 5xx, timeouts and network errors (GET, PUT, data attribute creation).
 * `create`: Intercom has no idempotency keys, so a creating POST is retried only when it surely created nothing:
 * 429 (refused before processing) and a failure before a byte was sent (NOT_SENT_CODES).
 * `once`: one attempt, whatever the answer: the caller retries (lead delivery's passes and its queue), so a failure
 * is never retried at two levels.
 * Every mode waits for the proxy's own view of the rate budget before sending (up to `maxWaitMs`): that is pacing,
 * not a retry, since nothing was sent.
 */
export type CallRetry = 'idempotent' | 'create' | 'once';

export interface IntercomCallOptions {
  retry: CallRetry;
  /** Give up retrying (or waiting for the rate window) when the next attempt would start after this epoch-ms deadline. */
  deadline?: number;
  /** The longest single wait before a retry for this call (below the client's maxRetryDelayMs), e.g. for a rate reset. */
  maxWaitMs?: number;
  /** Collects Intercom request ids for the request log. */
  trace?: { intercomRequestIds: string[] };
  /** Ends a wait (for the rate window, or before a retry) at once, rejecting with the signal's reason (a stopping drain loop). */
  signal?: AbortSignal;
}

/** A failed Intercom call. Its message never contains the token, a request body or a response body. */
export class IntercomError extends Error {
  constructor(
    readonly kind: 'http' | 'timeout' | 'network',
    readonly status: number,
    readonly intercomCode: string | undefined,
    readonly requestId: string | undefined,
    readonly retryAfterSeconds?: number,
    /** On a 409 `conflict`, the id of the existing contact, which Intercom gives only inside its message. */
    readonly existingId?: string,
    /** A network failure before a byte was sent (see NOT_SENT_CODES): Intercom surely did nothing. */
    readonly notSent = false,
  ) {
    super(kind === 'http' ? `Intercom answered ${status}${intercomCode ? ` ${intercomCode}` : ''}` : `Intercom ${kind} error`);
    this.name = 'IntercomError';
  }
}

export type RateLimitView = RateView;

/** One attempt, for metrics: `status` is the HTTP status, or why there was none. Never a body, never a header. */
export interface IntercomCallRecord {
  method: string;
  /** The path as sent, query included (metrics.ts turns ids into `{id}`). */
  path: string;
  status: number | 'timeout' | 'network' | 'not_sent' | 'rate_limit_local';
  seconds: number;
}

export class IntercomClient {
  readonly baseUrl: string;
  readonly version: string;
  /** The proxy's view of Intercom's budget: a call is never sent when it says the window is spent. */
  readonly budget = new RateBudget();
  #inFlight = 0;
  /** Told about every attempt (metrics.ts sets it). */
  onCall?: (call: IntercomCallRecord) => void;
  readonly #headers: Record<string, string>;
  readonly #options: Required<Pick<IntercomClientOptions, 'timeoutMs' | 'maxRetryDelayMs'>>;
  /**
   * The backoff for 5xx, timeouts and network errors. Its maxMs is unbounded on purpose: maxRetryDelayMs is not a
   * cap but the longest wait worth waiting (for a backoff or a rate reset alike); a longer one gives up instead.
   */
  readonly #retry: RetryPolicy;
  readonly #transport: HttpTransport;

  constructor(options: IntercomClientOptions) {
    this.baseUrl = (options.baseUrl ?? INTERCOM_REGIONS[options.region ?? 'us']).replace(/\/+$/, '');
    this.version = options.version ?? DEFAULT_INTERCOM_VERSION;
    this.#headers = {
      authorization: `Bearer ${options.accessToken}`,
      'intercom-version': this.version,
      accept: 'application/json',
      'content-type': 'application/json',
    };
    this.#options = {
      timeoutMs: options.timeoutMs ?? 10_000,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 5_000,
    };
    this.#retry = { initialMs: options.retryBaseMs ?? 200, coefficient: 2, maxMs: Number.POSITIVE_INFINITY, maxAttempts: options.maxRetries ?? 2, jitter: 0.1 };
    this.#transport = options.transport ?? fetchTransport(options.fetch);
  }

  /** One API call with the retry policy; resolves with the parsed JSON body of a 2xx answer. */
  async request<T>(method: string, path: string, body: unknown, call: IntercomCallOptions): Promise<T> {
    const longestWait = Math.min(this.#options.maxRetryDelayMs, call.maxWaitMs ?? Infinity);
    for (let attempt = 0; ; attempt += 1) {
      // The window is spent: wait for its reset when that is near (nothing is sent meanwhile), else #attempt answers 429.
      const paced = this.budget.waitMs();
      if (paced > 0 && paced <= longestWait && (call.deadline === undefined || Date.now() + paced <= call.deadline)) await sleep(paced, call.signal);
      let error: IntercomError;
      try {
        return await this.#attempt<T>(method, path, body, call);
      } catch (thrown) {
        if (!(thrown instanceof IntercomError)) throw thrown;
        error = thrown;
      }
      const delay = call.retry === 'once' ? undefined : this.#retryDelay(error, call.retry, attempt);
      if (delay === undefined || delay > longestWait) throw error;
      if (!mayRetry({ ...this.#retry, deadline: call.deadline }, attempt, delay)) throw error;
      await sleep(delay, call.signal);
    }
  }

  /** How long to wait before retrying `error`, or undefined when a retry could duplicate or cannot help. */
  #retryDelay(error: IntercomError, policy: Exclude<CallRetry, 'once'>, attempt: number): number | undefined {
    if (error.kind === 'http' && error.status === 429) {
      const wait = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : this.#retry.initialMs;
      // Never before the reset: jitter only adds.
      return Math.round(Math.max(wait, 50) * (1 + Math.random() * 0.1)) + 5;
    }
    const backoff = backoffDelay(this.#retry, attempt);
    // Nothing was sent (no descriptor, no address, connection refused): even a creating call may go again.
    if (error.kind === 'network' && error.notSent) return backoff;
    if (policy === 'create') return undefined;
    if (error.kind !== 'http' || error.status >= 500) return backoff;
    return undefined;
  }

  /** The per-attempt timeout: after it, a creating call is ambiguous until search shows its result. */
  get timeoutMs(): number {
    return this.#options.timeoutMs;
  }

  /** The last rate-limit view, so callers can slow down before Intercom says 429. */
  get rateLimit(): RateLimitView {
    return this.budget.view;
  }

  async #attempt<T>(method: string, path: string, body: unknown, call: IntercomCallOptions): Promise<T> {
    // Spent budget: answer as Intercom would, without sending (so the proxy never goes over the limit itself).
    if (this.budget.available() < 1) {
      this.onCall?.({ method, path, status: 'rate_limit_local', seconds: 0 });
      throw new IntercomError('http', 429, 'rate_limit_local', undefined, this.budget.waitMs() / 1000);
    }
    this.budget.take();
    this.#inFlight += 1;
    const started = performance.now();
    const record = (status: IntercomCallRecord['status']) =>
      this.onCall?.({ method, path, status, seconds: (performance.now() - started) / 1000 });
    let response: Awaited<ReturnType<HttpTransport>>;
    try {
      response = await this.#transport({
        url: this.baseUrl + path,
        method,
        headers: this.#headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs: this.#options.timeoutMs,
      });
    } catch (thrown) {
      if (thrown instanceof TransportError) {
        record(thrown.notSent ? 'not_sent' : thrown.kind);
        throw new IntercomError(thrown.kind, 0, thrown.code, undefined, undefined, undefined, thrown.notSent);
      }
      record('network');
      throw new IntercomError('network', 0, undefined, undefined);
    } finally {
      this.#inFlight -= 1;
    }
    record(response.status);
    this.budget.observe(response.headers, response.status, this.#inFlight);
    const text = response.text;
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const envelope = parsed as { request_id?: unknown; errors?: { code?: unknown; message?: unknown }[] } | undefined;
    const requestId =
      response.headers.get('x-request-id') ?? (typeof envelope?.request_id === 'string' ? envelope.request_id : undefined);
    if (requestId) call.trace?.intercomRequestIds.push(requestId);
    if (response.status >= 200 && response.status < 300) return parsed as T;
    const code = envelope?.errors?.[0]?.code;
    // "A contact matching those details already exists with id=<24 hex>" (API-NOTES §2): keep the id, not the text.
    const conflictMessage = response.status === 409 ? envelope?.errors?.[0]?.message : undefined;
    const existingId = typeof conflictMessage === 'string' ? /\bid=([0-9a-f]{24})\b/.exec(conflictMessage)?.[1] : undefined;
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    const retryAfter = Number.isFinite(reset) && reset > 0 ? Math.max(0, reset - Date.now() / 1000) : undefined;
    throw new IntercomError('http', response.status, typeof code === 'string' ? code : undefined, requestId, retryAfter, existingId);
  }
}

/** An Intercom failure as the wire error the browser gets (errors.ts upstreamError). */
export function intercomErrorToProxyError(error: IntercomError): ProxyError {
  return upstreamError(error);
}
