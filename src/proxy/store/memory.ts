// The in-memory Store: one process, no persistence; for tests and the demo, and the reference for other stores' behaviour.
import type { ClaimRequest, ClaimResult, DeadLetter, IdempotencyRecord, QueueItem, QueueStats, Store, StoredAnswer } from './index.js';
import { RECORD_TTL_MS } from './retention.js';
import { isSettled, SettleWaiters } from './settle-waiters.js';

export interface MemoryStoreOptions {
  /** How long an idempotency record is kept after it was created (default RECORD_TTL_MS, 14 days). */
  recordTtlMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

function copy(record: IdempotencyRecord): IdempotencyRecord {
  return { ...record, steps: { ...record.steps } };
}

export class MemoryStore implements Store {
  /** Everything is gone when the process ends: the proxy answers 503 rather than 202 queued on this store. */
  readonly durable = false;
  readonly #records = new Map<string, IdempotencyRecord>();
  readonly #counters = new Map<string, { count: number; resetAt: number }>();
  readonly #waiters = new SettleWaiters();
  /** Queues in enqueue order; an item's lease is `owner` until `leaseUntil`. */
  readonly #queues = new Map<string, (QueueItem & { owner?: string; leaseUntil?: number })[]>();
  readonly #dead = new Map<string, DeadLetter[]>();
  readonly #ttl: number;
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#ttl = options.recordTtlMs ?? RECORD_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    const record = this.#records.get(key);
    return record && copy(record);
  }

