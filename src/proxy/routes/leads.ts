// POST /leads: one submission becomes exactly one Intercom lead and one conversation started by it.
//
// The request tries inline first (lead-delivery.ts: recovery after an ambiguous failure, retries with backoff,
// short waits for Intercom's rate window) within `recoveryWaitMs`; only what cannot finish in that budget, or
// arrives while Intercom's budget is spent for longer than `rateWaitMs`, is queued (202) for the drain loop, and
// only on a durable store (SQLite, Redis): on the memory store it is 503 with Retry-After and the browser keeps it.
// There the visitor also never waits much past `recoveryWaitMs` for one slow Intercom call (answerInTime).
import { sha256, toHex } from '../web-crypto.js';
import { IDEMPOTENCY_HEADER, UUID_PATTERN, type LeadResponse } from '../../protocol/wire.js';
import { ProxyError, idempotencyKeyReused, upstreamError } from '../errors.js';
import { runExactlyOnce, type OnceOutcome, type Progress } from '../delivery/idempotency.js';
import { onceAnswer } from './once-answer.js';
import { callsFor, deliverLead, IntercomRefusal } from '../delivery/lead-delivery.js';
import { leadRecordKey } from '../delivery/lead-resolver.js';
import { checkLeadRequest, fingerprintSubmission, type LeadRequestChecked, type LeadSubmission } from '../guards/lead-request.js';
import { replayResentLead } from './resent-lead.js';
import { signLeadToken } from '../guards/lead-token.js';
import { loadPhoneRules } from '../guards/phone.js';
import type { ProxyDeps, RequestTrace, RouteHandler } from '../options.js';
import { LEADS_QUEUE, type QueuedLead } from '../delivery/delivery-queue.js';
import { DeliveryDeferred } from '../delivery/recovery.js';
import { readJsonObject } from '../guards/request-body.js';
import { enforceCaptcha, enforceTurnstile, rejectSpamSignals } from '../guards/spam.js';
import { clientAddress } from '../guards/client-address.js';

/** The step note holding the queued answer's lead token, so a retry replays the same 202. */
const QUEUED_TOKEN = 'queuedToken';

/**
 * The idempotency key siteverify gets: the submission's key and what it asks for, as a UUID. With the key alone, a
 * browser could send a spent token again under that key with another lead to an instance that shares no store with
 * the first (Workers without D1, memory stores), and siteverify would repeat its first "success". The same
 * submission sent again (a retry) still gets the same key, so Cloudflare repeats its answer for it.
 */
