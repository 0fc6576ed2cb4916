// The drain loop: delivers queued submissions exactly once, in queue order, as fast as Intercom's budget allows.
//
// It never gives up on a transient failure: an item is retried with capped backoff for the retention period (7 days
// by default), and only a refusal for good or the end of that period moves it to the dead letters (one log line).
//
// Every instance runs one loop. The store leases items in queue order and keeps at most `queueConcurrency` leases
// live across all instances sharing it, so "in order" means *start* order: item n+1 starts no earlier than item n,
// and up to queueConcurrency deliveries run at once (they may finish out of order). Delivery runs under the
// submission's idempotency claim (the steps a retry of POST /leads resumes from), so a request and a loop, or two
// loops, never both create the lead. Both leases are renewed by a heartbeat, so a crashed instance's items are
// taken over within `leaseMs`.
//
// Stopping (SIGTERM) leases nothing more. A delivery whose contact exists (or is being created) may finish within
// the grace period; one that has not created its contact yet is put back at once for the next instance, since the
// process may be gone before it could finish.
import { randomId } from '../web-crypto.js';
import { ProxyError } from '../errors.js';
import { runExactlyOnce, startHeartbeat, unfinished, type OnceOutcome, type Progress, type Unfinished } from './idempotency.js';
import { deliverLead, type DeliveryBudget } from './lead-delivery.js';
import { createdAnswer } from './lead-response.js';
import { leadRecordKey } from './lead-resolver.js';
import type { LeadSubmission } from '../guards/lead-request.js';
import type { ProxyDeps, RequestTrace } from '../options.js';
import { assumeContactMayExist } from './lead-steps.js';
import type { Deferred, Refused } from './upstream-failure.js';
import { submissionReference } from '../intercom/submission-reference.js';
import type { QueueItem, StoredAnswer } from '../store/index.js';
import { backoffDelay } from '../retry-policy.js';

/** The delivery queue of POST /leads in the store. */
export const LEADS_QUEUE = 'leads';

/** What the delivery queue stores per submission. */
export interface QueuedLead {
  submissionId: string;
  fingerprint: string;
  submission: LeadSubmission;
}

/** How long one delivery may take (recovery's polling, waits for the rate window) before it puts the item back for later. */
const DELIVERY_BUDGET_MS = 10_000;
/** The longest a delivery waits for Intercom's rate window before sending; the client's own cap (maxRetryDelayMs) also applies. */
const DRAIN_RATE_WAIT_MS = 10_000;

export interface DrainLoop {
  /** Look for work now (after a local enqueue) instead of at the next poll. */
  kick(): void;
  /**
   * Lease nothing more; deliveries in flight whose contact exists get `graceMs` (default 10 s) to finish, the others
   * go back to the queue. Resolves when they are settled, or when the grace period is over, whichever comes first.
   */
  stop(graceMs?: number): Promise<void>;
}

type Logger = (line: Record<string, unknown>) => void;

/** Raised inside a delivery that was about to create its contact after stop(): nothing was created. */
class StoppedBeforeContact extends Error {
  constructor() {
    super('delivery not started: the proxy is stopping');
    this.name = 'StoppedBeforeContact';
  }
}

/** What a drain loop tells its deliveries in flight when it stops. */
export class DeliveryStop {
  #stopping = false;
  #until = Number.POSITIVE_INFINITY;
  readonly #listeners = new Set<() => void>();
  get stopping(): boolean {
    return this.#stopping;
  }
  /** Epoch ms by which a begun delivery must be done (set by stop). */
  get until(): number {
    return this.#until;
  }
  stop(graceMs: number): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#until = Date.now() + Math.max(0, graceMs);
    for (const listener of this.#listeners) listener();
  }
  /** Call `listener` on stop (at once when already stopped); answers the function that removes it. */
  onStop(listener: () => void): () => void {
    if (this.#stopping) {
      listener();
      return () => undefined;
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export function startDrainLoop(deps: ProxyDeps, logger: Logger): DrainLoop {
  const owner = randomId();
  const { concurrency: queueConcurrency, pollMs: queuePollMs } = deps.options.queue;
  const { leaseMs } = deps.options.delivery;
  const inFlight = new Set<Promise<void>>();
  const shutdown = new DeliveryStop();
  let stopped = false;
  let stopping: Promise<void> | undefined;
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
        const delivery: Promise<void> = deliverItem(deps, item, owner, logger, shutdown)
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
    stop: (graceMs = DELIVERY_BUDGET_MS) => {
      stopping ??= (async () => {
        stopped = true;
        shutdown.stop(graceMs);
        wake?.();
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), Math.max(0, graceMs))));
        // A delivery still waiting on Intercom when the grace period ends is left behind: its steps are recorded,
        // and whoever takes the item over next resumes from them (the process is about to exit).
        const outcome = await Promise.race([running, graceOver]);
        clearTimeout(timer);
        if (outcome === 'late') logger({ event: 'queue_stop_timeout', deliveriesInFlight: inFlight.size });
      })();
      return stopping;
    },
  };
}

