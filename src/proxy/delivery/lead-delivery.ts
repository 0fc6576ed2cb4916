// Delivering one submission to Intercom exactly once: the contact step, the conversation step, retried within a budget.
//
// Used by POST /leads (inline, a few seconds) and by the drain loop (queued submissions). Every step that creates
// something is recorded in the submission's idempotency record, so whoever holds the record next resumes from it.
import type { LeadResponse } from '../../protocol/wire.js';
import { DataAttributeClashError, ensureDataAttributes, isMissingDataAttribute, leadCustomAttributes, questionDataAttributes } from '../intercom/data-attributes.js';
import { companyReference } from '../intercom/company-reference.js';
import { answersFirstMessage } from '../../protocol/questions.js';
import type { UpstreamFailure } from '../errors.js';
import type { Progress } from './idempotency.js';
import { IntercomError, type IntercomCallOptions } from '../intercom/intercom-client.js';
import type { LeadSubmission } from '../guards/lead-request.js';
import { reusableLead } from './lead-resolver.js';
import { signLeadToken, verificationSecrets } from '../guards/lead-token.js';
import type { ProxyDeps, RequestTrace } from '../options.js';
import { DeliveryDeferred, findConversationStartedBy, findLeadBySubmission, recover, surelyNotCommitted } from './recovery.js';
import type { StoredAnswer } from '../store/index.js';
import { sleep } from '../retry-policy.js';

/** A lead costs two calls (contact, conversation): start one only when both fit in Intercom's window. */
export const CALLS_PER_LEAD = 2;

/** The calls one submission makes: the lead's two, and up to three for a company (look it up, create it, attach the lead). */
export function callsFor(submission: LeadSubmission): number {
  return CALLS_PER_LEAD + (submission.questions?.company ? 3 : 0);
}
/** Creations of one step per pass, each after recovery proved the one before did not commit. */
const MAX_CREATES = 3;
/** Steps beside contactId/conversationId: a reused lead's earlier conversations, and the ignored-token flag. */
const PRIOR_CONVERSATIONS = 'priorConversations';
const TOKEN_IGNORED = 'leadTokenIgnored';
/** Steps of the answers on a lead adopted through its token (no POST /contacts carried them), and of its company. */
const ANSWERS_SAVED = 'answersSaved';
const COMPANY_ID = 'companyId';
const COMPANY_ATTACHED = 'companyAttached';
/** Set instead of the company steps when Intercom refused the company for good: the lead stands without it. */
const COMPANY_REFUSED = 'companyRefused';

/** How long a delivery may keep trying before it gives the rest to the queue. */
export interface DeliveryBudget {
  /** Epoch ms: no wait (recovery poll, backoff, rate reset) may end after this. */
  deadline: number;
  /** The longest single wait for Intercom's rate window to reset; a later reset defers the delivery instead. */
  rateWaitMs: number;
  /** Ends a wait between passes at once (a stopping drain loop): the delivery then throws the signal's reason. */
  signal?: AbortSignal;
}

/** The POST /contacts body: a lead with validated fields only; never `external_id`, never `avatar`, never the raw submission id. */
export function leadContactBody(submission: LeadSubmission, submissionId: string, secret: string): Record<string, unknown> {
  const body: Record<string, unknown> = { role: 'lead' };
  if (submission.name) body.name = submission.name;
  if (submission.email) body.email = submission.email;
  if (submission.phone) body.phone = submission.phone;
  // The answers' attributes first: the file can never name a leadrelay_* attribute, and LeadRelay's own win anyway.
  body.custom_attributes = { ...submission.questions?.attributes, ...leadCustomAttributes(submission, submissionId, secret) };
  return body;
}

/**
 * The first message of the conversation: what the person wrote, or a sentence saying where the form was; then the
 * answers to the site's own questions as "Label: value" lines, so the team reads them in the Inbox.
 */
export function conversationBody(submission: LeadSubmission): string {
  const { title, url } = submission.page ?? {};
  const where = title && url ? `"${title}" (${url})` : (url ?? (title ? `"${title}"` : 'an unknown page'));
  const otherwise = `New lead from the LeadRelay form on ${where}. No message was written.`;
  // With a questions file, the answers block comes first and the visitor's message after it, quoted line by line, so
  // no text they type can pass for an answer (answersFirstMessage).
  if (submission.questions) return answersFirstMessage(submission.questions.summary, submission.message, otherwise);
  return submission.message ?? otherwise;
}

/**
 * The questions file's attributes exist in the workspace with another data type: the answers cannot be stored. The
 * submission waits (queued, retried with backoff) until the file or the workspace is fixed; it is never dropped.
 */
