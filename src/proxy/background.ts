// The proxy's work outside requests (creating the data attributes, draining the delivery queue), in the two shapes
// runtimes allow: a long-lived loop (Node, Deno, Bun), or work tied to one request's or one Cron event's lifetime
// (Cloudflare Workers).
//
// On Workers, a promise that waits on I/O started by another request is never settled once that request has ended,
// and a timer set during a request never fires after it: an in-flight set-up shared between requests would leave every
// later request waiting for good. So there each request or event does its own work, hands what outlives its answer to
// `ctx.waitUntil`, and nothing is shared in flight between requests.
import {
  DataAttributeClashError,
  ensureDataAttributes,
  questionDataAttributes,
  startDataAttributeSetup,
  type DataAttributeClash,
  type DataAttributeSetup,
} from './intercom/data-attributes.js';
import { deliverItem, LEADS_QUEUE, startDrainLoop, type DrainLoop } from './delivery/delivery-queue.js';
import { IntercomError } from './intercom/intercom-client.js';
import type { ProxyLogger } from './logging.js';
import type { ProxyDeps } from './options.js';

/** What Workers (and Hono's `c.executionCtx`) pass with a request or a scheduled event. */
export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Whether this is the Cloudflare Workers runtime, where global scope may not use timers, random values or I/O
 * and nothing runs between requests (Workers documents `navigator.userAgent` as this string).
 */
export function onWorkers(): boolean {
  return (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers';
}

/** How long a drain triggered by a request keeps starting deliveries: Workers ends `waitUntil` work 30 s after the answer. */
export const REQUEST_DRAIN_MS = 15_000;

export interface Background {
  /** The data attributes' set-up (undefined when `setup.enabled` is off). */
  readonly setup?: DataAttributeSetup;
  /** A submission was queued: the drain loop looks now (request-scoped: after this request is answered). */
  queued(): void;
  /** Called at the start of every request with the runtime's execution context, when it has one. */
  request(ctx: ExecutionContextLike | undefined): void;
  /** Called after every request: a submission queued during it gets an immediate delivery attempt (request-scoped). */
  answered(ctx: ExecutionContextLike | undefined): void;
  /** Deliver what the queue holds now, for up to `budgetMs` of new deliveries; resolves when they are settled. */
  drain(budgetMs: number): Promise<void>;
  /** Start no more deliveries; one whose contact exists gets `graceMs` to finish (see DrainLoop.stop). */
  stop(graceMs?: number): Promise<void>;
}

/** The long-lived shape: a set-up retried in the background until done, and a drain loop polling the store. */
export function startLoops(deps: ProxyDeps, logger: ProxyLogger): Background {
  const { enabled, retry } = deps.options.setup;
  const setup = enabled ? startDataAttributeSetup(deps.intercom, logger, retry, questionDataAttributes(deps.questions?.definition)) : undefined;
  const loop: DrainLoop = startDrainLoop(deps, logger);
  return {
    setup,
    queued: loop.kick,
    request: () => undefined,
    answered: () => undefined,
    drain: (budgetMs) => drainQueue(deps, logger, budgetMs),
    stop: async (graceMs) => {
      setup?.stop();
      await loop.stop(graceMs);
    },
  };
}

/** The request-scoped shape: every request, Cron event or delivery does its own attempt; no timers between them. */
export function startRequestScoped(deps: ProxyDeps, logger: ProxyLogger): Background {
  const setup = deps.options.setup.enabled ? requestScopedSetup(deps, logger) : undefined;
  // Which request queued something does not matter: the one that sees the flag drives the drain, while it lives.
  let queued = false;
  let warmedUp = false;
  return {
    setup,
    queued: () => (queued = true),
    request: (ctx) => {
      // The first request of an isolate (a preflight, a health check) starts the set-up, kept alive by its context.
      if (warmedUp || !ctx || !setup || setup.done) return;
      warmedUp = true;
      ctx.waitUntil(
        setup.ensure().catch((error: unknown) => {
          warmedUp = false;
          const status = error instanceof IntercomError ? (error.kind === 'http' ? error.status : error.kind) : error instanceof Error ? error.name : 'error';
          logger({ event: 'setup_retrying', status, code: error instanceof IntercomError ? error.intercomCode : undefined });
        }),
      );
    },
    answered: (ctx) => {
      if (!queued || !ctx) return;
      queued = false;
      ctx.waitUntil(drainQueue(deps, logger, REQUEST_DRAIN_MS));
    },
    drain: (budgetMs) => drainQueue(deps, logger, budgetMs),
    stop: async () => undefined,
  };
}

/**
 * The data attributes' set-up without a background loop: `ensure()` makes its own attempt until one has succeeded
 * (ensureDataAttributes lists first and skips existing names, so two at once are harmless).
 */
function requestScopedSetup(deps: ProxyDeps, logger: ProxyLogger): DataAttributeSetup {
  let done = false;
  let clashes: readonly DataAttributeClash[] | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const questions = questionDataAttributes(deps.questions?.definition);
  return {
    get done() {
      return done;
    },
    get clashes() {
      return clashes;
    },
    ready,
    ensure: async () => {
      if (done) return;
      const created = await ensureDataAttributes(deps.intercom, questions).catch((error: unknown) => {
        if (error instanceof DataAttributeClashError) {
          clashes = error.clashes;
          logger({ event: 'data_attribute_clash', clashes: error.clashes, message: error.message });
        }
        throw error;
      });
      if (done) return;
      done = true;
      clashes = undefined;
      logger({ event: 'data_attributes_ready', created });
      markReady();
    },
    recheck: () => {
      done = false;
    },
    stop: () => undefined,
  };
}

/**
 * One pass over the delivery queue: lease and deliver items (up to `queueConcurrency` at once) until none is ready
 * or `budgetMs` has passed, then wait for those started. Leases keep two passes (two Workers, a Cron event and a
 * request) from delivering one item twice.
 */
export async function drainQueue(deps: ProxyDeps, logger: ProxyLogger, budgetMs: number): Promise<void> {
  const owner = crypto.randomUUID();
  const { concurrency: queueConcurrency } = deps.options.queue;
  const { leaseMs } = deps.options.delivery;
  const deadline = Date.now() + budgetMs;
  const inFlight = new Set<Promise<void>>();
  while (Date.now() < deadline) {
    if (inFlight.size >= queueConcurrency) {
      await Promise.race(inFlight);
      continue;
    }
    let item;
    try {
      item = await deps.store.leaseNext(LEADS_QUEUE, owner, leaseMs, queueConcurrency);
    } catch (error) {
      // A store outage: log without detail (it may name hosts); the next pass tries again.
      logger({ event: 'queue_error', error: error instanceof Error ? error.name : 'unknown' });
      break;
    }
    if (!item) {
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
      continue;
    }
    const delivery: Promise<void> = deliverItem(deps, item, owner, logger)
      .catch((error: unknown) => logger({ event: 'queue_error', error: error instanceof Error ? error.name : 'unknown' }))
      .finally(() => inFlight.delete(delivery));
    inFlight.add(delivery);
  }
  await Promise.all(inFlight);
}