/**
 * Deliver one leased item under its submission's idempotency claim; ack it, or put it back for later. `shutdown`
 * (the drain loop's) stops it before its contact is created, and bounds it by the grace period after.
 */
export async function deliverItem(deps: ProxyDeps, item: QueueItem, owner: string, logger: Logger, shutdown?: DeliveryStop): Promise<void> {
  const { store } = deps;
  const { leaseMs } = deps.options.delivery;
  const queued = JSON.parse(item.payload) as QueuedLead;
  const stopItemHeartbeat = startHeartbeat(() => store.extendLease(LEADS_QUEUE, item.id, owner, leaseMs), leaseMs);
  const trace: RequestTrace = { intercomRequestIds: [] };
  try {
    let outcome: OnceOutcome<Deferred | Refused>;
    try {
      // A claim owner of its own per delivery (the runner's default): it fences this delivery's step writes, not the
      // instance's. Busy is not waited for: the item is looked at again shortly.
      outcome = await runExactlyOnce(store, leadRecordKey(queued.submissionId), queued.fingerprint, { leaseMs, waitMs: 0, onBusy: 'later' }, (progress) =>
        deliverClaimed(deps, queued, progress, trace, shutdown),
      );
    } catch (error) {
      await settleFailure(deps, item, owner, error, logger, shutdown);
      return;
    }
    switch (outcome.kind) {
      case 'unfinished':
        await settleFailure(deps, item, owner, outcome.result, logger, shutdown);
        return;
      case 'done': {
        await store.ack(LEADS_QUEUE, item.id, owner);
        if (outcome.replayed) return;
        const line: Record<string, unknown> = { event: 'queue_delivered', waitedMs: Date.now() - item.enqueuedAt, attempts: item.attempts + 1 };
        if (trace.leadTokenIgnored) line.leadTokenIgnored = true;
        logger(line);
        return;
      }
      case 'mismatch':
        // The key now holds another submission (its record was lost, then claimed for a different body): this one
        // cannot be delivered under it, and is kept for an operator rather than dropped.
        await moveToDeadLetters(deps, item, owner, 'idempotency_key_reused', logger);
        return;
      case 'busy':
        // A request with the same key is working on it right now; its answer settles the record.
        await store.retryLater(LEADS_QUEUE, item.id, owner, Date.now() + 200);
        return;
      case 'lost':
        // Lost the idempotency lease (a slow store): someone else holds the record now; look again shortly.
        await store.retryLater(LEADS_QUEUE, item.id, owner, Date.now() + 500);
        return;
    }
  } finally {
    stopItemHeartbeat();
  }
}

/** The delivery under a held claim, bounded by the loop's budget and stopped by its shutdown. */
async function deliverClaimed(
  deps: ProxyDeps,
  queued: QueuedLead,
  progress: Progress,
  trace: RequestTrace,
  shutdown?: DeliveryStop,
): Promise<StoredAnswer | Unfinished<Deferred | Refused>> {
  const budget: DeliveryBudget = {
    // Never keep one delivery trying longer than the longest wait between deliveries (compressed in tests).
    deadline: Date.now() + Math.min(DELIVERY_BUDGET_MS, deps.options.queue.retry.maxMs),
    rateWaitMs: DRAIN_RATE_WAIT_MS,
    // One pass per lease: the queue's backoff is the one retry of a queued delivery.
    maxPasses: 0,
  };
  // deliverLead reads the deadline before every wait, and a wait in progress ends on the abort: on stop, a begun
  // delivery gets the grace period, another none.
  const abort = new AbortController();
  budget.signal = abort.signal;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const unlisten = shutdown?.onStop(() => {
    const begun = contactBegun(progress);
    budget.deadline = begun ? Math.min(budget.deadline, shutdown.until) : Date.now();
    if (!begun) abort.abort(new StoppedBeforeContact());
    else graceTimer = setTimeout(() => abort.abort(new StoppedBeforeContact()), Math.max(0, shutdown.until - Date.now()));
  });
  try {
    if (shutdown?.stopping && !contactBegun(progress)) throw new StoppedBeforeContact();
    // A queued submission's record holds steps (at least the queued lead token, leads.ts): one with none is new, and
    // the steps expired with the old one (a dead letter retried weeks later). A false alarm costs one search.
    if (Object.keys(progress.steps).length === 0 && !progress.pendingStep) await assumeContactMayExist(progress);
    const result = await deliverLead(deps, queued.submission, queued.submissionId, shutdown ? gateContact(progress, shutdown) : progress, trace, budget);
    return result.kind === 'delivered' ? await createdAnswer(deps, queued, result) : unfinished(result);
  } finally {
    unlisten?.();
    clearTimeout(graceTimer);
  }
}