export class DataAttributeTypeClash extends DeliveryDeferred {
  constructor() {
    super('upstream_unavailable', Date.now() + 5_000);
    this.name = 'DataAttributeTypeClash';
  }
}

/**
 * Intercom refused the submission for good (a 4xx other than 404, 409, 429): the route answers the browser with the
 * wire error of `failure`, and the delivery queue moves the item to the dead letters with `reason` (Intercom's
 * status and code, never its text).
 */
export class IntercomRefusal extends Error {
  readonly reason: string;
  readonly failure: UpstreamFailure;
  constructor(error: IntercomError) {
    super('Intercom refused the submission');
    this.name = 'IntercomRefusal';
    this.failure = { kind: error.kind, status: error.status, retryAfterSeconds: error.retryAfterSeconds };
    this.reason = `intercom_refused ${error.status}${error.intercomCode ? ` ${error.intercomCode}` : ''}`;
  }
}

/**
 * Intercom refused the contact for a custom attribute it no longer has (deleted by an admin, lost by a restarted
 * emulator); the data attributes were created again, so the delivery is retried like a transient failure.
 */
export class DataAttributeMissing extends DeliveryDeferred {
  constructor() {
    super('upstream_unavailable', Date.now());
    this.name = 'DataAttributeMissing';
  }
}

/** A transient Intercom failure as "try later" (with when); a refusal for good as IntercomRefusal. */
function deferOrFail(error: unknown): never {
  if (error instanceof DeliveryDeferred) throw error;
  if (!(error instanceof IntercomError)) throw error;
  if (error.kind === 'http' && error.status === 429) {
    throw new DeliveryDeferred('rate_limited', Date.now() + Math.max(50, (error.retryAfterSeconds ?? 1) * 1000));
  }
  // A contact we created answers 404 until it can be messaged, and a 409 is a conflict that may clear: transient too.
  if (error.kind !== 'http' || error.status >= 500 || error.status === 404 || error.status === 409) {
    throw new DeliveryDeferred('upstream_unavailable', Date.now());
  }
  throw new IntercomRefusal(error);
}

/**
 * How a step shares writes with its neighbours: `carry` is saved with this step's start marker (the result of the
 * step before); `recordLater` leaves this step's result to the next step's start (one store write fewer per lead).
 * Safe: until that write lands, this step's own pending marker stands, and recovery finds what it created.
 */
interface StepWrites {
  carry?: Record<string, string>;
  recordLater?: boolean;
  /** How long a lookup may miss what was created (default `recoveryLagMs`, for search); 0 for a direct read. */
  lagMs?: number;
}

/** The step note saying since when an ambiguous attempt at `step` may have created something. */
const unsureSince = (step: string) => `${step}.unsureSince`;

/**
 * The submission's record was lost while its item waited (it expired: a dead letter retried weeks later), and with it
 * the steps: an earlier pass may have created the contact, so recovery looks for it before one is created.
 */
