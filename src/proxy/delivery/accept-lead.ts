// Accepting one checked submission exactly once: deliver it inline within `recoveryWaitMs`, or queue it (202).
//
// Only what cannot finish in that budget, or arrives while Intercom's budget is spent for longer than `rateWaitMs`,
// is queued for the drain loop, and only on a durable store (SQLite, Redis): on the memory store the result says
// deferred (the route answers 503 with Retry-After and the browser keeps the submission). On a durable store the
// visitor also never waits much past `recoveryWaitMs` for one slow Intercom call (acceptLead). Every outcome is a
// result; routes/leads.ts translates it to HTTP.
import type { LeadResponse } from '../../protocol/wire.js';
import type { ProxyDeps, RequestTrace } from '../options.js';
import { LEADS_QUEUE, type QueuedLead } from './delivery-queue.js';
import { runExactlyOnce, unfinished, type OnceOutcome, type Progress } from './idempotency.js';
import { callsFor, deliverLead } from './lead-delivery.js';
import { createdAnswer, QUEUED_TOKEN, queuedAnswer } from './lead-response.js';
import { leadRecordKey } from './lead-resolver.js';
import { deferred, type Deferred, type Refused } from './upstream-failure.js';

export type { Deferred };
export { QUEUED_TOKEN };

/** How an acceptance ended: answered (created, queued, or replayed), or why not. */
export type Acceptance =
  | { kind: 'created' | 'queued'; body: LeadResponse; replayed: boolean }
  /** Intercom cannot take it now and the store is not durable: nothing is queued, the browser sends it again. */
  | Deferred
  | Refused
  /** The key holds another submission. */
  | { kind: 'mismatch' }
  /** Another request holds the key (still, after `idempotencyWaitMs`), or this one lost its lease. */
  | { kind: 'busy' };

/** What an earlier request with the same key left: a 202 to replay, a key holding another body, or nothing to replay. */
export type EarlierAcceptance = { kind: 'queued'; body: LeadResponse; replayed: true } | { kind: 'mismatch' } | { kind: 'answered' } | { kind: 'new' };

/**
 * Whether a request with this key came before: a queued submission replays its 202 (no bot checks: its captcha
 * token is spent); an answered one is replayed by acceptLead; a new one is checked for bots by the route first.
 */
export async function earlierAcceptance(deps: ProxyDeps, submissionId: string, fingerprint: string): Promise<EarlierAcceptance> {
  const existing = await deps.store.get(leadRecordKey(submissionId));
  if (existing?.answer) return { kind: 'answered' };
  const queuedToken = existing?.steps[QUEUED_TOKEN];
  if (!existing || !queuedToken) return { kind: 'new' };
  if (existing.fingerprint !== fingerprint) return { kind: 'mismatch' };
  return { kind: 'queued', body: { status: 'queued', leadToken: queuedToken }, replayed: true };
}

/** Per proxy: inline deliveries still running after their request was answered 202. */
const answeredEarly = new WeakMap<ProxyDeps, Set<Promise<void>>>();

/** Resolves once the inline deliveries answered early have settled: a stopping proxy waits for them as for requests. */
export function earlyAnsweredSettled(deps: ProxyDeps): Promise<void> {
  return Promise.all([...(answeredEarly.get(deps) ?? [])]).then(() => undefined);
}

/** The step note saying when this request answered 202 while its inline delivery went on. */
const EARLY_ANSWER = 'answeredEarlyAt';

/** Past deliverLead's own deadline, so that one usually answers first (and a deadline at 0 still means "queue at once"). */
const ANSWER_MARGIN_MS = 100;

/**
 * Exactly once per `item.submissionId`: replay its answer, else deliver inline, or queue it.
 *
 * deliverLead stops at its deadline only between calls: one slow Intercom call (up to its timeout) would keep the
 * visitor waiting. So on a durable store, a little after `recoveryWaitMs`, the submission is queued and answered 202
 * while that call finishes under the same claim; whoever leases the queued item then finds the record done (or busy,
 * then done) and drops it. Until this request holds the claim (another request with the same key is working) it
 * waits for that one's answer; a claim taken after the answer was due answers when its delivery ends.
 */