/**
 * After a delivery that did not finish: put the item back with the queue's backoff (the one retry level of a queued
 * delivery; at Intercom's reset when later), or move it to the dead letters with its reason (Intercom refused it for
 * good, or the retention period ended). A data-attribute clash waits for a person and never expires: the log and
 * /health/ready name it. Nothing is dropped, and the idempotency record keeps no error answer, so `queue retry` can
 * deliver it later. `failure` is a result, or what was thrown (stopping, a store failure, a bug).
 */
async function settleFailure(deps: ProxyDeps, item: QueueItem, owner: string, failure: unknown, logger: Logger, shutdown?: DeliveryStop): Promise<void> {
  const { store } = deps;
  const result = isResult(failure) ? failure : undefined;
  // Stopping: back in the queue for the next instance, at once (not a failure, so no backoff).
  if (failure instanceof StoppedBeforeContact || (shutdown?.stopping && result?.kind !== 'refused')) {
    await store.retryLater(LEADS_QUEUE, item.id, owner, Date.now());
    logger({ event: 'delivery_retry', reason: 'shutting_down', attempt: item.attempts + 1, retryInMs: 0, submissionRef: submissionReference(deps.options.secret, item.id) });
    return;
  }
  const reason = failureReason(failure);
  const waitsForAPerson = result?.kind === 'deferred' && result.reason === 'data_attribute_clash';
  if (result?.kind === 'refused' || (!waitsForAPerson && Date.now() - item.enqueuedAt >= retentionOf(deps))) {
    await moveToDeadLetters(deps, item, owner, result?.kind === 'refused' ? reason : `retention_expired (${reason})`, logger);
    return;
  }
  const { firstMs, maxMs } = deps.options.queue.retry;
  const retryAt = result?.kind === 'deferred' ? result.retryAt : 0;
  // A failure waits the backoff of its attempt count, at least (recovery's safe time may be later), so a lead's
  // attempts over the retention period are bounded whatever Intercom answers. A 429 waits for Intercom's reset
  // only: it is Intercom's pace, and a backoff would let later items overtake earlier ones (start order).
  const rateLimited = result?.kind === 'deferred' && result.reason === 'rate_limited';
  const at = rateLimited ? retryAt : Math.max(retryAt, Date.now() + backoffDelay({ initialMs: firstMs, coefficient: 2, maxMs }, item.attempts));
  await store.retryLater(LEADS_QUEUE, item.id, owner, at);
  // One line per failed attempt, so an outage shows in the logs before anything becomes a dead letter: a code and
  // the submission's one-way reference, never its data or its Idempotency-Key (which replays the lead token).
  logger({ event: 'delivery_retry', reason, attempt: item.attempts + 1, retryInMs: Math.max(0, at - Date.now()), submissionRef: submissionReference(deps.options.secret, item.id) });
}

function isResult(value: unknown): value is Deferred | Refused {
  const kind = (value as { kind?: unknown } | undefined)?.kind;
  return !(value instanceof Error) && (kind === 'deferred' || kind === 'refused');
}

/**
 * Whether the delivery has made its contact (recorded; one created a moment ago is recorded with the conversation's
 * start, which a stopping loop still lets happen). An attempt still retrying, or one whose outcome is unsure, is
 * not: it stops, and the next instance resumes or recovers it.
 */
function contactBegun(progress: Progress): boolean {
  return Boolean(progress.steps.contactId);
}

/** `progress`, refusing to start creating the contact once the loop stops (checked right before the call). */
function gateContact(progress: Progress, shutdown: DeliveryStop): Progress {
  return {
    steps: progress.steps,
    get pendingStep() {
      return progress.pendingStep;
    },
    start: (step, notes) => (shutdown.stopping && step === 'contactId' ? Promise.reject(new StoppedBeforeContact()) : progress.start(step, notes)),
    finish: (step, result) => progress.finish(step, result),
    note: (name, value) => progress.note(name, value),
    abandon: () => progress.abandon(),
  };
}

/**
 * Move a leased item to the dead letters with `reason`, logged once (a code, never data). The item's id is the
 * submission's Idempotency-Key, which replays the lead token to whoever sends it again, and logs travel further
 * than the store: the line carries its one-way reference instead, the value Intercom holds as leadrelay_submission_id.
 */
async function moveToDeadLetters(deps: ProxyDeps, item: QueueItem, owner: string, reason: string, logger: Logger): Promise<void> {
  if (await deps.store.deadLetter(LEADS_QUEUE, item.id, owner, reason)) {
    logger({ event: 'queue_dead_letter', submissionRef: submissionReference(deps.options.secret, item.id), reason, attempts: item.attempts + 1 });
  }
}

/** The retention period in ms (LEADRELAY_RETENTION_MS). */
export function retentionOf(deps: ProxyDeps): number {
  return deps.options.queue.retentionMs;
}

/** Why a delivery failed, for the dead-letter reason: codes only, never a message that could carry data. */
function failureReason(error: unknown): string {
  if (isResult(error)) return error.reason;
  if (error instanceof ProxyError) return error.code;
  return error instanceof Error ? error.name : 'unknown';
}