export function assumeContactMayExist(progress: Progress): Promise<void> {
  return progress.start('contactId', { [unsureSince('contactId')]: '0' });
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
  budget: DeliveryBudget,
  writes: StepWrites = {},
): Promise<string> {
  const done = progress.steps[step];
  if (done) return done;
  const unsureKey = unsureSince(step);
  for (let creates = 0; ; creates += 1) {
    if (progress.pendingStep === step) {
      const unsureSince = Number(progress.steps[unsureKey] ?? 0);
      const found = await recover(find, { unsureSince, lagMs: writes.lagMs ?? deps.options.delivery.recoveryLagMs, deadline: budget.deadline });
      if (found) {
        await progress.finish(step, found);
        return found;
      }
      await progress.abandon();
    }
    if (creates >= MAX_CREATES) throw new DeliveryDeferred('upstream_unavailable', Date.now());
    // Until the call answers, a crash leaves "maybe created, by the end of this attempt's timeout" behind.
    await progress.start(step, { ...writes.carry, [unsureKey]: String(Date.now() + deps.intercom.timeoutMs) });
    try {
      const id = await create();
      if (!writes.recordLater) await progress.finish(step, id);
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

/**
 * The body's lead token, once per submission: a valid token whose contact is still a lead makes that contact the
 * submission's contact (one lead per browser); any other token is ignored and a new lead is created.
 */
async function adoptTokenLead(deps: ProxyDeps, submission: LeadSubmission, progress: Progress, trace: RequestTrace): Promise<void> {
  if (!submission.leadToken || progress.steps.contactId || progress.steps[TOKEN_IGNORED]) return;
  const lead = await reusableLead(deps, submission.leadToken, trace);
  if (!lead) {
    await progress.note(TOKEN_IGNORED, 'true');
    return;
  }
  await progress.note(PRIOR_CONVERSATIONS, JSON.stringify(lead.conversationIds));
  await progress.finish('contactId', lead.contactId);
}

/** One pass: the contact (created, or adopted from the lead token), then the conversation. */
async function deliverOnce(
  deps: ProxyDeps,
  submission: LeadSubmission,
  submissionId: string,
  progress: Progress,
  trace: RequestTrace,
  budget: DeliveryBudget,
): Promise<StoredAnswer> {
  const { intercom, options } = deps;
  // The deadline is read live: a stopping drain loop shortens it while a call is retrying (delivery-queue.ts).
  const callWith = (extra: { retryNotFoundMs?: number[] } = {}): IntercomCallOptions =>
    Object.defineProperty({ retry: 'create' as const, maxWaitMs: budget.rateWaitMs, trace, ...extra }, 'deadline', { get: () => budget.deadline, enumerable: true });
  const call = callWith();
  try {
    // No lead before its custom attributes exist (Intercom drops unknown ones, the submission id among them).
    await deps.setup?.ensure();
    await adoptTokenLead(deps, submission, progress, trace);
    if (progress.steps[TOKEN_IGNORED]) trace.leadTokenIgnored = true;
    const contactId = await settleStep(
      deps,
      progress,
      'contactId',
      async () => {
        const contact = await intercom.request<{ id?: unknown }>('POST', '/contacts', leadContactBody(submission, submissionId, options.secret), call);
        if (typeof contact?.id !== 'string') throw new IntercomError('http', 502, 'malformed_contact', undefined);
        return contact.id;
      },
      () => findLeadBySubmission(intercom, verificationSecrets(options), submissionId, trace),
      budget,
      { recordLater: true },
    );
    // A contact created just now is recorded with the conversation's start marker, in the same write.
    const carry: Record<string, string> = progress.steps.contactId === contactId ? {} : { contactId };
    const prior = JSON.parse(progress.steps[PRIOR_CONVERSATIONS] ?? '[]') as string[];
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
          callWith({ retryNotFoundMs: options.delivery.notFoundRetryMs }),
        );
        if (typeof message?.conversation_id !== 'string') throw new IntercomError('http', 502, 'malformed_message', undefined);
        return message.conversation_id;
      },
      () => findConversationStartedBy(intercom, contactId, trace, prior),
      budget,
      { carry },
    );

    await saveAnswersOnAdoptedLead(deps, submission, contactId, progress, call);
    await attachCompany(deps, submission, contactId, progress, budget, call);

    const leadToken = await signLeadToken(
      { contactId, conversationId, submissionId, avatar: submission.avatar },
      options.secret,
      options.limits.leadTokenTtlSeconds,
    );
    const body: LeadResponse = { status: 'created', leadToken, conversationId };
    return { status: 201, body };
  } catch (error) {
    if (error instanceof DataAttributeClashError) throw new DataAttributeTypeClash();
    if (isMissingDataAttribute(error)) {
      // Set-up ran once at start; the attributes can vanish later. Nothing was created (a 400 commits nothing):
      // create them again and retry. A failed re-creation is retried by the next pass, which meets the same 400.
      await ensureDataAttributes(intercom, questionDataAttributes(deps.questions?.definition)).catch(() => undefined);
      throw new DataAttributeMissing();
    }
    deferOrFail(error);
  }
}

/**
 * A lead adopted through its lead token was not created by this submission's POST /contacts, which carries the
 * answers: they are set on it with one PUT (an update to the same values, so repeating it changes nothing), once.
 */
async function saveAnswersOnAdoptedLead(deps: ProxyDeps, submission: LeadSubmission, contactId: string, progress: Progress, call: IntercomCallOptions): Promise<void> {
  const attributes = submission.questions?.attributes;
  if (!attributes || Object.keys(attributes).length === 0 || progress.steps[ANSWERS_SAVED]) return;
  if (progress.steps[PRIOR_CONVERSATIONS] === undefined) return; // created by this submission, answers included
  await deps.intercom.request('PUT', `/contacts/${encodeURIComponent(contactId)}`, { custom_attributes: attributes }, { ...call, retry: 'idempotent' });
  await progress.note(ANSWERS_SAVED, 'true');
}

