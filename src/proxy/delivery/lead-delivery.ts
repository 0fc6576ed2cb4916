// Delivering one submission to Intercom exactly once, pass after pass within a budget: its lead (adopted through its
// lead token, or created), its conversation, then what its questions file adds (the answers on an adopted lead, the
// company).
//
// Used by POST /leads (inline, a few seconds) and by the drain loop (queued submissions). Every step that creates
// something is recorded in the submission's idempotency record (settleStep, lead-steps.ts), so whoever holds the record next
// resumes from it.
//
// A delivery answers a result, never throws one: delivered (the lead's ids: the caller answers, lead-response.ts),
// deferred (try again at a time, inline or from the queue) or refused (Intercom refused it for good). Each failure is
// retried at one level only: a creating call is made once per pass (the client does not retry it, settleStep does
// not repeat it), passes are retried here within the caller's deadline, and what is left goes to the queue, whose
// backoff is the only retry over the queue's life.
import { DataAttributeClashError, ensureDataAttributes, isMissingDataAttribute, questionDataAttributes } from '../intercom/data-attributes.js';
import { IntercomError, type IntercomCallOptions } from '../intercom/intercom-client.js';
import type { LeadSubmission } from '../guards/lead-request.js';
import type { ProxyDeps, RequestTrace } from '../options.js';
import { backoffDelay, mayRetry, sleep, type RetryPolicy } from '../retry-policy.js';
import type { Progress } from './idempotency.js';
import { reusableLead } from './lead-resolver.js';
import { settleContact, settleConversation, type StepBudget } from './lead-steps.js';
import { attachCompany, saveAnswersOnAdoptedLead } from './question-steps.js';
import { deferred, failureOf, type Deferred, type Refused } from './upstream-failure.js';

/** A lead costs two calls (contact, conversation): start one only when both fit in Intercom's window. */
export const CALLS_PER_LEAD = 2;

/** The calls one submission makes: the lead's two, and up to three for a company (look it up, create it, attach the lead). */
export function callsFor(submission: LeadSubmission): number {
  return CALLS_PER_LEAD + (submission.questions?.company ? 3 : 0);
}
/** Steps beside contactId/conversationId: a reused lead's earlier conversations, and the ignored-token flag. */
const PRIOR_CONVERSATIONS = 'priorConversations';
const TOKEN_IGNORED = 'leadTokenIgnored';

/** How long a delivery may keep trying before it gives the rest to the queue. */
export interface DeliveryBudget extends StepBudget {
  /** Epoch ms: no wait (recovery poll, backoff, rate reset) may end after this. */
  deadline: number;
  /** The longest single wait for Intercom's rate window to reset; a later reset defers the delivery instead. */
  rateWaitMs: number;
  /** Ends a wait between passes at once (a stopping drain loop): the delivery then throws the signal's reason. */
  signal?: AbortSignal;
  /** Passes after a failed one (default: as many as the deadline allows); the drain loop makes none, the queue retries. */
  maxPasses?: number;
}

/** How one delivery ended: its lead's contact and conversation, or why not. */
export type DeliveryResult = { kind: 'delivered'; contactId: string; conversationId: string } | Deferred | Refused;

/** The waits between passes of one delivery (inline: within recoveryWaitMs). */
const PASS_RETRY: RetryPolicy = { initialMs: 100, coefficient: 2, maxMs: 3_200, jitter: 0.25 };

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

/** One pass: the contact (adopted from the lead token, or created), the conversation, then the questions' steps. */
async function deliverOnce(
  deps: ProxyDeps,
  submission: LeadSubmission,
  submissionId: string,
  progress: Progress,
  trace: RequestTrace,
  budget: DeliveryBudget,
): Promise<DeliveryResult> {
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
    const contact = await settleContact(deps, submission, submissionId, progress, trace, budget, call);
    if (contact.kind !== 'done') return contact;
    const contactId = contact.id;
    // Set for a lead adopted through its token: its conversations before this one (not this submission's).
    const prior = progress.steps[PRIOR_CONVERSATIONS];
    const conversation = await settleConversation(deps, submission, contactId, JSON.parse(prior ?? '[]') as string[], progress, trace, budget, call);
    if (conversation.kind !== 'done') return conversation;

    const answers = await saveAnswersOnAdoptedLead(deps, submission, contactId, prior !== undefined, progress, budget, call);
    if (answers) return answers;
    const company = await attachCompany(deps, submission, contactId, progress, budget, call);
    if (company) return company;
    return { kind: 'delivered', contactId, conversationId: conversation.id };
  } catch (error) {
    return deliveryFailure(deps, submission, error);
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
