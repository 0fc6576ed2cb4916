// POST /leads: one submission becomes exactly one Intercom lead and one conversation started by it.
import { IDEMPOTENCY_HEADER, UUID_PATTERN, type LeadResponse } from '../protocol/wire.js';
import { leadCustomAttributes } from './data-attributes.js';
import { ProxyError } from './errors.js';
import { runOnce, type Progress } from './idempotency.js';
import { IntercomError, intercomErrorToProxyError } from './intercom-client.js';
import { leadRecordKey } from './lead-resolver.js';
import { checkLeadRequest, fingerprintSubmission, type LeadSubmission } from './lead-request.js';
import { signLeadToken } from './lead-token.js';
import type { ProxyDeps, RouteHandler } from './options.js';
import { DeliveryDeferred, findConversationStartedBy, findLeadBySubmission, recover, surelyNotCommitted } from './recovery.js';
import { readJsonObject } from './request-body.js';
import { enforceCaptcha, rejectSpamSignals } from './spam.js';
import type { StoredAnswer } from './store/index.js';

/** A claim outlives the longest the work may take (WORK_BUDGET_MS), so two callers never both create. */
export const LEASE_MS = 60_000;
const WORK_BUDGET_MS = 30_000;
/** The delivery queue of POST /leads in the store. */
export const LEADS_QUEUE = 'leads';
/** A lead costs two calls (contact, conversation): start one only when both fit in Intercom's window. */
const CALLS_PER_LEAD = 2;
/** Creations of one step per delivery run, each after recovery proved the one before did not commit. */
const MAX_CREATES = 3;
/** The step note holding the queued answer's lead token, so a retry replays the same 202. */
const QUEUED_TOKEN = 'queuedToken';

/** What the delivery queue stores per submission. */
export interface QueuedLead {
  submissionId: string;
  fingerprint: string;
  submission: LeadSubmission;
}

/** Thrown inside the idempotent work once the submission is queued: the route answers 202 with `body`. */
class Queued extends Error {
  constructor(readonly body: LeadResponse) {
    super('queued');
  }
}

/** The POST /contacts body: a lead with validated fields only; never `external_id`, never `avatar`. */
export function leadContactBody(submission: LeadSubmission, submissionId: string): Record<string, unknown> {
  const body: Record<string, unknown> = { role: 'lead' };
  if (submission.name) body.name = submission.name;
  if (submission.email) body.email = submission.email;
  if (submission.phone) body.phone = submission.phone;
  body.custom_attributes = leadCustomAttributes(submission, submissionId);
  return body;
}

/** The first message of the conversation: what the person wrote, or a sentence saying where the form was. */
export function conversationBody(submission: LeadSubmission): string {
  if (submission.message) return submission.message;
  const { title, url } = submission.page ?? {};
  const where = title && url ? `"${title}" (${url})` : (url ?? (title ? `"${title}"` : 'an unknown page'));
  return `New lead from the LeadRelay form on ${where}. No message was written.`;
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
  const { store, options, intercom } = deps;
  return async (c) => {
    const request = c.req.raw;
    const submissionId = readIdempotencyKey(request);
    const checked = checkLeadRequest(await readJsonObject(request, options.maxBodyBytes));
    const fingerprint = fingerprintSubmission(checked.submission);
    const storeKey = leadRecordKey(submissionId);

    // A retry of an answered or queued submission is replayed without the bot checks: its captcha token is spent.
    const existing = await store.get(storeKey);
    const queuedToken = existing?.steps[QUEUED_TOKEN];
    if (existing && !existing.answer && queuedToken) {
      if (existing.fingerprint !== fingerprint) {
        throw new ProxyError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different submission.');
      }
      return c.json({ status: 'queued', leadToken: queuedToken } satisfies LeadResponse, 202, { 'idempotent-replayed': 'true' });
    }
    if (!existing?.answer) {
      rejectSpamSignals(checked.hp, checked.elapsedMs, options.minFillMs);
      await enforceCaptcha(options.verifyCaptcha, checked.captchaToken, request);
    }

    const trace = c.get('trace');
    try {
      const { answer, replayed } = await runOnce(
        store,
        storeKey,
        fingerprint,
        { leaseMs: LEASE_MS, waitMs: options.idempotencyWaitMs },
        async (progress) => {
          try {
            // Submissions already waiting go first (the queue keeps their order); a spent budget queues at once.
            const queueFirst =
              !progress.steps.contactId &&
              ((await store.queueReady(LEADS_QUEUE)) > 0 || intercom.budget.available() < CALLS_PER_LEAD);
            if (queueFirst) throw new DeliveryDeferred('rate_limited', Date.now());
            return await deliverLead(deps, checked.submission, submissionId, progress, trace, Date.now() + options.recoveryWaitMs);
          } catch (error) {
            if (!(error instanceof DeliveryDeferred)) throw error;
            throw new Queued(await queueLead(deps, { submissionId, fingerprint, submission: checked.submission }, progress));
          }
        },
      );
      return c.json(answer.body as LeadResponse, answer.status as 201, replayed ? { 'idempotent-replayed': 'true' } : {});
    } catch (error) {
      if (error instanceof Queued) return c.json(error.body, 202);
      throw error;
    }
  };
}

