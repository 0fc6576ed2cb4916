// leadrelay/proxy/cloudflare: the proxy as a ready Cloudflare Worker (`fetch` and a Cron Trigger's `scheduled`),
// configured from the Worker's env bindings, with D1 as its durable store when one is bound.
//
// Workers pass `env` with each event, not at start, and forbid timers, random values and I/O at global scope: the
// proxy is built on the first event of an isolate and kept for the next ones. Work that outlives an answer (the
// data attributes' set-up, the first delivery attempt of a queued submission) goes to `ctx.waitUntil`; what is
// still queued after that is delivered by the Cron Trigger (every minute in the example's wrangler.toml).
import { createProxy, type Proxy, type ProxyOptions } from './app.js';
import { ConfigError } from './errors.js';
import type { IntercomOptions } from './options.js';
import type { ExecutionContextLike } from './background.js';
import { D1Store, type D1DatabaseLike } from './store/d1.js';

export { D1Store, type D1DatabaseLike, type D1StoreOptions } from './store/d1.js';
export type { ExecutionContextLike } from './background.js';

/** The bindings the Worker reads: secrets (`wrangler secret put`), `[vars]`, and the D1 database. */
export interface LeadRelayWorkerEnv {
  INTERCOM_ACCESS_TOKEN?: string;
  LEADRELAY_SECRET?: string;
  /** Comma-separated secrets LEADRELAY_SECRET replaced: lead tokens they signed still verify (rotation). */
  LEADRELAY_PREVIOUS_SECRETS?: string;
  LEADRELAY_IDENTITY_SECRET?: string;
  LEADRELAY_JWT_SECRET?: string;
  /** Comma-separated origins allowed to send forms. */
  LEADRELAY_ALLOWED_ORIGINS?: string;
  LEADRELAY_PUBLIC_URL?: string;
  LEADRELAY_BASE_PATH?: string;
  /** The Turnstile widget's secret key: the proxy verifies each lead's token (`turnstile` option). */
  LEADRELAY_TURNSTILE_SECRET?: string;
  /** siteverify's URL (default Cloudflare's). */
  LEADRELAY_TURNSTILE_VERIFY_URL?: string;
  /** Requests per minute per client and route (default 20; 0 turns it off). Each counted request is one D1 write. */
  LEADRELAY_RATE_LIMIT?: string;
  INTERCOM_REGION?: string;
  INTERCOM_BASE_URL?: string;
  /** Tuning, as for the CLI (milliseconds, or a count): see the README's configuration table. */
  LEADRELAY_RECOVERY_LAG_MS?: string;
  LEADRELAY_RECOVERY_WAIT_MS?: string;
  LEADRELAY_RATE_WAIT_MS?: string;
  LEADRELAY_QUEUE_CONCURRENCY?: string;
  LEADRELAY_LEASE_MS?: string;
  LEADRELAY_RETENTION_MS?: string;
  LEADRELAY_QUEUE_RETRY_MAX_MS?: string;
  /** The D1 binding for idempotency records, rate-limit counters and the delivery queue. Without it: memory only (no 202). */
  LEADRELAY_DB?: D1DatabaseLike;
  [binding: string]: unknown;
}

/** What Workers pass to `scheduled`. */
export interface ScheduledEventLike {
  cron?: string;
  scheduledTime?: number;
}

export interface LeadRelayWorker {
  fetch(request: Request, env: LeadRelayWorkerEnv, ctx: ExecutionContextLike): Promise<Response>;
  scheduled(event: ScheduledEventLike, env: LeadRelayWorkerEnv, ctx: ExecutionContextLike): Promise<void>;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** A whole number from a binding, or undefined when unset; a wrong value names the binding (never its value). */
function wholeNumber(env: LeadRelayWorkerEnv, name: keyof LeadRelayWorkerEnv & string): number | undefined {
  const value = text(env[name]);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new ConfigError(name, 'must be a whole number (0 or more)', 'Set it to such a number in [vars], or leave it unset for the default.');
  return number;
}

/**
 * LEADRELAY_DB: a D1 database binding, or unset. A name put under `[vars]` by mistake (a string) would otherwise make
 * every request that touches the store a 500 whose log line names nothing; it is refused at the first event instead.
 */
function d1FromEnv(value: unknown): D1DatabaseLike | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const db = value as Partial<D1DatabaseLike>;
  if (typeof value !== 'object' || typeof db.prepare !== 'function' || typeof db.batch !== 'function') {
    throw new ConfigError(
      'LEADRELAY_DB',
      'is not a D1 database binding',
      'Bind a D1 database under that name in wrangler.toml ([[d1_databases]] binding = "LEADRELAY_DB"), not under [vars]; or remove it to run without a durable store.',
    );
  }
  return value as D1DatabaseLike;
}

/** `turnstile` from its two bindings; a verify URL without a secret is passed on so createProxy refuses it. */
function turnstileFromEnv(secret: string | undefined, verifyUrl: string | undefined): ProxyOptions['turnstile'] {
  if (secret === undefined && verifyUrl === undefined) return undefined;
  return { secret: secret ?? '', ...(verifyUrl ? { verifyUrl } : {}) };
}

/**
 * LEADRELAY_QUESTIONS: the questions file's JSON (a Worker has no file system), as a string binding or as a JSON
 * object in `[vars]`. JSON that does not parse is refused here (naming the binding, never its value); what it says
 * is checked by createProxy, whose refusal names the question.
 */
