// The D1 Store: the SQLite store's tables and contract on Cloudflare D1, so a Worker answering 202 keeps the
// submission through isolate restarts and deploys, shared by every isolate bound to the same database.
//
// D1 has no interactive transactions: a read and a write cannot be held together across two calls. So every
// read-then-write of the SQLite store is one conditional statement here (UPDATE … WHERE <condition> RETURNING, an
// upsert whose DO UPDATE has a WHERE), which SQLite runs atomically; where two writes must happen together they go
// in one `batch`, which D1 runs as one transaction. D1 serialises every write to a database, so two Workers racing
// for one claim or one queue item get one winner.
import type { ClaimRequest, ClaimResult, DeadLetter, IdempotencyRecord, QueueItem, QueueStats, Store, StoredAnswer } from './index.js';
import { RECORD_TTL_MS } from './retention.js';
import { isSettled } from './settle-waiters.js';
import { SCHEMA } from './sqlite-queue.js';
import { sleep } from '../retry-policy.js';

/** The part of Cloudflare's `D1Database` binding this store uses (structural, so no Workers types are needed). */
export interface D1DatabaseLike {
  prepare(query: string): D1PreparedStatementLike;
  batch(statements: D1PreparedStatementLike[]): Promise<D1ResultLike[]>;
}

export interface D1PreparedStatementLike {
  bind(...values: unknown[]): D1PreparedStatementLike;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  all<T = Record<string, unknown>>(): Promise<D1ResultLike<T>>;
  run<T = Record<string, unknown>>(): Promise<D1ResultLike<T>>;
}

export interface D1ResultLike<T = Record<string, unknown>> {
  results?: T[];
  meta: { changes?: number };
}

export interface D1StoreOptions {
  /** How long an idempotency record is kept after it was created (default RECORD_TTL_MS, 14 days). */
  recordTtlMs?: number;
  /** Time between re-reads while waiting for a record another request holds (default 100 ms). */
  pollMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

type Row = Record<string, unknown>;

function recordFrom(row: Row): IdempotencyRecord {
  const record: IdempotencyRecord = {
    key: String(row.key),
    fingerprint: String(row.fingerprint),
    steps: JSON.parse(String(row.steps)) as Record<string, string>,
    createdAt: Number(row.created_at),
  };
  if (row.pending_step !== null && row.pending_step !== undefined) record.pendingStep = String(row.pending_step);
  if (row.answer !== null && row.answer !== undefined) record.answer = JSON.parse(String(row.answer)) as StoredAnswer;
  if (row.lease_owner !== null && row.lease_owner !== undefined) record.leaseOwner = String(row.lease_owner);
  if (row.lease_until !== null && row.lease_until !== undefined) record.leaseUntil = Number(row.lease_until);
  return record;
}

const itemFrom = (row: Row): QueueItem => ({
  id: String(row.id),
  payload: String(row.payload),
  enqueuedAt: Number(row.enqueued_at),
  attempts: Number(row.attempts),
  notBefore: Number(row.not_before),
});

const changed = (result: D1ResultLike) => (result.meta.changes ?? 0) > 0;

/** The SQLite store's schema, one statement each (D1's `exec` splits on newlines, which the schema's tables span). */
const SCHEMA_STATEMENTS = SCHEMA.split(';')
  .map((statement) => statement.trim())
  .filter(Boolean);

export class D1Store implements Store {
  /** D1 is a database Cloudflare keeps: accepted submissions wait there through restarts and deploys. */
  readonly durable = true;
  readonly #db: D1DatabaseLike;
  readonly #ttl: number;
  readonly #pollMs: number;
  readonly #now: () => number;
  #schemaReady = false;
  #lastSweep = 0;
  #closed = false;

  /** Wraps a D1 binding (`env.LEADRELAY_DB`); the tables are created on first use when missing. */
  constructor(db: D1DatabaseLike, options: D1StoreOptions = {}) {
    this.#db = db;
    this.#ttl = options.recordTtlMs ?? RECORD_TTL_MS;
    this.#pollMs = options.pollMs ?? 100;
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    await this.#schema();
    return this.#read(key);
  }