/** Put the submission in the delivery queue (first, so a crash after it loses nothing), then remember the 202. */
async function queueLead(deps: ProxyDeps, item: QueuedLead, progress: Progress): Promise<LeadResponse> {
  await deps.store.enqueue(LEADS_QUEUE, item.submissionId, JSON.stringify(item));
  const leadToken =
    progress.steps[QUEUED_TOKEN] ??
    (await signLeadToken({ submissionId: item.submissionId, avatar: item.submission.avatar }, deps.options.secret, deps.options.leadTokenTtlSeconds));
  if (!progress.steps[QUEUED_TOKEN]) await progress.note(QUEUED_TOKEN, leadToken);
  deps.onQueued?.();
  return { status: 'queued', leadToken };
}

/** A transient Intercom failure as "try later" (with when); anything else as the wire error the browser gets. */
function deferOrFail(error: unknown): never {
  if (error instanceof DeliveryDeferred) throw error;
  if (!(error instanceof IntercomError)) throw error;
  if (error.kind === 'http' && error.status === 429) {
    throw new DeliveryDeferred('rate_limited', Date.now() + Math.max(50, (error.retryAfterSeconds ?? 1) * 1000));
  }
  // A contact we created answers 404 until it can be messaged: transient too (the queue bounds its attempts).
  if (error.kind !== 'http' || error.status >= 500 || error.status === 404) {
    throw new DeliveryDeferred('upstream_unavailable', Date.now() + 1000);
  }
  throw intercomErrorToProxyError(error);
}

/**
 * One step that creates something in Intercom, exactly once: skip it when recorded done; after an ambiguous
 * attempt (pending marker set), find what it created before creating again (see recovery.ts).
 */
async function settleStep(
  deps: ProxyDeps,
  progress: Progress,
  step: string,
  create: () => Promise<string>,
  find: () => Promise<string | undefined>,
  recoverUntil: number,
): Promise<string> {
  const done = progress.steps[step];
  if (done) return done;
  const unsureKey = `${step}.unsureSince`;
  for (let creates = 0; ; creates += 1) {
    if (progress.pendingStep === step) {
      const unsureSince = Number(progress.steps[unsureKey] ?? 0);
      const found = await recover(find, { unsureSince, lagMs: deps.options.recoveryLagMs, deadline: recoverUntil });
      if (found) {
        await progress.finish(step, found);
        return found;
      }
      await progress.abandon();
    }
    if (creates >= MAX_CREATES) throw new DeliveryDeferred('upstream_unavailable', Date.now() + 1000);
    // Until the call answers, a crash leaves "maybe created, by the end of this attempt's timeout" behind.
    await progress.start(step, { [unsureKey]: String(Date.now() + deps.intercom.timeoutMs) });
    try {
      const id = await create();
      await progress.finish(step, id);
      return id;
    } catch (error) {
      if (!(error instanceof IntercomError)) throw error;
      if (surelyNotCommitted(error)) {
        await progress.abandon();
        throw error;
      }
      await progress.note(unsureKey, String(Date.now()));
    }
  }
}

/** Create the lead, then the conversation, recording each step so a retry resumes where this one stopped. */
export async function deliverLead(
  deps: ProxyDeps,
  submission: LeadSubmission,
  submissionId: string,
  progress: Progress,
  trace: { intercomRequestIds: string[] },
  recoverUntil: number,
): Promise<StoredAnswer> {
  const { intercom, options } = deps;
  const deadline = Date.now() + WORK_BUDGET_MS;
  try {
    const contactId = await settleStep(
      deps,
      progress,
      'contactId',
      async () => {
        const contact = await intercom.request<{ id?: unknown }>('POST', '/contacts', leadContactBody(submission, submissionId), {
          retry: 'create',
          deadline,
          trace,
        });
        if (typeof contact?.id !== 'string') throw new IntercomError('http', 502, 'malformed_contact', undefined);
        return contact.id;
      },
      () => findLeadBySubmission(intercom, submissionId, trace),
      recoverUntil,
    );
    const conversationId = await settleStep(
      deps,
      progress,
      'conversationId',
      async () => {
        const message = await intercom.request<{ conversation_id?: unknown }>(
          'POST',
          '/conversations',
          { from: { type: 'lead', id: contactId }, body: conversationBody(submission) },
          // A contact created a moment ago may answer 404 until Intercom has indexed it; nothing was created then.
          { retry: 'create', retryNotFoundMs: options.notFoundRetryMs, deadline, trace },
        );
        if (typeof message?.conversation_id !== 'string') throw new IntercomError('http', 502, 'malformed_message', undefined);
        return message.conversation_id;
      },
      () => findConversationStartedBy(intercom, contactId, trace),
      recoverUntil,
    );

    const leadToken = await signLeadToken(
      { contactId, conversationId, submissionId, avatar: submission.avatar },
      options.secret,
      options.leadTokenTtlSeconds,
    );
    const body: LeadResponse = { status: 'created', leadToken, conversationId };
    return { status: 201, body };
  } catch (error) {
    deferOrFail(error);
  }
}
