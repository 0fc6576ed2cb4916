// GET /metrics: Prometheus text from a per-proxy registry (submissions, queue, Intercom calls, rate budget), behind a bearer token.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ERROR_CODES } from '../protocol/wire.js';
import { ProxyError } from './errors.js';
import type { IntercomCallRecord, IntercomClient } from './intercom/intercom-client.js';
import type { Store } from './store/index.js';

/** What the request log knows about one answered request (see app.ts). */
export interface AnsweredRequest {
  method: string;
  route: string;
  status: number;
  code?: string;
  replayed?: boolean;
}

/**
 * The proxy's metrics. Each proxy has its own Registry (never prom-client's global one), so two proxies in one
 * process never collide and closing one forgets its figures.
 */
export class ProxyMetrics {
  readonly registry = new Registry();
  readonly #submissions: Counter<'outcome' | 'code'>;
  readonly #requests: Counter<'route' | 'status'>;
  readonly #intercomCalls: Counter<'endpoint' | 'status'>;
  readonly #intercomSeconds: Histogram<'endpoint' | 'status'>;
  readonly #queue: Gauge<'state'>;
  readonly #oldestSeconds: Gauge;
  readonly #budgetRemaining: Gauge;
  readonly #budgetLimit: Gauge;
  readonly #setupDone: Gauge;

  /** `sources` are read at scrape time; Intercom calls are counted by whoever makes them (observeIntercomCall). */
  constructor(
    private readonly sources: { store: Store; queue: string; intercom: Pick<IntercomClient, 'rateLimit'>; setupDone: () => boolean },
  ) {
    const registers = [this.registry];
    this.#submissions = new Counter({
      name: 'leadrelay_submissions_total',
      help: 'POST /leads answers by outcome: created (201), queued (202), replayed (a retry answered from the record), accepted (a form post redirected to its success page), refused (4xx/5xx, with its code).',
      labelNames: ['outcome', 'code'],
      registers,
    });
    this.#requests = new Counter({
      name: 'leadrelay_requests_total',
      help: 'Requests answered, by route and HTTP status.',
      labelNames: ['route', 'status'],
      registers,
    });
    this.#intercomCalls = new Counter({
      name: 'leadrelay_intercom_calls_total',
      help: 'Calls to Intercom by endpoint and answer: the HTTP status, or timeout / network / not_sent (refused locally: rate budget spent).',
      labelNames: ['endpoint', 'status'],
      registers,
    });
    this.#intercomSeconds = new Histogram({
      name: 'leadrelay_intercom_call_duration_seconds',
      help: 'How long each Intercom call took, by endpoint and answer.',
      labelNames: ['endpoint', 'status'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#queue = new Gauge({
      name: 'leadrelay_queue_items',
      help: 'Submissions in the delivery queue: waiting (not tried yet), retrying (failed at least once), dead (dead letters).',
      labelNames: ['state'],
      registers,
    });
    this.#oldestSeconds = new Gauge({
      name: 'leadrelay_queue_oldest_age_seconds',
      help: 'Age of the oldest submission waiting or retrying in the queue (0 when it is empty).',
      registers,
    });
    this.#budgetRemaining = new Gauge({
      name: 'leadrelay_intercom_rate_remaining',
      help: "Calls left in Intercom's current rate window, as the proxy counts them (absent until Intercom has answered).",
      registers,
    });
    this.#budgetLimit = new Gauge({
      name: 'leadrelay_intercom_rate_limit',
      help: "Calls allowed per Intercom rate window, from X-RateLimit-Limit (absent until Intercom has answered).",
      registers,
    });
    this.#setupDone = new Gauge({
      name: 'leadrelay_intercom_setup_done',
      help: '1 once the contact data attributes exist in Intercom, else 0 (leads wait in the queue meanwhile).',
      registers,
    });
  }

  /** Count one answered request; POST /leads also by its outcome. */
  observeRequest(request: AnsweredRequest): void {
    // `route` is already one of the route table's paths or `unmatched` (app.ts); statuses and codes are bounded here.
    this.#requests.inc({ route: request.route, status: statusLabel(request.status) });
    if (request.route !== '/leads' || request.method !== 'POST') return;
    // A form post answered with a redirect (303 to the site's success URL) is accepted, created or queued unseen.
    const outcome = request.replayed
      ? 'replayed'
      : request.status >= 400
        ? 'refused'
        : request.status === 201
          ? 'created'
          : request.status === 202
            ? 'queued'
            : 'accepted';
    this.#submissions.inc({ outcome, code: outcome === 'refused' ? codeLabel(request.code, request.status) : '' });
  }

  observeIntercomCall(call: IntercomCallRecord): void {
    const labels = { endpoint: endpointTemplate(call.method, call.path), status: typeof call.status === 'number' ? statusLabel(call.status) : call.status };
    this.#intercomCalls.inc(labels);
    this.#intercomSeconds.observe(labels, call.seconds);
  }

  /** The figures read at scrape time (queue, rate budget, set-up), then the whole registry as Prometheus text. */
  async render(): Promise<string> {
    const stats = await this.sources.store.queueStats(this.sources.queue);
    this.#queue.set({ state: 'waiting' }, stats.waiting);
    this.#queue.set({ state: 'retrying' }, stats.retrying);
    this.#queue.set({ state: 'dead' }, stats.dead);
    this.#oldestSeconds.set(stats.oldestEnqueuedAt === undefined ? 0 : Math.max(0, (Date.now() - stats.oldestEnqueuedAt) / 1000));
    const view = this.sources.intercom.rateLimit;
    if (view.remaining === undefined) this.#budgetRemaining.reset();
    else this.#budgetRemaining.set(view.remaining);
    if (view.limit === undefined) this.#budgetLimit.reset();
    else this.#budgetLimit.set(view.limit);
    this.#setupDone.set(this.sources.setupDone() ? 1 : 0);
    return this.registry.metrics();
  }
}