function siteverifyKey(submissionId: string, fingerprint: string): string {
  const hex = toHex(sha256(`turnstile\n${submissionId}\n${fingerprint}`));
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Thrown inside the idempotent work once the submission is queued: the route answers 202 with `body`. */
class Queued extends Error {
  constructor(readonly body: LeadResponse) {
    super('queued');
  }
}

function readIdempotencyKey(request: Request): string {
  const key = request.headers.get(IDEMPOTENCY_HEADER);
  if (!key) {
    throw new ProxyError(400, 'missing_idempotency_key', `Send an ${IDEMPOTENCY_HEADER} header (a UUID, reused on retries).`);
  }
  if (!UUID_PATTERN.test(key)) {
    throw new ProxyError(400, 'invalid_idempotency_key', `The ${IDEMPOTENCY_HEADER} header must be a UUID.`);
  }
  return key.toLowerCase();
}

export function createLeadsRoute(deps: ProxyDeps): RouteHandler {
  return async (c) => {
    const request = c.req.raw;
    const submissionId = readIdempotencyKey(request);
    const json = await readJsonObject(request, deps.options.limits.maxBodyBytes);
    await loadPhoneRules();
    let checked: LeadRequestChecked;
    try {
      checked = checkLeadRequest(json, deps.questions);
    } catch (refusal) {
      // A resend of a submission accepted under an older questions file answers as before (resent-lead.ts).
      const replay = await replayResentLead(deps, submissionId, json, refusal);
      return c.json(replay.body, replay.status as 201 | 202, { 'idempotent-replayed': 'true' });
    }
    const clientIp = deps.options.clients.address(request, c.env);
    const { status, body, replayed } = await acceptLead(deps, submissionId, checked, { request, trace: c.get('trace'), checkFillTime: true, clientIp });
    return c.json(body, status, replayed ? { 'idempotent-replayed': 'true' } : {});
  };
}

/** How a checked submission arrived: the widget's JSON (fill time measured) or a form posted without JavaScript. */
export interface LeadArrival {
  request: Request;
  trace: RequestTrace;
  /** False for a form posted without JavaScript: only the widget's script can measure the fill time. */
  checkFillTime: boolean;
  /** The client's address, passed to Turnstile's siteverify (`remoteip`) when known. */
  clientIp?: string;
}

/** The answer to one submission: 201 created or 202 queued, and whether an earlier request produced it. */
export interface LeadAnswer {
  status: 201 | 202;
  body: LeadResponse;
  replayed: boolean;
}

/**
 * Exactly once per `submissionId`: replay an answered or queued submission, else run the bot checks and deliver
 * inline (or queue). Shared by the JSON route and the no-JavaScript form post (form-post.ts).
 */
export async function acceptLead(deps: ProxyDeps, submissionId: string, checked: LeadRequestChecked, arrival: LeadArrival): Promise<LeadAnswer> {
  const { store, options, intercom } = deps;
  const { request, trace } = arrival;
  if (checked.contextDropped.length) trace.contextDropped = checked.contextDropped;
  const fingerprint = fingerprintSubmission(checked.submission);
  const storeKey = leadRecordKey(submissionId);

  // A retry of an answered or queued submission is replayed without the bot checks: its captcha token is spent.
  const existing = await store.get(storeKey);
  const queuedToken = existing?.steps[QUEUED_TOKEN];
  if (existing && !existing.answer && queuedToken) {
    if (existing.fingerprint !== fingerprint) {
      throw idempotencyKeyReused();
    }
    return { status: 202, body: { status: 'queued', leadToken: queuedToken }, replayed: true };
  }
  if (!existing?.answer) {
    rejectSpamSignals(checked.hp, checked.elapsedMs, arrival.checkFillTime ? options.limits.minFillMs : 0);
    if (deps.turnstile) {
      await enforceTurnstile(deps.turnstile, checked.captchaToken, arrival.clientIp, siteverifyKey(submissionId, fingerprint), (reason) => (trace.captchaFailed = reason));
    } else {
      await enforceCaptcha(options.verifyCaptcha, checked.captchaToken, request);
    }
  }

  let claimed: Progress | undefined;
  try {
    const run = runExactlyOnce(
      store,
      storeKey,
      fingerprint,
      { leaseMs: options.delivery.leaseMs, waitMs: options.delivery.idempotencyWaitMs },
      async (progress) => {
        claimed = progress;
        try {
          // Intercom's window is spent for longer than a short wait: queue at once. Otherwise try inline, even
          // while older submissions wait in the queue: the queue orders its own items (start order), and a
          // submission answered inline never delays one that is queued beyond a short rate wait.
          const queueFirst = !progress.steps.contactId && intercom.budget.waitMs(callsFor(checked.submission)) > options.delivery.rateWaitMs;
          if (queueFirst) throw new DeliveryDeferred('rate_limited', Date.now());
          return await deliverLead(deps, checked.submission, submissionId, progress, trace, {
            deadline: Date.now() + options.delivery.recoveryWaitMs,
            rateWaitMs: options.delivery.rateWaitMs,
          });
        } catch (error) {
          if (!(error instanceof DeliveryDeferred)) throw error;
          if (!store.durable) throw notQueued(error);
          throw new Queued(await queueLead(deps, { submissionId, fingerprint, submission: checked.submission }, progress));
        }
      },
    );
    const { answer, replayed } = onceAnswer(
      store.durable ? await answerInTime(deps, run, () => claimed, { submissionId, fingerprint, submission: checked.submission }) : await run,
    );
    return { status: answer.status as 201 | 202, body: answer.body as LeadResponse, replayed };
  } catch (error) {
    if (error instanceof Queued) return { status: 202, body: error.body, replayed: false };
    if (error instanceof IntercomRefusal) throw upstreamError(error.failure);
    throw error;
  }
}

/**
 * A store that does not survive a restart (memory) never answers 202: the browser would forget a submission the
 * proxy may lose. 503 with Retry-After instead, so the widget keeps it in its outbox and sends it again with the
 * same key; the idempotency record keeps the steps done so far, so that send resumes where this one stopped.
 */
function notQueued(deferred: DeliveryDeferred): ProxyError {
  const seconds = deferred.reason === 'upstream_unavailable' ? 2 : Math.max(1, Math.ceil((deferred.retryAt - Date.now()) / 1000));
  return new ProxyError(
    503,
    'upstream_unavailable',
    'Intercom cannot take this submission now and this proxy keeps no durable queue. Send it again later with the same Idempotency-Key.',
    undefined,
    { 'retry-after': String(seconds) },
  );
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
async function answerInTime(deps: ProxyDeps, run: Promise<OnceOutcome>, claimed: () => Progress | undefined, item: QueuedLead): Promise<OnceOutcome> {
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
    return { kind: 'done', answer: { status: 202, body }, replayed: false };
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
