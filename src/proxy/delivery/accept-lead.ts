// Accepting one checked submission exactly once: deliver it inline within `recoveryWaitMs`, or queue it (202).
//
// Only what cannot finish in that budget, or arrives while Intercom's budget is spent for longer than `rateWaitMs`,
// is queued for the drain loop, and only on a durable store (SQLite, Redis): on the memory store the result says
// deferred (the route answers 503 with Retry-After and the browser keeps the submission). On a durable store the
// visitor also never waits much past `recoveryWaitMs` for one slow Intercom call (answerInTime). Every outcome is a
// result; routes/leads.ts translates it to HTTP.
import type { LeadResponse } from '../../protocol/wire.js';
import { signLeadToken } from '../guards/lead-token.js';
import type { ProxyDeps, RequestTrace } from '../options.js';
import { LEADS_QUEUE, type QueuedLead } from './delivery-queue.js';
import { runExactlyOnce, unfinished, type OnceOutcome, type Progress } from './idempotency.js';
import { callsFor, deliverLead, type Refused } from './lead-delivery.js';
import { leadRecordKey } from './lead-resolver.js';
import { deferred, type Deferred } from './recovery.js';

export type { Deferred };

/** The step note holding the queued answer's lead token, so a retry replays the same 202. */
export const QUEUED_TOKEN = 'queuedToken';

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

/** Exactly once per `item.submissionId`: replay its answer, else deliver inline (or queue). */
export async function acceptLead(deps: ProxyDeps, item: QueuedLead, trace: RequestTrace): Promise<Acceptance> {
  const { store, options, intercom } = deps;
  let claimed: Progress | undefined;
  const run = runExactlyOnce<Acceptance>(
    store,
    leadRecordKey(item.submissionId),
    item.fingerprint,
    { leaseMs: options.delivery.leaseMs, waitMs: options.delivery.idempotencyWaitMs },
    async (progress) => {
      claimed = progress;
      // Intercom's window is spent for longer than a short wait: queue at once. Otherwise try inline, even while
      // older submissions wait in the queue: the queue orders its own items (start order), and a submission
      // answered inline never delays one that is queued beyond a short rate wait.
      const queueFirst = !progress.steps.contactId && intercom.budget.waitMs(callsFor(item.submission)) > options.delivery.rateWaitMs;
      const result = queueFirst
        ? deferred('rate_limited', Date.now())
        : await deliverLead(deps, item.submission, item.submissionId, progress, trace, {
            deadline: Date.now() + options.delivery.recoveryWaitMs,
            rateWaitMs: options.delivery.rateWaitMs,
          });
      if (result.kind === 'delivered') return result.answer;
      if (result.kind === 'refused' || !store.durable) return unfinished<Acceptance>(result);
      return unfinished<Acceptance>({ kind: 'queued', body: await queueLead(deps, item, progress), replayed: false });
    },
  );
  return acceptance(store.durable ? await answerInTime(deps, run, () => claimed, item) : await run);
}

function acceptance(outcome: OnceOutcome<Acceptance>): Acceptance {
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

/** Per proxy: inline deliveries still running after answerInTime answered their request 202. */
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
 * deliverLead stops at its deadline only between calls: one slow Intercom call (up to its timeout) would keep the
 * visitor waiting. So a little after `recoveryWaitMs` the submission is queued and answered 202 while that call
 * finishes under the same claim; whoever leases the queued item then finds the record done (or busy, then done) and
 * drops it. Until this request holds the claim (another request with the same key is working) it waits as before.
 */
async function answerInTime(
  deps: ProxyDeps,
  run: Promise<OnceOutcome<Acceptance>>,
  claimed: () => Progress | undefined,
  item: QueuedLead,
): Promise<OnceOutcome<Acceptance>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deps.options.delivery.recoveryWaitMs + ANSWER_MARGIN_MS)));
  const first = await Promise.race([run, late]).finally(() => clearTimeout(timer));
  if (first !== 'late') return first;
  const progress = claimed();
  if (!progress) return run;
  // Settled in the background from here: a refusal for good then reaches the dead letters through the queue item.
  let running = answeredEarly.get(deps);
  if (!running) answeredEarly.set(deps, (running = new Set()));
  const settled: Promise<void> = run.then(
    () => undefined,
    () => undefined,
  );
  running.add(settled);
  void settled.then(() => running.delete(settled));
  try {
    // A write fenced by the claim first: when the work has already ended (and given the claim up), this fails and its
    // own answer stands, with no queue item left behind for a submission that was answered 201.
    await progress.note(EARLY_ANSWER, String(Date.now()));
  } catch {
    return run;
  }
  try {
    const body = await queueLead(deps, item, progress);
    return { kind: 'unfinished', result: { kind: 'queued', body, replayed: false } };
  } catch {
    // The work ended between the two writes: its own answer stands (the drain loop drops the item as done).
    return run;
  }
}

/** Put the submission in the delivery queue (first, so a crash after it loses nothing), then remember the 202. */
async function queueLead(deps: ProxyDeps, item: QueuedLead, progress: Progress): Promise<LeadResponse> {
  await deps.store.enqueue(LEADS_QUEUE, item.submissionId, JSON.stringify(item));
  const leadToken =
    progress.steps[QUEUED_TOKEN] ??
    (await signLeadToken({ submissionId: item.submissionId, avatar: item.submission.avatar }, deps.options.secret, deps.options.limits.leadTokenTtlSeconds));
  if (!progress.steps[QUEUED_TOKEN]) await progress.note(QUEUED_TOKEN, leadToken);
  deps.onQueued?.();
  return { status: 'queued', leadToken };
}