/** A company object's id, from GET /companies?company_id= (a list on some versions, the company itself on others). */
function foundCompanyId(answer: unknown, companyId: string): string | undefined {
  const candidates = (answer as { type?: string; data?: unknown[] })?.type === 'list' ? ((answer as { data?: unknown[] }).data ?? []) : [answer];
  const match = candidates.find((company) => (company as { company_id?: unknown })?.company_id === companyId) as { id?: unknown } | undefined;
  return typeof match?.id === 'string' ? match.id : undefined;
}

/**
 * The `company: true` answer: the lead attached to the company whose company_id the proxy derives from its secret
 * and the normalised name (company-reference.ts), created or reused (POST /companies creates or updates by
 * company_id), exactly once. Each call is a recorded step; after an ambiguous failure the company (a direct read,
 * no search lag) or the attachment is looked up before the call is made again, so a resend or a fault after commit
 * writes neither twice. A refusal for good leaves the lead without a company rather than refuse a lead that exists.
 */
async function attachCompany(
  deps: ProxyDeps,
  submission: LeadSubmission,
  contactId: string,
  progress: Progress,
  budget: DeliveryBudget,
  call: IntercomCallOptions,
): Promise<void> {
  const name = submission.questions?.company;
  if (!name || progress.steps[COMPANY_ATTACHED] || progress.steps[COMPANY_REFUSED]) return;
  const { intercom, options } = deps;
  const reference = companyReference(options.secret, name);
  const lookup = { ...call, retry: 'idempotent' as const };
  // The company by its company_id: a direct read, no search lag (Intercom answers 404 for none).
  const findCompany = async () => {
    try {
      return foundCompanyId(await intercom.request('GET', `/companies?company_id=${encodeURIComponent(reference)}`, undefined, lookup), reference);
    } catch (error) {
      if (error instanceof IntercomError && error.kind === 'http' && error.status === 404) return undefined;
      throw error;
    }
  };
  try {
    const companyId = await settleStep(
      deps,
      progress,
      COMPANY_ID,
      async () => {
        // An existing company is reused as it is: POST /companies updates by company_id, so a later visitor's spelling
        // of the same name ("ACME  INC") would rename it. Created once, with the name as typed, spaces collapsed.
        const existing = await findCompany();
        if (existing) return existing;
        const company = await intercom.request<{ id?: unknown }>('POST', '/companies', { company_id: reference, name: name.replace(/\s+/gu, ' ') }, call);
        if (typeof company?.id !== 'string') throw new IntercomError('http', 502, 'malformed_company', undefined);
        return company.id;
      },
      findCompany,
      budget,
      { lagMs: 0 },
    );
    await settleStep(
      deps,
      progress,
      COMPANY_ATTACHED,
      async () => {
        await intercom.request('POST', `/contacts/${encodeURIComponent(contactId)}/companies`, { id: companyId }, call);
        return companyId;
      },
      async () => {
        const attached = await intercom.request<{ data?: { id?: unknown }[] }>('GET', `/contacts/${encodeURIComponent(contactId)}/companies`, undefined, lookup);
        return (attached?.data ?? []).some((company) => company.id === companyId) ? companyId : undefined;
      },
      budget,
      { lagMs: 0 },
    );
  } catch (error) {
    if (error instanceof IntercomError && error.kind === 'http' && error.status >= 400 && error.status < 500 && ![404, 409, 429].includes(error.status)) {
      await progress.note(COMPANY_REFUSED, `${error.status}${error.intercomCode ? ` ${error.intercomCode}` : ''}`);
      return;
    }
    throw error;
  }
}

const jitter = (ms: number) => Math.round(ms * (0.75 + Math.random() / 2));

/**
 * Deliver the submission, retrying transient failures (with backoff) and waiting for near rate resets, until the
 * budget's deadline. Throws DeliveryDeferred when the rest must wait longer than that: the caller queues it.
 */
export async function deliverLead(
  deps: ProxyDeps,
  submission: LeadSubmission,
  submissionId: string,
  progress: Progress,
  trace: RequestTrace,
  budget: DeliveryBudget,
): Promise<StoredAnswer> {
  for (let pass = 0; ; pass += 1) {
    try {
      return await deliverOnce(deps, submission, submissionId, progress, trace, budget);
    } catch (error) {
      if (!(error instanceof DeliveryDeferred)) throw error;
      const backoff = error.reason === 'upstream_unavailable' ? jitter(100 * 2 ** Math.min(pass, 5)) : 0;
      const at = Math.max(error.retryAt, Date.now() + backoff);
      const wait = at - Date.now();
      if (at > budget.deadline || (error.reason === 'rate_limited' && wait > budget.rateWaitMs)) throw error;
      await sleep(Math.max(0, wait), budget.signal);
    }
  }
}
