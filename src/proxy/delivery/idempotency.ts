// Exactly-once work per Idempotency-Key: claim the key, resume from recorded steps, replay the stored answer.
import { randomId } from '../web-crypto.js';
import type { IdempotencyRecord, RecordStore, StoredAnswer } from '../store/index.js';

export interface OnceOptions {
  /**
   * How long a claim holds without renewal. The holder renews it every third of that while it works (heartbeat),
   * so a crashed holder's work is taken over within `leaseMs`; a takeover resumes from the recorded steps, and a
   * step left pending goes through recovery (recovery.ts), so a slow holder losing its lease cannot duplicate.
   */
  leaseMs: number;
  /** How long a concurrent duplicate waits for the first caller's answer before answering busy. */
  waitMs: number;
  /**
   * What to do while another holder works on the key: 'wait' (a request: up to `waitMs` for its answer) or 'later'
   * (the drain loop: answer busy at once, the item is looked at again shortly). Default 'wait'.
   */
  onBusy?: 'wait' | 'later';
  /** A fixed claim owner (default: a new one per run); every step write is fenced by it. */
  owner?: string;
}

/** What the work sees: the steps done by earlier attempts, and a way to record the next one. */
export interface Progress {
  readonly steps: Readonly<Record<string, string>>;
  /** Set while a step was started and not recorded done or abandoned (it may have happened). Live. */
  readonly pendingStep?: string;
  /** Mark `step` as started before the call that performs it; `notes` are saved with the marker. */
  start(step: string, notes?: Record<string, string>): Promise<void>;
  /** Record a finished step (and its result) so a retry skips it. */
  finish(step: string, result: string): Promise<void>;
  /** Save values beside the steps (e.g. when an ambiguous attempt was last in flight). */
  note(name: string, value: string): Promise<void>;
  /** Clear the pending marker: the started step surely did not happen. */
  abandon(): Promise<void>;
}

export interface OnceResult {
  answer: StoredAnswer;
  /** True when the answer was produced by an earlier request with the same key. */
  replayed: boolean;
}

/**
 * How one exactly-once run ended. `busy`: another holder works on the key (still, after `waitMs`); `mismatch`: the
 * key was used for another fingerprint; `lost`: this run's lease was taken over while it worked (its steps stand,
 * whoever holds the record now resumes from them). The caller decides what each means (an HTTP status, a retry).
 */
export type OnceOutcome<U = never> =
  | ({ kind: 'done' } & OnceResult)
  | { kind: 'busy' }
  | { kind: 'mismatch' }
  | { kind: 'lost' }
  | { kind: 'unfinished'; result: U };

/** What work answers when it cannot finish now (deferred, refused): the claim is released and `result` returned. */
export interface Unfinished<U> {
  unfinished: U;
}
export const unfinished = <U>(result: U): Unfinished<U> => ({ unfinished: result });

/** Thrown by a fenced step write once the lease is gone; runExactlyOnce turns it into `{ kind: 'lost' }`. */
export class LeaseLost extends Error {
  constructor() {
    super('the idempotency lease was taken over');
    this.name = 'LeaseLost';
  }
}

/**
 * The one exactly-once runner: claim `key`, run `work` with the recorded steps under a renewed lease, then complete
 * the record with its answer. When `work` answers `unfinished(result)` the claim is released (its steps stand) and
 * the result returned; when it throws (a bug, a store failure) the claim is released and the error rethrown.
 */
export async function runExactlyOnce<U = never>(
  store: RecordStore,
  key: string,
  fingerprint: string,
  options: OnceOptions,
  work: (progress: Progress) => Promise<StoredAnswer | Unfinished<U>>,
): Promise<OnceOutcome<U>> {
  const owner = options.owner ?? randomId();
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    const claim = await store.claim(key, { fingerprint, owner, leaseMs: options.leaseMs });
    if (claim.outcome === 'mismatch') return { kind: 'mismatch' };
    if (claim.outcome === 'done') return { kind: 'done', answer: claim.record.answer!, replayed: true };
    if (claim.outcome === 'busy') {
      const left = deadline - Date.now();
      if (options.onBusy === 'later' || left <= 0) return { kind: 'busy' };
      await store.waitForSettled(key, left);
      continue;
    }
    return workWithLease(store, key, owner, claim.record, options.leaseMs, work);
  }
}

/** The Progress of a claimed record: every write is fenced by `owner`'s lease. */
export function progressFor(store: RecordStore, key: string, owner: string, record: IdempotencyRecord, leaseMs: number): Progress {
  const steps = { ...record.steps };
  let pending = record.pendingStep;
  const save = async (update: { steps?: Record<string, string>; pendingStep?: string | null }) => {
    if (!(await store.saveProgress(key, owner, update, leaseMs))) throw new LeaseLost();
    if (update.steps) Object.assign(steps, update.steps);
    if (update.pendingStep !== undefined) pending = update.pendingStep ?? undefined;
  };
  return {
    steps,
    get pendingStep() {
      return pending;
    },
    start: (step, notes) => save({ pendingStep: step, ...(notes ? { steps: notes } : {}) }),
    finish: (step, result) => save({ steps: { [step]: result }, pendingStep: null }),
    note: (name, value) => save({ steps: { [name]: value } }),
    abandon: () => save({ pendingStep: null }),
  };
}

/**
 * Call `renew` every third of `leaseMs` until the returned stop function is called; stops by itself once a renewal
 * answers false (the lease is gone: the next fenced write tells the work).
 */
export function startHeartbeat(renew: () => Promise<boolean>, leaseMs: number): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    renew().then(
      (held) => {
        if (!held) stop();
      },
      () => undefined, // a store hiccup: the next beat tries again
    );
  }, Math.max(20, Math.floor(leaseMs / 3)));
  timer.unref?.();
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}

/** A heartbeat on an idempotency claim (see startHeartbeat). */
export function keepClaim(store: RecordStore, key: string, owner: string, leaseMs: number): () => void {
  return startHeartbeat(() => store.saveProgress(key, owner, {}, leaseMs), leaseMs);
}

async function workWithLease<U>(
  store: RecordStore,
  key: string,
  owner: string,
  record: IdempotencyRecord,
  leaseMs: number,
  work: (progress: Progress) => Promise<StoredAnswer | Unfinished<U>>,
): Promise<OnceOutcome<U>> {
  const progress = progressFor(store, key, owner, record, leaseMs);
  const stopHeartbeat = keepClaim(store, key, owner, leaseMs);
  try {
    const answer = await work(progress);
    stopHeartbeat();
    if ('unfinished' in answer) {
      await store.release(key, owner).catch(() => undefined);
      return { kind: 'unfinished', result: answer.unfinished };
    }
    if (!(await store.complete(key, owner, answer))) return { kind: 'lost' };
    return { kind: 'done', answer, replayed: false };
  } catch (error) {
    stopHeartbeat();
    await store.release(key, owner).catch(() => undefined);
    if (error instanceof LeaseLost) return { kind: 'lost' };
    throw error;
  }
}
