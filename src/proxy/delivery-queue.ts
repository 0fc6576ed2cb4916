// The drain loop: delivers queued submissions exactly once, in queue order, as fast as Intercom's budget allows.
//
// Every instance runs one loop. The store leases items in queue order and keeps at most `queueConcurrency` leases
// live across all instances sharing it, so "in order" means *start* order: item n+1 starts no earlier than item n,
// and up to queueConcurrency deliveries run at once (they may finish out of order). Delivery runs under the
// submission's idempotency claim (the steps a retry of POST /leads resumes from), so a request and a loop, or two
// loops, never both create the lead. Both leases are renewed by a heartbeat, so a crashed instance's items are
// taken over within `leaseMs`.
import { randomUUID } from 'node:crypto';
import { ProxyError } from './errors.js';
import { keepClaim, progressFor, startHeartbeat } from './idempotency.js';
import { deliverLead } from './lead-delivery.js';
import { leadRecordKey } from './lead-resolver.js';
import { LEADS_QUEUE, type QueuedLead } from './leads.js';
import type { ProxyDeps, RequestTrace } from './options.js';
import { DeliveryDeferred } from './recovery.js';
import type { QueueItem } from './store/index.js';

/** A queue item that keeps failing for a reason other than Intercom being busy is given up after this many tries. */
const MAX_ATTEMPTS = 20;
/** How long one delivery keeps trying (recovery, retries, rate waits) before it puts the item back for later. */
const DELIVERY_BUDGET_MS = 10_000;
/** The longest a delivery waits inline for Intercom's rate window; the client's own cap (maxRetryDelayMs) also applies. */
const DRAIN_RATE_WAIT_MS = 10_000;

export interface DrainLoop {
  /** Look for work now (after a local enqueue) instead of at the next poll. */
  kick(): void;
  /** Stop looking for work and wait for the deliveries in progress. */
  stop(): Promise<void>;
}

type Logger = (line: Record<string, unknown>) => void;

export function startDrainLoop(deps: ProxyDeps, logger: Logger): DrainLoop {
  const owner = randomUUID();
  const { queueConcurrency, queuePollMs, leaseMs } = deps.options;
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      timer = setTimeout(wake, ms);
      timer.unref?.();
    });

  const loop = async () => {
    while (!stopped) {
      try {
        if (inFlight.size >= queueConcurrency) {
          await pause(queuePollMs);
          continue;
        }
        const item = await deps.store.leaseNext(LEADS_QUEUE, owner, leaseMs, queueConcurrency);
        if (!item) {
          await pause(queuePollMs);
          continue;
        }
        const delivery: Promise<void> = deliverItem(deps, item, owner, logger)
          .catch((error: unknown) => logger({ event: 'queue_error', error: error instanceof Error ? error.name : 'unknown' }))
          .finally(() => {
            inFlight.delete(delivery);
            wake?.();
          });
        inFlight.add(delivery);
      } catch (error) {
        // A store outage: log without detail (it may name hosts), and try again shortly.
        logger({ event: 'queue_error', error: error instanceof Error ? error.name : 'unknown' });
        await pause(queuePollMs);
      }
    }
    await Promise.all(inFlight);
  };
  const running = queuePollMs > 0 ? loop() : Promise.resolve();
  return {
    kick: () => wake?.(),
    stop: async () => {
      stopped = true;
      wake?.();
      await running;
    },
  };
}

/** Deliver one leased item under its submission's idempotency claim; ack it, or put it back for later. */
async function deliverItem(deps: ProxyDeps, item: QueueItem, owner: string, logger: Logger): Promise<void> {
  const { store } = deps;
  const { leaseMs } = deps.options;
  const queued = JSON.parse(item.payload) as QueuedLead;
  const key = leadRecordKey(queued.submissionId);
  const stopItemHeartbeat = startHeartbeat(() => store.extendLease(LEADS_QUEUE, item.id, owner, leaseMs), leaseMs);
  // One claim owner per delivery: the claim fences this delivery's step writes, not the instance's.
  const claimOwner = randomUUID();
  try {
    const claim = await store.claim(key, { fingerprint: queued.fingerprint, owner: claimOwner, leaseMs });
    if (claim.outcome === 'done' || claim.outcome === 'mismatch') {
      await store.ack(LEADS_QUEUE, item.id, owner);
      return;
    }
    if (claim.outcome === 'busy') {
      // A request with the same key is working on it right now; its answer settles the record.
      await store.retryLater(LEADS_QUEUE, item.id, owner, Date.now() + 200);
      return;
    }
    const progress = progressFor(store, key, claimOwner, claim.record, leaseMs);
    const stopClaimHeartbeat = keepClaim(store, key, claimOwner, leaseMs);
    const trace: RequestTrace = { intercomRequestIds: [] };
    try {
      const answer = await deliverLead(deps, queued.submission, queued.submissionId, progress, trace, {
        deadline: Date.now() + DELIVERY_BUDGET_MS,
        rateWaitMs: DRAIN_RATE_WAIT_MS,
      });
      stopClaimHeartbeat();
      await store.complete(key, claimOwner, answer);
      await store.ack(LEADS_QUEUE, item.id, owner);
      const line: Record<string, unknown> = { event: 'queue_delivered', waitedMs: Date.now() - item.enqueuedAt, attempts: item.attempts + 1 };
      if (trace.leadTokenIgnored) line.leadTokenIgnored = true;
      logger(line);
    } catch (error) {
      stopClaimHeartbeat();
      await store.release(key, claimOwner).catch(() => undefined);
      await settleFailure(deps, item, owner, queued, error, logger);
    }
  } finally {
    stopItemHeartbeat();
  }
}

/** After a failed delivery: put the item back (transient), or record the final error answer and drop it. */
async function settleFailure(deps: ProxyDeps, item: QueueItem, owner: string, queued: QueuedLead, error: unknown, logger: Logger): Promise<void> {
  const { store } = deps;
  // Lost the idempotency lease (a slow store): someone else holds the record now; look again shortly.
  const lostLease = error instanceof ProxyError && error.code === 'idempotency_in_progress';
  if (lostLease) {
    await store.retryLater(LEADS_QUEUE, item.id, owner, Date.now() + 500);
    return;
  }
  if (error instanceof DeliveryDeferred) {
    const giveUp = error.reason === 'upstream_unavailable' && item.attempts + 1 >= MAX_ATTEMPTS;
    if (!giveUp) {
      const backoff = error.reason === 'upstream_unavailable' ? Math.min(30_000, 250 * 2 ** item.attempts) : 0;
      await store.retryLater(LEADS_QUEUE, item.id, owner, Math.max(error.retryAt, Date.now() + backoff));
      return;
    }
  }
  // Intercom refused the submission (or kept failing): record the answer a retry of POST /leads replays.
  const wire = error instanceof ProxyError ? error : new ProxyError(502, 'upstream_unavailable', 'Intercom failed to answer.');
  const claimOwner = randomUUID();
  const key = leadRecordKey(queued.submissionId);
  const reclaimed = await store.claim(key, { fingerprint: queued.fingerprint, owner: claimOwner, leaseMs: deps.options.leaseMs });
  if (reclaimed.outcome === 'claimed') {
    await store.complete(key, claimOwner, { status: wire.status, body: { error: { code: wire.code, message: wire.message } } });
  }
  await store.ack(LEADS_QUEUE, item.id, owner);
  logger({ event: 'queue_gave_up', code: wire.code, attempts: item.attempts + 1 });
}
