// The Store contract in three parts: idempotency records with leased claims and per-step progress (RecordStore),
// rate-limit counters (CounterStore), and delivery queues with their dead letters (QueueStore).
//
// Every method is async and every state change is one atomic operation on one key, so the same contract can
// be implemented on Redis (a Lua script per method, or WATCH/MULTI) for several proxy instances sharing it.

/** What a finished request answered; replayed byte-for-byte to every retry with the same key. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

/** One idempotency record: which body it belongs to, how far the work got, and the answer once there is one. */
export interface IdempotencyRecord {
  key: string;
  /** Hash of the normalised request body; a retry with another body is refused (422 idempotency_key_reused). */
  fingerprint: string;
  /** Completed steps, by name (for POST /leads: `contactId`, then `conversationId`). Never cleared. */
  steps: Record<string, string>;
  /**
   * The step that was started and never recorded as done (set before an upstream call that creates something).
   * A resume that finds it set knows the earlier attempt may have created the object (ambiguous failure).
   */
  pendingStep?: string;
  answer?: StoredAnswer;
  /** Who holds the lease, and until when (epoch ms). An expired lease can be taken over. */
  leaseOwner?: string;
  leaseUntil?: number;
  createdAt: number;
}

export type ClaimResult =
  /** The caller holds the lease and must do (or resume) the work, then `complete` or `release`. */
  | { outcome: 'claimed'; record: IdempotencyRecord }
  /** The work is finished: replay `record.answer`. */
  | { outcome: 'done'; record: IdempotencyRecord }
  /** Another caller holds a live lease: `waitForSettled`, then claim again. */
  | { outcome: 'busy'; record: IdempotencyRecord }
  /** The key was first used with another body. */
  | { outcome: 'mismatch'; record: IdempotencyRecord };

export interface ClaimRequest {
  fingerprint: string;
  /** A unique id for this attempt; it fences step writes so a caller that lost its lease cannot overwrite. */
  owner: string;
  leaseMs: number;
}

/** Idempotency records with leased claims and per-step progress: what exactly-once work needs. */
export interface RecordStore {
  /** Read a record without claiming it. */
  get(key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Atomically: create the record and lease it to `owner` when the key is new; answer `done` when it has an answer;
   * `mismatch` when the fingerprint differs; lease it to `owner` when no live lease exists; else `busy`.
   */
  claim(key: string, request: ClaimRequest): Promise<ClaimResult>;
  /**
   * Record progress while holding the lease (and extend it by `leaseMs`). `steps` are merged in; `pendingStep`
   * replaces the pending marker (pass `null` to clear it). Answers false when `owner` no longer holds the lease.
   */
  saveProgress(
    key: string,
    owner: string,
    progress: { steps?: Record<string, string>; pendingStep?: string | null },
    leaseMs: number,
  ): Promise<boolean>;
  /** Store the final answer and drop the lease. Answers false when `owner` no longer holds the lease. */
  complete(key: string, owner: string, answer: StoredAnswer): Promise<boolean>;
  /** Drop the lease without an answer (the work failed; a retry resumes from the recorded steps). */
  release(key: string, owner: string): Promise<void>;
  /**
   * Resolve when the record has an answer or no live lease, or after `timeoutMs` (then with the record as it is).
   * Memory: listeners; Redis: pub/sub on the key or short polling.
   */
  waitForSettled(key: string, timeoutMs: number): Promise<IdempotencyRecord | undefined>;
}

/** Rate-limit counters: what the guards need. */
export interface CounterStore {
  /** Fixed-window counter: add one hit to `bucket` and answer the count in the current window and when it resets. */
  hit(bucket: string, windowMs: number): Promise<{ count: number; resetAt: number }>;
}

/**
 * The delivery queue: submissions accepted while Intercom could not take them, delivered by drain loops that may
 * run on several instances. Items are leased in queue order; at most `limit` leases are live at once per queue
 * across all instances, so "in order" means start order (deliveries in flight may finish out of order).
 */
export interface QueueStore {
  /** Append an item (at the tail) unless an item with this id is already queued; answers whether it was added. */
  enqueue(queue: string, id: string, payload: string): Promise<boolean>;
  /**
   * Atomically lease the oldest item whose `notBefore` has passed and that is not under a live lease, provided
   * fewer than `limit` (default 1: single flight) items of the queue are under a live lease. Answers undefined when
   * nothing is ready or the limit is reached.
   */
  leaseNext(queue: string, owner: string, leaseMs: number, limit?: number): Promise<QueueItem | undefined>;
  /** Renew `owner`'s lease on an item for another `leaseMs` (a heartbeat); false when the lease is no longer its. */
  extendLease(queue: string, id: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Remove a delivered item; false when `owner` no longer holds its lease. */
  ack(queue: string, id: string, owner: string): Promise<boolean>;
  /** Drop the lease, count the attempt and keep the item in its place, ready again at `notBefore` (epoch ms). */
  retryLater(queue: string, id: string, owner: string, notBefore: number): Promise<boolean>;
  /** Counts for operators and metrics: never-tried and retrying items, dead letters, and the oldest live item. */
  queueStats(queue: string): Promise<QueueStats>;
  /**
   * Move a leased item to the queue's dead letters with its reason (nothing is deleted); false when `owner` no
   * longer holds its lease. The item keeps its id, payload, enqueue time and attempts.
   */
  deadLetter(queue: string, id: string, owner: string, reason: string): Promise<boolean>;
  /** The dead letters of a queue, oldest first. */
  listDead(queue: string): Promise<DeadLetter[]>;
  /** Put dead letters back at the tail of the queue, ready now (one by id, or all): answers how many moved. */
  retryDead(queue: string, id?: string): Promise<number>;
}

/** Everything a proxy keeps: one backend serves all three parts, so a claim and its queue item share a store. */
export interface Store extends RecordStore, CounterStore, QueueStore {
  /**
   * Whether what the store holds survives a restart of this process (SQLite, Redis: true; memory: false). A proxy
   * never answers 202 queued on a store that is not durable: the browser keeps the submission instead.
   */
  readonly durable: boolean;
  close(): Promise<void>;
}

export interface QueueStats {
  /** Queued items not yet tried (attempts 0), leased or not. */
  waiting: number;
  /** Queued items that failed at least once and will be tried again. */
  retrying: number;
  /** Items in the dead letters. */
  dead: number;
  /** Epoch ms of the oldest queued (not dead) item's enqueue; absent when the queue is empty. */
  oldestEnqueuedAt?: number;
}

/** A queue item given up on, with why and when. */
export interface DeadLetter extends QueueItem {
  reason: string;
  /** Epoch ms of the move to the dead letters. */
  deadAt: number;
}

/** One queued item; `payload` is opaque JSON text to the store. */
export interface QueueItem {
  id: string;
  payload: string;
  /** Epoch ms of the enqueue; the queue's order. */
  enqueuedAt: number;
  /** Failed deliveries so far (retryLater calls). */
  attempts: number;
  /** Not leased before this epoch ms. */
  notBefore: number;
}

export { MemoryStore } from './memory.js';
