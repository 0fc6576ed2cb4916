// Delivering one submission to Intercom exactly once: the contact step, the conversation step, retried within a budget.
//
// Used by POST /leads (inline, a few seconds) and by the drain loop (queued submissions). Every step that creates
// something is recorded in the submission's idempotency record, so whoever holds the record next resumes from it.
//
// A delivery answers a result, never throws one: delivered, deferred (try again at a time, inline or from the queue)
// or refused (Intercom refused it for good). Each failure is retried at one level only: a creating call is made
// once per pass (the client does not retry it, settleStep does not repeat it), passes are retried here within the
// caller's deadline, and what is left goes to the queue, whose backoff is the only retry over the queue's life.
import type { LeadResponse } from '../../protocol/wire.js';
import { DataAttributeClashError, ensureDataAttributes, isMissingDataAttribute, leadCustomAttributes, questionDataAttributes } from '../intercom/data-attributes.js';
import { companyReference } from '../intercom/company-reference.js';
import { answersFirstMessage } from '../../protocol/questions.js';
import type { UpstreamFailure } from '../errors.js';
import { backoffDelay, mayRetry, sleep, type RetryPolicy } from '../retry-policy.js';
import type { Progress } from './idempotency.js';
import { IntercomError, type IntercomCallOptions } from '../intercom/intercom-client.js';
import type { LeadSubmission } from '../guards/lead-request.js';
import { reusableLead } from './lead-resolver.js';
import { signLeadToken, verificationSecrets } from '../guards/lead-token.js';
import type { ProxyDeps, RequestTrace } from '../options.js';
import { deferred, findConversationStartedBy, findLeadBySubmission, recover, surelyNotCommitted, type Deferred } from './recovery.js';
import type { StoredAnswer } from '../store/index.js';

/** A lead costs two calls (contact, conversation): start one only when both fit in Intercom's window. */
export const CALLS_PER_LEAD = 2;

/** The calls one submission makes: the lead's two, and up to three for a company (look it up, create it, attach the lead). */
export function callsFor(submission: LeadSubmission): number {
  return CALLS_PER_LEAD + (submission.questions?.company ? 3 : 0);
}
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
  /** Passes after a failed one (default: as many as the deadline allows); the drain loop makes none, the queue retries. */
  maxPasses?: number;
}

/** Intercom refused the submission for good (a 4xx other than 404, 409, 429): the wire error, and the dead-letter reason. */
export interface Refused {
  kind: 'refused';
  failure: UpstreamFailure;
  /** Intercom's status and code, never its text. */
  reason: string;
}

/** How one delivery ended. */
export type DeliveryResult = { kind: 'delivered'; answer: StoredAnswer } | Deferred | Refused;

/** How one step ended: its id, or why not. */
type StepResult = { kind: 'done'; id: string } | Deferred;

/** The waits between passes of one delivery (inline: within recoveryWaitMs). */
const PASS_RETRY: RetryPolicy = { initialMs: 100, coefficient: 2, maxMs: 3_200, jitter: 0.25 };

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
 * A failed Intercom call as a result: a transient failure is deferred (with when), a refusal for good refused. Any
 * other error (a bug, a store failure) is not Intercom's answer and is thrown on.
 */
function failureOf(error: unknown): Deferred | Refused {
  if (!(error instanceof IntercomError)) throw error;
  if (error.kind === 'http' && error.status === 429) {
    return deferred('rate_limited', Date.now() + Math.max(50, (error.retryAfterSeconds ?? 1) * 1000));
  }
  // A contact we created answers 404 until it can be messaged, and a 409 is a conflict that may clear: transient too.
  if (error.kind !== 'http' || error.status >= 500 || error.status === 404 || error.status === 409) {
    return deferred('upstream_unavailable', Date.now());
  }
  return {
    kind: 'refused',
    failure: { kind: error.kind, status: error.status, retryAfterSeconds: error.retryAfterSeconds },
    reason: `intercom_refused ${error.status}${error.intercomCode ? ` ${error.intercomCode}` : ''}`,
  };
}

/**
 * A failure of the delivery as a result. The data attributes are the workspace's, and can change under a running
 * proxy: one deleted is created again and the delivery retried; one whose type no longer fits the questions file
 * (Intercom refuses the value) re-opens the set-up, which names it in the log and /health/ready, and the submission
 * waits (deferred, never refused) until the file or the workspace is fixed.
 */