function questionsFromEnv(value: unknown): ProxyOptions['questions'] {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'object') return value as Record<string, unknown>;
  try {
    return JSON.parse(String(value)) as Record<string, unknown>;
  } catch {
    throw new ConfigError('LEADRELAY_QUESTIONS', 'is not valid JSON', 'Set it to the questions file itself ({"questions": […]}), as text or as a JSON object in [vars], checked with a JSON linter.');
  }
}

/** The object without its undefined members (an unset binding leaves the option to its default). */
function defined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

/**
 * The proxy's options from env bindings (the CLI's variable names). `overrides` win, group by group: an override's
 * `delivery` replaces only the members it names. Reads nothing but `env`.
 */
export function optionsFromWorkerEnv(env: LeadRelayWorkerEnv, overrides: Partial<ProxyOptions> = {}): ProxyOptions {
  const region = text(env.INTERCOM_REGION)?.toLowerCase();
  const retryMaxMs = wholeNumber(env, 'LEADRELAY_QUEUE_RETRY_MAX_MS');
  const db = d1FromEnv(env.LEADRELAY_DB);
  const fromEnv: ProxyOptions = {
    secret: text(env.LEADRELAY_SECRET) ?? '',
    previousSecrets: (text(env.LEADRELAY_PREVIOUS_SECRETS) ?? '').split(',').map((secret) => secret.trim()).filter(Boolean),
    intercom: defined({
      accessToken: text(env.INTERCOM_ACCESS_TOKEN) ?? '',
      region: region as IntercomOptions['region'],
      baseUrl: text(env.INTERCOM_BASE_URL),
    }),
    identity: defined({ secret: text(env.LEADRELAY_IDENTITY_SECRET), jwtSecret: text(env.LEADRELAY_JWT_SECRET) }),
    origins: defined({
      allowed: (text(env.LEADRELAY_ALLOWED_ORIGINS) ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
      publicUrl: text(env.LEADRELAY_PUBLIC_URL),
    }),
    clients: defined({ rateLimit: wholeNumber(env, 'LEADRELAY_RATE_LIMIT') }),
    basePath: text(env.LEADRELAY_BASE_PATH),
    metrics: defined({ token: text(env.LEADRELAY_METRICS_TOKEN) }),
    turnstile: turnstileFromEnv(text(env.LEADRELAY_TURNSTILE_SECRET), text(env.LEADRELAY_TURNSTILE_VERIFY_URL)),
    store: db ? new D1Store(db) : undefined,
    questions: questionsFromEnv(env.LEADRELAY_QUESTIONS),
    delivery: defined({
      recoveryLagMs: wholeNumber(env, 'LEADRELAY_RECOVERY_LAG_MS'),
      recoveryWaitMs: wholeNumber(env, 'LEADRELAY_RECOVERY_WAIT_MS'),
      rateWaitMs: wholeNumber(env, 'LEADRELAY_RATE_WAIT_MS'),
      leaseMs: wholeNumber(env, 'LEADRELAY_LEASE_MS'),
    }),
    queue: defined({
      concurrency: wholeNumber(env, 'LEADRELAY_QUEUE_CONCURRENCY'),
      retentionMs: wholeNumber(env, 'LEADRELAY_RETENTION_MS'),
      retry: retryMaxMs === undefined ? undefined : { firstMs: Math.min(1_000, retryMaxMs), maxMs: retryMaxMs },
    }),
    // Workers keep console output as the Worker's logs (`wrangler tail`, Workers Logs): one JSON line each.
    logger: (line) => console.log(JSON.stringify(line)),
  };
  return mergeOptions(fromEnv, overrides);
}

/** The option groups (plain objects) an override merges into instead of replacing. */
const GROUPS = ['intercom', 'identity', 'origins', 'clients', 'limits', 'metrics', 'delivery', 'queue', 'testing'] as const;

function mergeOptions(base: ProxyOptions, overrides: Partial<ProxyOptions>): ProxyOptions {
  const merged: ProxyOptions = { ...base, ...overrides, intercom: { ...base.intercom, ...overrides.intercom } };
  for (const group of GROUPS) {
    if (base[group] || overrides[group]) (merged as unknown as Record<string, unknown>)[group] = { ...base[group], ...overrides[group] };
  }
  return merged;
}

/**
 * A Worker (`export default createWorker()`), with options computed from `env` and merged over the bindings' ones.
 * One proxy per isolate and env object: built by the isolate's first event, reused by the rest.
 */
export function createWorker(overrides: Partial<ProxyOptions> | ((env: LeadRelayWorkerEnv) => Partial<ProxyOptions>) = {}): LeadRelayWorker {
  const proxies = new WeakMap<object, Proxy>();
  const proxyFor = (env: LeadRelayWorkerEnv): Proxy => {
    let proxy = proxies.get(env);
    if (!proxy) {
      proxy = createProxy(optionsFromWorkerEnv(env, typeof overrides === 'function' ? overrides(env) : overrides));
      proxies.set(env, proxy);
    }
    return proxy;
  };
  return {
    fetch: (request, env, ctx) => proxyFor(env).fetch(request, env, ctx),
    scheduled: async (_event, env, ctx) => {
      const delivered = proxyFor(env).deliverQueued();
      ctx.waitUntil(delivered);
      await delivered;
    },
  };
}

/** The Worker as the bindings configure it: `export { default } from 'leadrelay/proxy/cloudflare'`. */
const worker: LeadRelayWorker = createWorker();
export default worker;