  async claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    await this.#schema();
    await this.#sweep();
    const now = this.#now();
    const until = now + request.leaseMs;
    // One batch (one transaction): the claim itself, a new record or a lapsed lease taken over, then the record as
    // that left it, so "not claimed" is told apart (mismatch, done, busy) from the same instant.
    const [claimed, current] = await this.#db.batch([
      this.#db
        .prepare(
          `INSERT INTO records (key, fingerprint, steps, lease_owner, lease_until, created_at) VALUES (?1, ?2, '{}', ?3, ?4, ?5)
           ON CONFLICT (key) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
           WHERE records.fingerprint = excluded.fingerprint AND records.answer IS NULL
             AND (records.lease_owner IS NULL OR records.lease_until <= ?5)
           RETURNING *`,
        )
        .bind(key, request.fingerprint, request.owner, until, now),
      this.#db.prepare('SELECT * FROM records WHERE key = ?').bind(key),
    ]);
    const row = current?.results?.[0];
    if (claimed?.results?.length && row) return { outcome: 'claimed', record: recordFrom(row) };
    if (!row) throw new Error('D1Store: the record is missing right after its upsert.');
    const record = recordFrom(row);
    if (record.fingerprint !== request.fingerprint) return { outcome: 'mismatch', record };
    if (record.answer) return { outcome: 'done', record };
    return { outcome: 'busy', record };
  }

  async saveProgress(
    key: string,
    owner: string,
    progress: { steps?: Record<string, string>; pendingStep?: string | null },
    leaseMs: number,
  ): Promise<boolean> {
    await this.#schema();
    const result = await this.#db
      .prepare(
        `UPDATE records SET steps = json_patch(steps, ?), pending_step = CASE WHEN ? THEN ? ELSE pending_step END, lease_until = ?
         WHERE key = ? AND lease_owner = ?`,
      )
      .bind(
        JSON.stringify(progress.steps ?? {}),
        progress.pendingStep === undefined ? 0 : 1,
        progress.pendingStep ?? null,
        this.#now() + leaseMs,
        key,
        owner,
      )
      .run();
    return changed(result);
  }

  async complete(key: string, owner: string, answer: StoredAnswer): Promise<boolean> {
    await this.#schema();
    const result = await this.#db
      .prepare('UPDATE records SET answer = ?, pending_step = NULL, lease_owner = NULL, lease_until = NULL WHERE key = ? AND lease_owner = ?')
      .bind(JSON.stringify(answer), key, owner)
      .run();
    return changed(result);
  }

  async release(key: string, owner: string): Promise<void> {
    await this.#schema();
    await this.#db.prepare('UPDATE records SET lease_owner = NULL, lease_until = NULL WHERE key = ? AND lease_owner = ?').bind(key, owner).run();
  }

  async waitForSettled(key: string, timeoutMs: number): Promise<IdempotencyRecord | undefined> {
    await this.#schema();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.#read(key);
      const now = this.#now();
      const left = deadline - Date.now();
      if (isSettled(record, now) || left <= 0 || this.#closed) return record;
      // The holder is another request, maybe in another isolate: only polling sees its settle.
      await sleep(Math.max(1, Math.min(left, this.#pollMs, (record!.leaseUntil ?? 0) - now)));
    }
  }

  async hit(bucket: string, windowMs: number): Promise<{ count: number; resetAt: number }> {
    await this.#schema();
    const now = this.#now();
    const row = await this.#db
      .prepare(
        `INSERT INTO counters (bucket, count, reset_at) VALUES (?1, 1, ?2) ON CONFLICT (bucket) DO UPDATE SET
           count = CASE WHEN reset_at <= ?3 THEN 1 ELSE count + 1 END,
           reset_at = CASE WHEN reset_at <= ?3 THEN excluded.reset_at ELSE reset_at END
         RETURNING count, reset_at`,
      )
      .bind(bucket, now + windowMs, now)
      .first<Row>();
    return { count: Number(row!.count), resetAt: Number(row!.reset_at) };
  }

  async enqueue(queue: string, id: string, payload: string): Promise<boolean> {
    await this.#schema();
    const at = this.#now();
    const result = await this.#db
      .prepare('INSERT OR IGNORE INTO queue_items (queue, id, payload, enqueued_at, attempts, not_before) VALUES (?, ?, ?, ?, 0, ?)')
      .bind(queue, id, payload, at, at)
      .run();
    return changed(result);
  }

  async leaseNext(queue: string, owner: string, leaseMs: number, limit = 1): Promise<QueueItem | undefined> {
    await this.#schema();
    const at = this.#now();
    // One statement: the oldest ready item not under a live lease, taken only while fewer than `limit` are live.
    const row = await this.#db
      .prepare(
        `UPDATE queue_items SET lease_owner = ?1, lease_until = ?2
         WHERE seq = (SELECT seq FROM queue_items WHERE queue = ?3 AND not_before <= ?4
                        AND NOT (lease_owner IS NOT NULL AND lease_until > ?4) ORDER BY seq LIMIT 1)
           AND (SELECT count(*) FROM queue_items WHERE queue = ?3 AND lease_owner IS NOT NULL AND lease_until > ?4) < ?5
         RETURNING *`,
      )
      .bind(owner, at + leaseMs, queue, at, limit)
      .first<Row>();
    return row ? itemFrom(row) : undefined;
  }

  async extendLease(queue: string, id: string, owner: string, leaseMs: number): Promise<boolean> {
    await this.#schema();
    return changed(
      await this.#db
        .prepare('UPDATE queue_items SET lease_until = ? WHERE queue = ? AND id = ? AND lease_owner = ?')
        .bind(this.#now() + leaseMs, queue, id, owner)
        .run(),
    );
  }

  async ack(queue: string, id: string, owner: string): Promise<boolean> {
    await this.#schema();
    return changed(await this.#db.prepare('DELETE FROM queue_items WHERE queue = ? AND id = ? AND lease_owner = ?').bind(queue, id, owner).run());
  }

  async retryLater(queue: string, id: string, owner: string, notBefore: number): Promise<boolean> {
    await this.#schema();
    return changed(
      await this.#db
        .prepare(
          'UPDATE queue_items SET lease_owner = NULL, lease_until = NULL, attempts = attempts + 1, not_before = ? WHERE queue = ? AND id = ? AND lease_owner = ?',
        )
        .bind(Math.round(notBefore), queue, id, owner)
        .run(),
    );
  }

  async queueStats(queue: string): Promise<QueueStats> {
    await this.#schema();
    const row = (await this.#db
      .prepare(
        `SELECT coalesce(sum(attempts = 0), 0) AS waiting, coalesce(sum(attempts > 0), 0) AS retrying, min(enqueued_at) AS oldest,
           (SELECT count(*) FROM dead_letters WHERE queue = ?) AS dead FROM queue_items WHERE queue = ?`,
      )
      .bind(queue, queue)
      .first<Row>())!;
    const stats: QueueStats = { waiting: Number(row.waiting), retrying: Number(row.retrying), dead: Number(row.dead) };
    if (row.oldest !== null && row.oldest !== undefined) stats.oldestEnqueuedAt = Number(row.oldest);
    return stats;
  }

  async deadLetter(queue: string, id: string, owner: string, reason: string): Promise<boolean> {
    await this.#schema();
    // Copy then delete, both fenced by the lease, in one batch: the item is in exactly one of the two tables.
    const [, removed] = await this.#db.batch([
      this.#db
        .prepare(
          `INSERT INTO dead_letters (queue, id, payload, enqueued_at, attempts, not_before, reason, dead_at)
           SELECT queue, id, payload, enqueued_at, attempts, not_before, ?, ? FROM queue_items WHERE queue = ? AND id = ? AND lease_owner = ?`,
        )
        .bind(reason, this.#now(), queue, id, owner),
      this.#db.prepare('DELETE FROM queue_items WHERE queue = ? AND id = ? AND lease_owner = ?').bind(queue, id, owner),
    ]);
    return Boolean(removed && changed(removed));
  }

  async listDead(queue: string): Promise<DeadLetter[]> {
    await this.#schema();
    const { results = [] } = await this.#db.prepare('SELECT * FROM dead_letters WHERE queue = ? ORDER BY seq').bind(queue).all<Row>();
    return results.map((row) => ({ ...itemFrom(row), reason: String(row.reason), deadAt: Number(row.dead_at) }));
  }

  async retryDead(queue: string, id?: string): Promise<number> {
    await this.#schema();
    const at = this.#now();
    const which = id === undefined ? 'queue = ?' : 'queue = ? AND id = ?';
    const args = id === undefined ? [queue] : [queue, id];
    // Back at the tail (a new seq), ready now, attempts from zero; copy and delete in one batch.
    const [, removed] = await this.#db.batch([
      this.#db
        .prepare(
          `INSERT OR IGNORE INTO queue_items (queue, id, payload, enqueued_at, attempts, not_before)
           SELECT queue, id, payload, ?, 0, ? FROM dead_letters WHERE ${which} ORDER BY seq`,
        )
        .bind(at, at, ...args),
      this.#db.prepare(`DELETE FROM dead_letters WHERE ${which}`).bind(...args),
    ]);
    return removed?.meta.changes ?? 0;
  }

  async close(): Promise<void> {
    // The binding belongs to the runtime; only waits are ended.
    this.#closed = true;
  }

  async #read(key: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.#db.prepare('SELECT * FROM records WHERE key = ?').bind(key).first<Row>();
    return row ? recordFrom(row) : undefined;
  }

  /**
   * Create the tables when missing, once per isolate. Not shared as one promise between requests: on Workers a
   * request cannot await I/O another request started (it would never settle once that request ended).
   */
  async #schema(): Promise<void> {
    if (this.#schemaReady) return;
    await this.#db.batch(SCHEMA_STATEMENTS.map((statement) => this.#db.prepare(statement)));
    this.#schemaReady = true;
  }

  /** Drop expired records and counters, at most once a minute per isolate. Queue items and dead letters stay. */
  async #sweep(): Promise<void> {
    const now = this.#now();
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    await this.#db.batch([
      this.#db.prepare('DELETE FROM records WHERE created_at <= ?').bind(now - this.#ttl),
      this.#db.prepare('DELETE FROM counters WHERE reset_at <= ?').bind(now),
    ]);
  }
}