  async claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    this.#sweep();
    const now = this.#now();
    const existing = this.#records.get(key);
    if (!existing) {
      const record: IdempotencyRecord = {
        key,
        fingerprint: request.fingerprint,
        steps: {},
        leaseOwner: request.owner,
        leaseUntil: now + request.leaseMs,
        createdAt: now,
      };
      this.#records.set(key, record);
      return { outcome: 'claimed', record: copy(record) };
    }
    if (existing.fingerprint !== request.fingerprint) return { outcome: 'mismatch', record: copy(existing) };
    if (existing.answer) return { outcome: 'done', record: copy(existing) };
    if (existing.leaseOwner && (existing.leaseUntil ?? 0) > now) return { outcome: 'busy', record: copy(existing) };
    existing.leaseOwner = request.owner;
    existing.leaseUntil = now + request.leaseMs;
    return { outcome: 'claimed', record: copy(existing) };
  }

  async saveProgress(
    key: string,
    owner: string,
    progress: { steps?: Record<string, string>; pendingStep?: string | null },
    leaseMs: number,
  ): Promise<boolean> {
    const record = this.#held(key, owner);
    if (!record) return false;
    if (progress.steps) Object.assign(record.steps, progress.steps);
    if (progress.pendingStep === null) delete record.pendingStep;
    else if (progress.pendingStep !== undefined) record.pendingStep = progress.pendingStep;
    record.leaseUntil = this.#now() + leaseMs;
    return true;
  }

  async complete(key: string, owner: string, answer: StoredAnswer): Promise<boolean> {
    const record = this.#held(key, owner);
    if (!record) return false;
    record.answer = answer;
    delete record.pendingStep;
    delete record.leaseOwner;
    delete record.leaseUntil;
    this.#notify(key);
    return true;
  }

  async release(key: string, owner: string): Promise<void> {
    const record = this.#held(key, owner);
    if (!record) return;
    delete record.leaseOwner;
    delete record.leaseUntil;
    this.#notify(key);
  }

  async waitForSettled(key: string, timeoutMs: number): Promise<IdempotencyRecord | undefined> {
    const record = this.#records.get(key);
    if (!isSettled(record, this.#now())) {
      // Also wake when the lease runs out, so a crashed holder does not keep waiters until their deadline.
      await this.#waiters.wait(key, Math.max(0, Math.min(timeoutMs, (record!.leaseUntil ?? 0) - this.#now())));
    }
    return this.get(key);
  }

  async hit(bucket: string, windowMs: number): Promise<{ count: number; resetAt: number }> {
    const now = this.#now();
    let counter = this.#counters.get(bucket);
    if (!counter || counter.resetAt <= now) {
      counter = { count: 0, resetAt: now + windowMs };
      this.#counters.set(bucket, counter);
    }
    counter.count += 1;
    return { ...counter };
  }

  async enqueue(queue: string, id: string, payload: string): Promise<boolean> {
    const items = this.#queues.get(queue) ?? [];
    this.#queues.set(queue, items);
    if (items.some((item) => item.id === id)) return false;
    const now = this.#now();
    items.push({ id, payload, enqueuedAt: now, attempts: 0, notBefore: now });
    return true;
  }

  async leaseNext(queue: string, owner: string, leaseMs: number, limit = 1): Promise<QueueItem | undefined> {
    const now = this.#now();
    const items = this.#queues.get(queue) ?? [];
    const leased = (item: { owner?: string; leaseUntil?: number }) => item.owner !== undefined && (item.leaseUntil ?? 0) > now;
    if (items.filter(leased).length >= limit) return undefined;
    const next = items.find((item) => item.notBefore <= now && !leased(item));
    if (!next) return undefined;
    next.owner = owner;
    next.leaseUntil = now + leaseMs;
    const { id, payload, enqueuedAt, attempts, notBefore } = next;
    return { id, payload, enqueuedAt, attempts, notBefore };
  }

  async extendLease(queue: string, id: string, owner: string, leaseMs: number): Promise<boolean> {
    const item = (this.#queues.get(queue) ?? []).find((entry) => entry.id === id && entry.owner === owner);
    if (!item) return false;
    item.leaseUntil = this.#now() + leaseMs;
    return true;
  }

  async ack(queue: string, id: string, owner: string): Promise<boolean> {
    const items = this.#queues.get(queue) ?? [];
    const index = items.findIndex((item) => item.id === id && item.owner === owner);
    if (index < 0) return false;
    items.splice(index, 1);
    return true;
  }

  async retryLater(queue: string, id: string, owner: string, notBefore: number): Promise<boolean> {
    const item = (this.#queues.get(queue) ?? []).find((entry) => entry.id === id && entry.owner === owner);
    if (!item) return false;
    delete item.owner;
    delete item.leaseUntil;
    item.attempts += 1;
    item.notBefore = notBefore;
    return true;
  }

  async queueStats(queue: string): Promise<QueueStats> {
    const items = this.#queues.get(queue) ?? [];
    const stats: QueueStats = {
      waiting: items.filter((item) => item.attempts === 0).length,
      retrying: items.filter((item) => item.attempts > 0).length,
      dead: (this.#dead.get(queue) ?? []).length,
    };
    if (items.length > 0) stats.oldestEnqueuedAt = Math.min(...items.map((item) => item.enqueuedAt));
    return stats;
  }

  async deadLetter(queue: string, id: string, owner: string, reason: string): Promise<boolean> {
    const items = this.#queues.get(queue) ?? [];
    const index = items.findIndex((item) => item.id === id && item.owner === owner);
    if (index < 0) return false;
    const [item] = items.splice(index, 1);
    const dead = this.#dead.get(queue) ?? [];
    this.#dead.set(queue, dead);
    const { payload, enqueuedAt, attempts, notBefore } = item!;
    dead.push({ id, payload, enqueuedAt, attempts, notBefore, reason, deadAt: this.#now() });
    return true;
  }

  async listDead(queue: string): Promise<DeadLetter[]> {
    return (this.#dead.get(queue) ?? []).map((letter) => ({ ...letter }));
  }

  async retryDead(queue: string, id?: string): Promise<number> {
    const dead = this.#dead.get(queue) ?? [];
    const moving = dead.filter((letter) => id === undefined || letter.id === id);
    if (moving.length === 0) return 0;
    this.#dead.set(queue, dead.filter((letter) => !moving.includes(letter)));
    const items = this.#queues.get(queue) ?? [];
    this.#queues.set(queue, items);
    const now = this.#now();
    for (const letter of moving) {
      if (items.some((item) => item.id === letter.id)) continue;
      items.push({ id: letter.id, payload: letter.payload, enqueuedAt: now, attempts: 0, notBefore: now });
    }
    return moving.length;
  }

  async close(): Promise<void> {
    this.#waiters.wakeAll();
    this.#records.clear();
    this.#counters.clear();
    this.#queues.clear();
    this.#dead.clear();
  }

  #held(key: string, owner: string): IdempotencyRecord | undefined {
    const record = this.#records.get(key);
    return record && record.leaseOwner === owner ? record : undefined;
  }

  #notify(key: string): void {
    this.#waiters.wake(key);
  }

  /** Drop expired records and counters, at most once a minute, so a long-running process does not grow. */
  #sweep(): void {
    const now = this.#now();
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    for (const [key, record] of this.#records) if (record.createdAt + this.#ttl <= now) this.#records.delete(key);
    for (const [bucket, counter] of this.#counters) if (counter.resetAt <= now) this.#counters.delete(bucket);
  }
}