/**
 * The Intercom endpoints the proxy calls, as their label values. A call is labelled with the one its method and path
 * match, else `other`; never with the path itself, whose segments are contact and conversation ids and users'
 * external ids (which a site may make emails): one series per user, kept until the process ends. A new call the
 * proxy makes gets its template here (test/proxy/metrics.test.ts finds every call in src/proxy that has none).
 */
export const INTERCOM_ENDPOINTS = [
  'GET /data_attributes',
  'POST /data_attributes',
  'POST /contacts',
  'GET /contacts/{id}',
  'PUT /contacts/{id}',
  'POST /contacts/search',
  'POST /contacts/merge',
  'GET /contacts/find_by_external_id/{id}',
  'POST /conversations',
  'GET /conversations/{id}',
  'POST /conversations/search',
  'POST /conversations/{id}/reply',
  'POST /visitors/convert',
  'POST /companies',
  'GET /companies',
  'POST /contacts/{id}/companies',
  'GET /contacts/{id}/companies',
] as const;
/** The label of an Intercom call that matches no template. */
export const OTHER_ENDPOINT = 'other';

/** Templates as method and segments, those with more literal segments first (`/contacts/search` before `/contacts/{id}`). */
const ENDPOINT_PATTERNS = INTERCOM_ENDPOINTS.map((label) => {
  const [method, path] = label.split(' ') as [string, string];
  return { label, method, segments: path.split('/') };
}).sort((a, b) => b.segments.filter((s) => s !== '{id}').length - a.segments.filter((s) => s !== '{id}').length);

/** `GET /contacts/find_by_external_id/jane%40corp.example?x=1` → `GET /contacts/find_by_external_id/{id}`. */
export function endpointTemplate(method: string, path: string): string {
  const segments = (path.split('?')[0] ?? '').split('/');
  const match = ENDPOINT_PATTERNS.find(
    (pattern) =>
      pattern.method === method.toUpperCase() &&
      pattern.segments.length === segments.length &&
      pattern.segments.every((segment, index) => segment === '{id}' || segment === segments[index]),
  );
  return match ? match.label : OTHER_ENDPOINT;
}

/** An HTTP status as a label: a number from 100 to 599, else `other`. */
function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'other';
}

/** A refusal's code as a label: one of the wire's error codes, else `other`. */
function codeLabel(code: string | undefined, status: number): string {
  if (code === undefined) return statusLabel(status);
  return (ERROR_CODES as readonly string[]).includes(code) ? code : 'other';
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The GET /metrics handler: only `Authorization: Bearer <token>` gets the figures (compared in constant time: both
 * sides are hashed to the same length first). A token anywhere else (a query string) does not count.
 */
export function createMetricsRoute(metrics: ProxyMetrics, token: string): (request: Request) => Promise<Response> {
  const expected = digest(token);
  return async (request) => {
    const match = /^Bearer +(\S+)$/i.exec(request.headers.get('authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new ProxyError(401, 'identity_unverified', 'The metrics route needs the bearer token set in LEADRELAY_METRICS_TOKEN.', undefined, {
        'www-authenticate': 'Bearer realm="leadrelay-metrics"',
      });
    }
    return new Response(await metrics.render(), {
      headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' },
    });
  };
}