async function deliveryFailure(deps: ProxyDeps, submission: LeadSubmission, error: unknown): Promise<Deferred | Refused> {
  if (error instanceof DataAttributeClashError) return deferred('data_attribute_clash', Date.now());
  const questions = questionDataAttributes(deps.questions?.definition);
  if (isMissingDataAttribute(error)) {
    // Nothing was created (a 400 commits nothing): create them again; a failed re-creation meets the same 400 next time.
    await ensureDataAttributes(deps.intercom, questions).catch(() => undefined);
    return deferred('data_attribute_missing', Date.now());
  }
  const refusal = failureOf(error);
  if (refusal.kind === 'refused' && isInvalidAttributeValue(error) && submission.questions && Object.keys(submission.questions.attributes).length) {
    // Is it the workspace's types? Only the set-up's list can tell; the answers were checked against the file.
    const clash = await ensureDataAttributes(deps.intercom, questions).then(
      () => false,
      (thrown: unknown) => (thrown instanceof DataAttributeClashError ? true : undefined),
    );
    if (clash === undefined) return deferred('upstream_unavailable', Date.now());
    if (clash) {
      deps.setup?.recheck?.();
      return deferred('data_attribute_clash', Date.now());
    }
  }
  return refusal;
}

/** Intercom refused a value of the body (400 parameter_invalid): a custom attribute's value that no longer fits its type, say. */
function isInvalidAttributeValue(error: unknown): boolean {
  return error instanceof IntercomError && error.kind === 'http' && error.status === 400 && error.intercomCode === 'parameter_invalid';
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
 * attempt (pending marker set), find what it created before creating again (see recovery.ts). One creating call
 * at most per pass: any failure is the pass's result, retried by deliverLead or the queue.
 */
async function settleStep(
  deps: ProxyDeps,
  progress: Progress,
  step: string,
  create: () => Promise<string>,
  find: () => Promise<string | undefined>,
  budget: DeliveryBudget,
  writes: StepWrites = {},
): Promise<StepResult> {
  const done = progress.steps[step];
  if (done) return { kind: 'done', id: done };
  const unsureKey = unsureSince(step);
  let creating = false;
  try {
    if (progress.pendingStep === step) {
      const unsureSince = Number(progress.steps[unsureKey] ?? 0);
      const found = await recover(find, { unsureSince, lagMs: writes.lagMs ?? deps.options.delivery.recoveryLagMs, deadline: budget.deadline, signal: budget.signal });
      if (found.kind === 'deferred') return found;
      if (found.kind === 'found') {
        await progress.finish(step, found.id);
        return { kind: 'done', id: found.id };
      }
      await progress.abandon();
    }
    // Until the call answers, a crash leaves "maybe created, by the end of this attempt's timeout" behind.
    await progress.start(step, { ...writes.carry, [unsureKey]: String(Date.now() + deps.intercom.timeoutMs) });
    creating = true;
    const id = await create();
    if (!writes.recordLater) await progress.finish(step, id);
    return { kind: 'done', id };
  } catch (error) {
    if (!(error instanceof IntercomError) || !creating) throw error;
    if (surelyNotCommitted(error)) {
      await progress.abandon();
      throw error;
    }
    // Maybe created: the next pass looks for it first (recover) before it creates again.
    await progress.note(unsureKey, String(Date.now()));
    throw error;
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
): Promise<DeliveryResult> {
  const { intercom, options } = deps;
  // One attempt per creating call (this pass is the retry); the deadline is read live: a stopping drain loop
  // shortens it while a call waits for the rate window (delivery-queue.ts).
  const call: IntercomCallOptions = Object.defineProperty({ retry: 'once' as const, maxWaitMs: budget.rateWaitMs, trace, signal: budget.signal }, 'deadline', {
    get: () => budget.deadline,
    enumerable: true,
  });
  try {
    // No lead before its custom attributes exist (Intercom drops unknown ones, the submission id among them).
    await deps.setup?.ensure();
    await adoptTokenLead(deps, submission, progress, trace);
    if (progress.steps[TOKEN_IGNORED]) trace.leadTokenIgnored = true;
    const contact = await settleStep(
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
    if (contact.kind !== 'done') return contact;
    const contactId = contact.id;
    // A contact created just now is recorded with the conversation's start marker, in the same write.
    const carry: Record<string, string> = progress.steps.contactId === contactId ? {} : { contactId };
    const prior = JSON.parse(progress.steps[PRIOR_CONVERSATIONS] ?? '[]') as string[];
    const conversation = await settleStep(
      deps,
      progress,
      'conversationId',
      async () => {
        const message = await intercom.request<{ conversation_id?: unknown }>(
          'POST',
          '/conversations',
          { from: { type: 'lead', id: contactId }, body: conversationBody(submission) },
          // A contact created a moment ago may answer 404 until Intercom has indexed it; nothing was created then,
          // and the next pass tries again (failureOf: transient).
          call,
        );
        if (typeof message?.conversation_id !== 'string') throw new IntercomError('http', 502, 'malformed_message', undefined);
        return message.conversation_id;
      },
      () => findConversationStartedBy(intercom, contactId, trace, prior),
      budget,
      { carry },
    );
    if (conversation.kind !== 'done') return conversation;
    const conversationId = conversation.id;

    const answers = await saveAnswersOnAdoptedLead(deps, submission, contactId, progress, budget, call);
    if (answers) return answers;
    const company = await attachCompany(deps, submission, contactId, progress, budget, call);
    if (company) return company;

    const leadToken = await signLeadToken(
      { contactId, conversationId, submissionId, avatar: submission.avatar },
      options.secret,
      options.limits.leadTokenTtlSeconds,
    );
    const body: LeadResponse = { status: 'created', leadToken, conversationId };
    return { kind: 'delivered', answer: { status: 201, body } };
  } catch (error) {
    return deliveryFailure(deps, submission, error);
  }
}

/** Whether `contact` (GET /contacts/{id}) holds every one of `attributes` with the value given. */
function holdsAttributes(contact: { custom_attributes?: Record<string, unknown> } | undefined, attributes: Record<string, unknown>): boolean {
  const held = contact?.custom_attributes ?? {};
  return Object.entries(attributes).every(([name, value]) => held[name] === value);
}

/**
 * A lead adopted through its lead token was not created by this submission's POST /contacts, which carries the
 * answers: they are set on it with one PUT, a recorded step like the others. After an ambiguous failure the lead is
 * read back (a direct read, no search lag): holding every answer, the PUT landed and is not made again.
 */
async function saveAnswersOnAdoptedLead(
  deps: ProxyDeps,
  submission: LeadSubmission,
  contactId: string,
  progress: Progress,
  budget: DeliveryBudget,
  call: IntercomCallOptions,
): Promise<Deferred | undefined> {
  const attributes = submission.questions?.attributes;
  if (!attributes || Object.keys(attributes).length === 0 || progress.steps[ANSWERS_SAVED]) return undefined;
  if (progress.steps[PRIOR_CONVERSATIONS] === undefined) return undefined; // created by this submission, answers included
  const path = `/contacts/${encodeURIComponent(contactId)}`;
  const saved = await settleStep(
    deps,
    progress,
    ANSWERS_SAVED,
    async () => {
      await deps.intercom.request('PUT', path, { custom_attributes: attributes }, call);
      return contactId;
    },
    async () => {
      const contact = await deps.intercom.request<{ custom_attributes?: Record<string, unknown> }>('GET', path, undefined, { ...call, retry: 'idempotent' });
      return holdsAttributes(contact, attributes) ? contactId : undefined;
    },
    budget,
    { lagMs: 0 },
  );
  return saved.kind === 'done' ? undefined : saved;
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
): Promise<Deferred | undefined> {
  const name = submission.questions?.company;
  if (!name || progress.steps[COMPANY_ATTACHED] || progress.steps[COMPANY_REFUSED]) return undefined;
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
    const company = await settleStep(
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
    if (company.kind !== 'done') return company;
    const companyId = company.id;
    const attached = await settleStep(
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
    return attached.kind === 'done' ? undefined : attached;
  } catch (error) {
    if (error instanceof IntercomError && failureOf(error).kind === 'refused') {
      await progress.note(COMPANY_REFUSED, `${error.status}${error.intercomCode ? ` ${error.intercomCode}` : ''}`);
      return undefined;
    }
    throw error;
  }
}

/**
 * Deliver the submission: pass after pass (each resumes from the recorded steps), waiting between them by
 * PASS_RETRY or until the rate window resets, within the budget. Answers the last pass's result when the next
 * could not start in time: deferred results then go to the queue (or back to the browser).
 */
export async function deliverLead(
  deps: ProxyDeps,
  submission: LeadSubmission,
  submissionId: string,
  progress: Progress,
  trace: RequestTrace,
  budget: DeliveryBudget,
): Promise<DeliveryResult> {
  const policy: RetryPolicy = { ...PASS_RETRY, deadline: budget.deadline, maxAttempts: budget.maxPasses };
  for (let failures = 0; ; ) {
    const result = await deliverOnce(deps, submission, submissionId, progress, trace, budget);
    if (result.kind !== 'deferred') return result;
    // A clash waits for a person: the queue holds it, a pass cannot help.
    if (result.reason === 'data_attribute_clash') return result;
    // A 429 is Intercom's pace, not a failure: wait for its reset when near (within rateWaitMs and the deadline), as
    // the client waits for a spent window before sending, so a queued delivery keeps its place (start order).
    if (result.reason === 'rate_limited') {
      const wait = Math.max(0, result.retryAt - Date.now());
      if (wait > budget.rateWaitMs || Date.now() + wait > budget.deadline) return result;
      await sleep(wait, budget.signal);
      continue;
    }
    const wait = Math.max(0, result.retryAt - Date.now(), result.reason === 'upstream_unavailable' ? backoffDelay(policy, failures) : 0);
    if (!mayRetry(policy, failures, wait)) return result;
    failures += 1;
    await sleep(wait, budget.signal);
  }
}
