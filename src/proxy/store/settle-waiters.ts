// Waiting for an idempotency record to settle: the settled test and the keyed waiters every store's waitForSettled uses.
import type { IdempotencyRecord } from './index.js';

/** Nothing left to wait for: no record, an answer, no lease, or a lease that has run out at `now`. */
export function isSettled(record: IdempotencyRecord | undefined, now: number): boolean {
  return !record || record.answer !== undefined || !record.leaseOwner || (record.leaseUntil ?? 0) <= now;
}

/** Callers sleeping on a key until it is woken (a settle in this process) or their timer runs out. */
export class SettleWaiters {
  readonly #waiters = new Map<string, Set<() => void>>();

  /** Resolves when `wake(key)` or `wakeAll()` is called, or after `ms`. */
  wait(key: string, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const waiters = this.#waiters.get(key) ?? new Set();
      this.#waiters.set(key, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.#waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  wake(key: string): void {
    for (const done of [...(this.#waiters.get(key) ?? [])]) done();
  }

  wakeAll(): void {
    for (const key of [...this.#waiters.keys()]) this.wake(key);
  }
}
