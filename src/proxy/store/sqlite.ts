// The SQLite Store: the same contract as the memory store, kept in one local file, so a single instance loses nothing.
//
// WAL mode with synchronous=NORMAL: a commit survives the process being killed (SIGKILL) at any moment; only a power
// loss may take the last commits. Every state change that reads before it writes runs in BEGIN IMMEDIATE, so the
// operator commands (another process on the same file) and the proxy never interleave. Calls are synchronous in
// this process, which is what makes the lease checks atomic here; the busy timeout covers the other process.
import type { ClaimRequest, ClaimResult, DeadLetter, IdempotencyRecord, QueueItem, QueueStats, Store, StoredAnswer } from './index.js';
import { RECORD_TTL_MS } from './retention.js';
import { isSettled, SettleWaiters } from './settle-waiters.js';
import { openSqliteDatabase, type SqliteDatabase, type SqliteDriverName, type SqliteStatement } from './sqlite-driver.js';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpoint.js';
import { SCHEMA, sqliteQueue, type QueueStatements } from './sqlite-queue.js';

export interface SqliteStoreOptions {
  /** The database file (created with its tables when missing). */
  path: string;
  /** How long an idempotency record is kept after it was created (default RECORD_TTL_MS, 14 days). */
  recordTtlMs?: number;
  /** Upper bound between re-reads while waiting for a record another process holds (default 100 ms). */
  pollMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Which driver to use when both node:sqlite and better-sqlite3 are available (default node:sqlite). */
  driver?: SqliteDriverName;
}

interface RecordRow {
  key: string;
  fingerprint: string;
  steps: string;
  pending_step: string | null;
  answer: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
}

function recordFrom(row: RecordRow): IdempotencyRecord {
  const record: IdempotencyRecord = {
    key: row.key,
    fingerprint: row.fingerprint,
    steps: JSON.parse(row.steps) as Record<string, string>,
    createdAt: Number(row.created_at),
  };
  if (row.pending_step !== null) record.pendingStep = row.pending_step;
  if (row.answer !== null) record.answer = JSON.parse(row.answer) as StoredAnswer;
  if (row.lease_owner !== null) record.leaseOwner = row.lease_owner;
  if (row.lease_until !== null) record.leaseUntil = Number(row.lease_until);
  return record;
}

export class SqliteStore implements Store {
  /** The file outlives the process: accepted submissions wait here through restarts and crashes. */
  readonly durable = true;
  /** Which driver opened the file. */
  readonly driver: SqliteDriverName;
  readonly #db: SqliteDatabase;
  readonly #ttl: number;
  readonly #pollMs: number;
  readonly #now: () => number;
  readonly #queue: QueueStatements;
  readonly #waiters = new SettleWaiters();
  readonly #statements = new Map<string, SqliteStatement>();
  #lastSweep = 0;
  #closed = false;
  #checkpointer: Checkpointer | undefined;

  private constructor(db: SqliteDatabase, driver: SqliteDriverName, options: SqliteStoreOptions) {
    this.#db = db;
    this.driver = driver;
    this.#ttl = options.recordTtlMs ?? RECORD_TTL_MS;
    this.#pollMs = options.pollMs ?? 100;
    this.#now = options.now ?? Date.now;
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    db.exec(SCHEMA);
    this.#queue = sqliteQueue((text) => this.#sql(text), this.#now, (fn) => this.#tx(fn));
  }

