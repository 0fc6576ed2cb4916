// The drain loop: delivers queued submissions in order, exactly once, within Intercom's rate budget.
//
// Every instance runs one loop; the store leases one item at a time per queue, so instances take turns and the
// order holds. Delivery itself runs under the submission's idempotency lease (the same steps a retry of POST
// /leads resumes from), so a request and the loop, or two loops, never both create the lead.
import { randomUUID } from 'node:crypto';
import { ProxyError } from './errors.js';
import { progressFor } from './idempotency.js';
import { leadRecordKey } from './lead-resolver.js';
import { deliverLead, LEADS_QUEUE, LEASE_MS, type QueuedLead } from './leads.js';
import type { ProxyDeps } from './options.js';
import { DeliveryDeferred } from './recovery.js';
import type { QueueItem } from './store/index.js';

/** A queue item that keeps failing for a reason other than Intercom being busy is given up after this many tries. */
const MAX_ATTEMPTS = 20;
/** How long one delivery searches after an ambiguous failure before it lets the queue retry it later. */
const RECOVERY_SLICE_MS = 2_000;

export interface DrainLoop {
  /** Look for work now (after a local enqueue) instead of at the next poll. */
  kick(): void;
  /** Stop looking for work and wait for the delivery in progress. */
  stop(): Promise<void>;
}

type Logger = (line: Record<string, unknown>) => void;

export function startDrainLoop(deps: ProxyDeps, logger: Logger): DrainLoop {
  const owner = randomUUID();
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
        const wait = deps.intercom.budget.waitMs(2);
        if (wait > 0) {
          await pause(wait);
          continue;
        }
        const item = await deps.store.leaseNext(LEADS_QUEUE, owner, LEASE_MS);
        if (!item) {
          await pause(deps.options.queuePollMs);
          continue;
        }
        await deliverItem(deps, item, owner, logger);
      } catch (error) {
        // A store outage: log without detail (it may name hosts), and try again shortly.
        logger({ event: 'queue_error', error: error instanceof Error ? error.name : 'unknown' });
        await pause(deps.options.queuePollMs);
      }
    }
  };
  const running = deps.options.queuePollMs > 0 ? loop() : Promise.resolve();
  return {
    kick: () => wake?.(),
    stop: async () => {
      stopped = true;
      wake?.();
      await running;
    },
  };
}

/** Deliver one leased item under its submission's idempotency lease; ack it, or put it back for later. */
async function deliverItem(deps: ProxyDeps, item: QueueItem, owner: string, logger: Logger): Promise<void> {
  const { store } = deps;
  const queued = JSON.parse(item.payload) as QueuedLead;
  const key = leadRecordKey(queued.submissionId);
  const claim = await store.claim(key, { fingerprint: queued.fingerprint, owner, leaseMs: LEASE_MS });
  if (claim.outcome === 'done' || claim.outcome === 'mismatch') {
    await store.ack(LEADS_QUEUE, item.id, owner);
    return;
  }
  if (claim.outcome === 'busy') {
    // A request with the same key is working on it right now; its answer settles the record.
    await store.retryLater(LEADS_QUEUE, item.id, owner, Date.now() + 200);
    return;
  }
  const progress = progressFor(store, key, owner, claim.record, LEASE_MS);
  const trace = { intercomRequestIds: [] as string[] };
  try {
    const answer = await deliverLead(deps, queued.submission, queued.submissionId, progress, trace, Date.now() + RECOVERY_SLICE_MS);
    await store.complete(key, owner, answer);
    await store.ack(LEADS_QUEUE, item.id, owner);
    logger({ event: 'queue_delivered', waitedMs: Date.now() - item.enqueuedAt, attempts: item.attempts + 1 });
  } catch (error) {
    await store.release(key, owner).catch(() => undefined);
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
    const reclaimed = await store.claim(key, { fingerprint: queued.fingerprint, owner, leaseMs: LEASE_MS });
    if (reclaimed.outcome === 'claimed') {
      await store.complete(key, owner, { status: wire.status, body: { error: { code: wire.code, message: wire.message } } });
    }
    await store.ack(LEADS_QUEUE, item.id, owner);
    logger({ event: 'queue_gave_up', code: wire.code, attempts: item.attempts + 1 });
  }
}
