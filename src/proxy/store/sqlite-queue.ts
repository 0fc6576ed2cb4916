// The SQLite store's tables and its delivery queue: ordered leases, retries, dead letters and counts.
import type { DeadLetter, QueueItem, QueueStats } from './index.js';
import type { SqliteStatement } from './sqlite-driver.js';

/** Tables; `seq` (an autoincrement) is the queue's order, so an item put back from the dead letters goes to the tail. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, steps TEXT NOT NULL, pending_step TEXT, answer TEXT,
  lease_owner TEXT, lease_until INTEGER, created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS records_created ON records (created_at);
CREATE TABLE IF NOT EXISTS counters (bucket TEXT PRIMARY KEY, count INTEGER NOT NULL, reset_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS queue_items (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL, attempts INTEGER NOT NULL, not_before INTEGER NOT NULL,
  lease_owner TEXT, lease_until INTEGER, UNIQUE (queue, id)
);
CREATE TABLE IF NOT EXISTS dead_letters (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL, attempts INTEGER NOT NULL, not_before INTEGER NOT NULL,
  reason TEXT NOT NULL, dead_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_queue ON dead_letters (queue, seq);
`;

export interface QueueStatements {
  enqueue(queue: string, id: string, payload: string): Promise<boolean>;
  leaseNext(queue: string, owner: string, leaseMs: number, limit: number): Promise<QueueItem | undefined>;
  extendLease(queue: string, id: string, owner: string, leaseMs: number): Promise<boolean>;
  ack(queue: string, id: string, owner: string): Promise<boolean>;
  retryLater(queue: string, id: string, owner: string, notBefore: number): Promise<boolean>;
  queueStats(queue: string): Promise<QueueStats>;
  deadLetter(queue: string, id: string, owner: string, reason: string): Promise<boolean>;
  listDead(queue: string): Promise<DeadLetter[]>;
  retryDead(queue: string, id?: string): Promise<number>;
}

type Row = Record<string, unknown>;

const itemFrom = (row: Row): QueueItem => ({
  id: String(row.id),
  payload: String(row.payload),
  enqueuedAt: Number(row.enqueued_at),
  attempts: Number(row.attempts),
  notBefore: Number(row.not_before),
});

const LIVE = 'lease_owner IS NOT NULL AND lease_until > ?';

export function sqliteQueue(sql: (text: string) => SqliteStatement, now: () => number, tx: <T>(fn: () => T) => T): QueueStatements {
  const changed = (result: { changes: number | bigint }) => Number(result.changes) > 0;
  return {
    async enqueue(queue, id, payload) {
      const at = now();
      return changed(
        sql('INSERT OR IGNORE INTO queue_items (queue, id, payload, enqueued_at, attempts, not_before) VALUES (?, ?, ?, ?, 0, ?)').run(
          queue, id, payload, at, at,
        ),
      );
    },

    async leaseNext(queue, owner, leaseMs, limit) {
      return tx(() => {
        const at = now();
        const live = Number(sql(`SELECT count(*) AS n FROM queue_items WHERE queue = ? AND ${LIVE}`).get(queue, at)!.n);
        if (live >= limit) return undefined;
        const row = sql(`SELECT * FROM queue_items WHERE queue = ? AND not_before <= ? AND NOT (${LIVE}) ORDER BY seq LIMIT 1`).get(queue, at, at);
        if (!row) return undefined;
        sql('UPDATE queue_items SET lease_owner = ?, lease_until = ? WHERE seq = ?').run(owner, at + leaseMs, Number(row.seq));
        return itemFrom(row);
      });
    },

    async extendLease(queue, id, owner, leaseMs) {
      return changed(sql('UPDATE queue_items SET lease_until = ? WHERE queue = ? AND id = ? AND lease_owner = ?').run(now() + leaseMs, queue, id, owner));
    },

    async ack(queue, id, owner) {
      return changed(sql('DELETE FROM queue_items WHERE queue = ? AND id = ? AND lease_owner = ?').run(queue, id, owner));
    },

    async retryLater(queue, id, owner, notBefore) {
      return changed(
        sql(
          'UPDATE queue_items SET lease_owner = NULL, lease_until = NULL, attempts = attempts + 1, not_before = ? WHERE queue = ? AND id = ? AND lease_owner = ?',
        ).run(Math.round(notBefore), queue, id, owner),
      );
    },

    async queueStats(queue) {
      const row = sql(
        `SELECT coalesce(sum(attempts = 0), 0) AS waiting, coalesce(sum(attempts > 0), 0) AS retrying, min(enqueued_at) AS oldest,
           (SELECT count(*) FROM dead_letters WHERE queue = ?) AS dead FROM queue_items WHERE queue = ?`,
      ).get(queue, queue)!;
      const stats: QueueStats = { waiting: Number(row.waiting), retrying: Number(row.retrying), dead: Number(row.dead) };
      if (row.oldest !== null && row.oldest !== undefined) stats.oldestEnqueuedAt = Number(row.oldest);
      return stats;
    },

    async deadLetter(queue, id, owner, reason) {
      return tx(() => {
        const row = sql('SELECT * FROM queue_items WHERE queue = ? AND id = ? AND lease_owner = ?').get(queue, id, owner);
        if (!row) return false;
        sql(
          'INSERT INTO dead_letters (queue, id, payload, enqueued_at, attempts, not_before, reason, dead_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(queue, id, String(row.payload), Number(row.enqueued_at), Number(row.attempts), Number(row.not_before), reason, now());
        sql('DELETE FROM queue_items WHERE seq = ?').run(Number(row.seq));
        return true;
      });
    },

    async listDead(queue) {
      return sql('SELECT * FROM dead_letters WHERE queue = ? ORDER BY seq')
        .all(queue)
        .map((row) => ({ ...itemFrom(row), reason: String(row.reason), deadAt: Number(row.dead_at) }));
    },

    async retryDead(queue, id) {
      return tx(() => {
        const rows =
          id === undefined
            ? sql('SELECT * FROM dead_letters WHERE queue = ? ORDER BY seq').all(queue)
            : sql('SELECT * FROM dead_letters WHERE queue = ? AND id = ? ORDER BY seq').all(queue, id);
        const at = now();
        for (const row of rows) {
          sql('DELETE FROM dead_letters WHERE seq = ?').run(Number(row.seq));
          sql('INSERT OR IGNORE INTO queue_items (queue, id, payload, enqueued_at, attempts, not_before) VALUES (?, ?, ?, ?, 0, ?)').run(
            queue, String(row.id), String(row.payload), at, at,
          );
        }
        return rows.length;
      });
    },
  };
}