  /** Open (or create) the store's file; fails with a message naming the fix when no SQLite driver is available. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const { db, driver } = await openSqliteDatabase(options.path, options.driver);
    const store = new SqliteStore(db, driver, options);
    // Checkpoints (the only fsyncs) run in a worker; this connection checkpoints only if the log grows past ~40 MB.
    store.#checkpointer = await startCheckpointer(options.path, driver);
    if (store.#checkpointer) db.exec('PRAGMA wal_autocheckpoint = 10000;');
    return store;
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    return this.#read(key);
  }

  async claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    this.#sweep();
    return this.#tx(() => {
      const now = this.#now();
      const existing = this.#read(key);
      if (!existing) {
        this.#sql('INSERT INTO records (key, fingerprint, steps, lease_owner, lease_until, created_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(key, request.fingerprint, '{}', request.owner, now + request.leaseMs, now);
        const record = { key, fingerprint: request.fingerprint, steps: {}, leaseOwner: request.owner, leaseUntil: now + request.leaseMs, createdAt: now };
        return { outcome: 'claimed', record };
      }
      if (existing.fingerprint !== request.fingerprint) return { outcome: 'mismatch', record: existing };
      if (existing.answer) return { outcome: 'done', record: existing };
      if (existing.leaseOwner && (existing.leaseUntil ?? 0) > now) return { outcome: 'busy', record: existing };
      this.#sql('UPDATE records SET lease_owner = ?, lease_until = ? WHERE key = ?').run(request.owner, now + request.leaseMs, key);
      return { outcome: 'claimed', record: { ...existing, leaseOwner: request.owner, leaseUntil: now + request.leaseMs } };
    });
  }

  async saveProgress(
    key: string,
    owner: string,
    progress: { steps?: Record<string, string>; pendingStep?: string | null },
    leaseMs: number,
  ): Promise<boolean> {
    // One fenced statement (its own transaction): merge the steps, set or clear the pending marker, renew the lease.
    const { changes } = this.#sql(
      `UPDATE records SET steps = json_patch(steps, ?), pending_step = CASE WHEN ? THEN ? ELSE pending_step END, lease_until = ?
       WHERE key = ? AND lease_owner = ?`,
    ).run(
      JSON.stringify(progress.steps ?? {}),
      progress.pendingStep === undefined ? 0 : 1,
      progress.pendingStep ?? null,
      this.#now() + leaseMs,
      key,
      owner,
    );
    return Number(changes) > 0;
  }

  async complete(key: string, owner: string, answer: StoredAnswer): Promise<boolean> {
    const { changes } = this.#sql('UPDATE records SET answer = ?, pending_step = NULL, lease_owner = NULL, lease_until = NULL WHERE key = ? AND lease_owner = ?')
      .run(JSON.stringify(answer), key, owner);
    if (Number(changes) === 0) return false;
    this.#notify(key);
    return true;
  }

  async release(key: string, owner: string): Promise<void> {
    const { changes } = this.#sql('UPDATE records SET lease_owner = NULL, lease_until = NULL WHERE key = ? AND lease_owner = ?').run(key, owner);
    if (Number(changes) > 0) this.#notify(key);
  }

  async waitForSettled(key: string, timeoutMs: number): Promise<IdempotencyRecord | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = this.#read(key);
      const now = this.#now();
      const left = deadline - Date.now();
      if (isSettled(record, now) || left <= 0 || this.#closed) return record;
      // Woken by a settle in this process; the poll covers a holder in another process sharing the file.
      await this.#waiters.wait(key, Math.max(1, Math.min(left, this.#pollMs, (record!.leaseUntil ?? 0) - now)));
    }
  }

  async hit(bucket: string, windowMs: number): Promise<{ count: number; resetAt: number }> {
    const now = this.#now();
    const row = this.#sql(
        `INSERT INTO counters (bucket, count, reset_at) VALUES (?, 1, ?) ON CONFLICT (bucket) DO UPDATE SET
           count = CASE WHEN reset_at <= ? THEN 1 ELSE count + 1 END,
           reset_at = CASE WHEN reset_at <= ? THEN excluded.reset_at ELSE reset_at END
         RETURNING count, reset_at`,
      )
      .get(bucket, now + windowMs, now, now)!;
    return { count: Number(row.count), resetAt: Number(row.reset_at) };
  }

  enqueue(queue: string, id: string, payload: string): Promise<boolean> {
    return this.#queue.enqueue(queue, id, payload);
  }

  leaseNext(queue: string, owner: string, leaseMs: number, limit = 1): Promise<QueueItem | undefined> {
    return this.#queue.leaseNext(queue, owner, leaseMs, limit);
  }

  extendLease(queue: string, id: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#queue.extendLease(queue, id, owner, leaseMs);
  }

  ack(queue: string, id: string, owner: string): Promise<boolean> {
    return this.#queue.ack(queue, id, owner);
  }

  retryLater(queue: string, id: string, owner: string, notBefore: number): Promise<boolean> {
    return this.#queue.retryLater(queue, id, owner, notBefore);
  }

  queueStats(queue: string): Promise<QueueStats> {
    return this.#queue.queueStats(queue);
  }

  deadLetter(queue: string, id: string, owner: string, reason: string): Promise<boolean> {
    return this.#queue.deadLetter(queue, id, owner, reason);
  }

  listDead(queue: string): Promise<DeadLetter[]> {
    return this.#queue.listDead(queue);
  }

  retryDead(queue: string, id?: string): Promise<number> {
    return this.#queue.retryDead(queue, id);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiters.wakeAll();
    await this.#checkpointer?.stop();
    this.#db.close();
  }

  #read(key: string): IdempotencyRecord | undefined {
    const row = this.#sql('SELECT * FROM records WHERE key = ?').get(key) as RecordRow | undefined;
    return row && recordFrom(row);
  }

  /** A prepared statement, prepared once per store. */
  #sql(text: string): SqliteStatement {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /** Run `fn` in one write transaction (taken at once, so a read-then-write is never interleaved). */
  #tx<T>(fn: () => T): T {
    this.#sql('BEGIN IMMEDIATE').run();
    try {
      const result = fn();
      this.#sql('COMMIT').run();
      return result;
    } catch (error) {
      this.#sql('ROLLBACK').run();
      throw error;
    }
  }

  #notify(key: string): void {
    this.#waiters.wake(key);
  }

  /** Drop expired records and counters, at most once a minute. Queue items and dead letters are never dropped. */
  #sweep(): void {
    const now = this.#now();
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    this.#sql('DELETE FROM records WHERE created_at <= ?').run(now - this.#ttl);
    this.#sql('DELETE FROM counters WHERE reset_at <= ?').run(now);
  }
}
