// Exactly-once work per Idempotency-Key: claim the key, resume from recorded steps, replay the stored answer.
import { randomUUID } from 'node:crypto';
import { ProxyError } from '../errors.js';
import type { IdempotencyRecord, RecordStore, StoredAnswer } from '../store/index.js';

export interface OnceOptions {
  /**
   * How long a claim holds without renewal. The holder renews it every third of that while it works (heartbeat),
   * so a crashed holder's work is taken over within `leaseMs`; a takeover resumes from the recorded steps, and a
   * step left pending goes through recovery (recovery.ts), so a slow holder losing its lease cannot duplicate.
   */
  leaseMs: number;
  /** How long a concurrent duplicate waits for the first caller's answer before answering 409. */
  waitMs: number;
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

/** 422 for an Idempotency-Key (or a derived submission id) already used for a different body. */
export function keyReused(): ProxyError {
  return new ProxyError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different submission.');
}

function lostLease(): ProxyError {
  return new ProxyError(409, 'idempotency_in_progress', 'This submission is being processed by another request.', undefined, {
    'retry-after': '1',
  });
}

/**
 * Run `work` at most once to completion for `key`. A concurrent request with the same key waits for the answer;
 * a request after a failure resumes from the last recorded step; another body under the same key is refused.
 */
export async function runOnce(
  store: RecordStore,
  key: string,
  fingerprint: string,
  options: OnceOptions,
  work: (progress: Progress) => Promise<StoredAnswer>,
): Promise<OnceResult> {
  const owner = randomUUID();
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    const claim = await store.claim(key, { fingerprint, owner, leaseMs: options.leaseMs });
    if (claim.outcome === 'mismatch') {
      throw keyReused();
    }
    if (claim.outcome === 'done') return { answer: claim.record.answer!, replayed: true };
    if (claim.outcome === 'busy') {
      const left = deadline - Date.now();
      if (left <= 0) throw lostLease();
      await store.waitForSettled(key, left);
      continue;
    }
    return { answer: await workWithLease(store, key, owner, claim.record, options.leaseMs, work), replayed: false };
  }
}

/** The Progress of a claimed record: every write is fenced by `owner`'s lease. */
export function progressFor(store: RecordStore, key: string, owner: string, record: IdempotencyRecord, leaseMs: number): Progress {
  const steps = { ...record.steps };
  let pending = record.pendingStep;
  const save = async (update: { steps?: Record<string, string>; pendingStep?: string | null }) => {
    if (!(await store.saveProgress(key, owner, update, leaseMs))) throw lostLease();
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

async function workWithLease(
  store: RecordStore,
  key: string,
  owner: string,
  record: IdempotencyRecord,
  leaseMs: number,
  work: (progress: Progress) => Promise<StoredAnswer>,
): Promise<StoredAnswer> {
  const progress = progressFor(store, key, owner, record, leaseMs);
  const stopHeartbeat = keepClaim(store, key, owner, leaseMs);
  try {
    const answer = await work(progress);
    stopHeartbeat();
    if (!(await store.complete(key, owner, answer))) throw lostLease();
    return answer;
  } catch (error) {
    stopHeartbeat();
    await store.release(key, owner).catch(() => undefined);
    throw error;
  }
}