export async function acceptLead(deps: ProxyDeps, item: QueuedLead, trace: RequestTrace): Promise<Acceptance> {
  const { store, options, intercom } = deps;
  const due = store.durable ? Date.now() + options.delivery.recoveryWaitMs + ANSWER_MARGIN_MS : undefined;
  let answerEarly: (outcome: OnceOutcome<Acceptance>) => void = () => undefined;
  const early = new Promise<OnceOutcome<Acceptance>>((resolve) => (answerEarly = resolve));
  const run = runExactlyOnce<Acceptance>(
    store,
    leadRecordKey(item.submissionId),
    item.fingerprint,
    { leaseMs: options.delivery.leaseMs, waitMs: options.delivery.idempotencyWaitMs },
    async (progress) => {
      // Intercom's window is spent for longer than a short wait: queue at once. Otherwise try inline, even while
      // older submissions wait in the queue: the queue orders its own items (start order), and a submission
      // answered inline never delays one that is queued beyond a short rate wait.
      const queueFirst = !progress.steps.contactId && intercom.budget.waitMs(callsFor(item.submission)) > options.delivery.rateWaitMs;
      const delivery = queueFirst
        ? Promise.resolve(deferred('rate_limited', Date.now()))
        : deliverLead(deps, item.submission, item.submissionId, progress, trace, {
            deadline: Date.now() + options.delivery.recoveryWaitMs,
            rateWaitMs: options.delivery.rateWaitMs,
          });
      if (due !== undefined && Date.now() < due && (await inTime(delivery, due)) === 'late') {
        try {
          // A write fenced by the claim first (a claim lost meanwhile answers when the delivery ends), then the queue.
          await progress.note(EARLY_ANSWER, String(Date.now()));
          answerEarly({ kind: 'unfinished', result: { kind: 'queued', body: await queueLead(deps, item, progress), replayed: false } });
        } catch {
          // Not answered early: this request waits for the delivery's own end.
        }
      }
      const result = await delivery;
      if (result.kind === 'delivered') return createdAnswer(deps, item, result);
      if (result.kind === 'refused' || !store.durable) return unfinished<Acceptance>(result);
      return unfinished<Acceptance>({ kind: 'queued', body: await queueLead(deps, item, progress), replayed: false });
    },
  );
  // Answered early, the delivery settles in the background: a refusal for good then reaches the dead letters through
  // the queue item, and a stopping proxy waits for it (earlyAnsweredSettled).
  void early.then(() => keepUntilSettled(deps, run));
  const outcome = await Promise.race([run, early]);
  switch (outcome.kind) {
    case 'done':
      return { kind: outcome.answer.status === 202 ? 'queued' : 'created', body: outcome.answer.body as LeadResponse, replayed: outcome.replayed };
    case 'unfinished':
      return outcome.result;
    case 'mismatch':
      return { kind: 'mismatch' };
    case 'busy':
    case 'lost':
      return { kind: 'busy' };
  }
}

/** 'late' when `delivery` has not settled by `due` (epoch ms). */
async function inTime<T>(delivery: Promise<T>, due: number): Promise<T | 'late'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), due - Date.now())));
  return Promise.race([delivery, late]).finally(() => clearTimeout(timer));
}

/** Hold `run` among the deliveries answered early until it settles (earlyAnsweredSettled). */
function keepUntilSettled(deps: ProxyDeps, run: Promise<unknown>): void {
  let running = answeredEarly.get(deps);
  if (!running) answeredEarly.set(deps, (running = new Set()));
  const settled: Promise<void> = run.then(
    () => undefined,
    () => undefined,
  );
  running.add(settled);
  void settled.then(() => running.delete(settled));
}

/** Put the submission in the delivery queue (first, so a crash after it loses nothing), then answer its 202. */
async function queueLead(deps: ProxyDeps, item: QueuedLead, progress: Progress): Promise<LeadResponse> {
  await deps.store.enqueue(LEADS_QUEUE, item.submissionId, JSON.stringify(item));
  const body = await queuedAnswer(deps, item, progress);
  deps.onQueued?.();
  return body;
}
