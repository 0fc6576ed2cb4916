// The steps that make a submission's lead in Intercom, each exactly once: the contact, then its conversation. Each
// step's create and its find stand together here, with the settling they share with the questions' steps.
//
// Intercom has no idempotency keys. When a creating call (POST /contacts, POST /conversations, a company…) fails
// after it was sent (a 5xx, a timeout, a dropped connection), the object may exist. Only a lookup can tell, and
// search lags: a missing result only proves "not created" once the lookup has run longer than the index lag after
// the attempt. So a step is created again only when the earlier attempt surely did not commit (Intercom refused it:
// 4xx, 429; or the connection failed before a byte was sent: EMFILE, ENOTFOUND, ECONNREFUSED…) or when a lookup
// issued at least `recoveryLagMs` (0 for a direct read) after the attempt still finds nothing.
import { answersFirstMessage } from '../../protocol/questions.js';
import { DATA_ATTRIBUTES, leadCustomAttributes } from '../intercom/data-attributes.js';
import { IntercomError, type IntercomCallOptions, type IntercomClient } from '../intercom/intercom-client.js';
import { submissionReference } from '../intercom/submission-reference.js';
import type { LeadSubmission } from '../guards/lead-request.js';
import { verificationSecrets } from '../guards/lead-token.js';
import type { ProxyDeps, RequestTrace } from '../options.js';
import { backoffDelay, sleep, type RetryPolicy } from '../retry-policy.js';
import type { Progress } from './idempotency.js';
import { deferred, type Deferred } from './upstream-failure.js';

const SUBMISSION_ATTRIBUTE = DATA_ATTRIBUTES[0].name; // leadrelay_submission_id, holding submissionReference(secret, id)

/** Collects Intercom request ids for the request log. */
type Trace = { intercomRequestIds: string[] };

/** Intercom refused the request before acting on it: creating again cannot duplicate. */
function surelyNotCommitted(error: unknown): boolean {
  if (!(error instanceof IntercomError)) return false;
  if (error.kind === 'network') return error.notSent;
  return error.kind === 'http' && error.status >= 400 && error.status < 500;
}

/** How one step ended: its id, or why not. */
export type StepResult = { kind: 'done'; id: string } | Deferred;

/** The bound of one step's waits: the delivery's deadline, and the signal that ends a wait at once. */
export interface StepBudget {
  /** Epoch ms: no recovery poll may end after this. */
  deadline: number;
  /** Ends a wait between polls at once, rejecting with the signal's reason (a stopping drain loop). */
  signal?: AbortSignal;
}

/**
 * How a step shares writes with its neighbours: `carry` is saved with this step's start marker (the result of the
 * step before); `recordLater` leaves this step's result to the next step's start (one store write fewer per lead).
 * Safe: until that write lands, this step's own pending marker stands, and recovery finds what it created.
 */
export interface StepWrites {
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
 * attempt (pending marker set), find what it created before creating again (recover). One creating call at most
 * per pass: any failure is the pass's result, retried by deliverLead or the queue.
 */
export async function settleStep(
  deps: ProxyDeps,
  progress: Progress,
  step: string,
  create: () => Promise<string>,
  find: () => Promise<string | undefined>,
  budget: StepBudget,
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

interface RecoveryWindow extends StepBudget {
  /** When the ambiguous attempt was last known to be in flight (epoch ms). */
  unsureSince: number;
  /** How long search may lag behind a commit (the `recoveryLagMs` option). */
  lagMs: number;
}

/**
 * Poll `find` until it answers an id (the earlier attempt did commit), or until a search *issued* after
 * unsureSince + lagMs finds nothing (`absent`: safe to create again). Deferred (`recovering`, at the moment it
 * would be safe) when the deadline comes first.
 */
async function recover(
  find: () => Promise<string | undefined>,
  window: RecoveryWindow,
): Promise<{ kind: 'found'; id: string } | { kind: 'absent' } | Deferred> {
  const safeAt = window.unsureSince + window.lagMs;
  // Often at first (the commit may show any moment), then less, at most every second.
  const polling: RetryPolicy = { initialMs: Math.max(10, Math.min(250, window.lagMs / 8)), coefficient: 2, maxMs: 1000 };
  for (let poll = 0; ; poll += 1) {
    const issuedAt = Date.now();
    const id = await find();
    if (id) return { kind: 'found', id };
    if (issuedAt >= safeAt) return { kind: 'absent' };
    const next = Math.min(Date.now() + backoffDelay(polling, poll), safeAt);
    if (next > window.deadline) return deferred('recovering', safeAt);
    await sleep(Math.max(0, next - Date.now()), window.signal);
  }
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
 * The contact step: the lead created for this submission, once. After an ambiguous POST /contacts it is looked for
 * by its submission reference first. Recorded with the next step's start (recordLater: one store write fewer).
 */
export function settleContact(
  deps: ProxyDeps,
  submission: LeadSubmission,
  submissionId: string,
  progress: Progress,
  trace: RequestTrace,
  budget: StepBudget,
  call: IntercomCallOptions,
): Promise<StepResult> {
  const { intercom, options } = deps;
  return settleStep(
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
}

/**
 * The lead created for `submissionId`, by its leadrelay_submission_id custom attribute (oldest first). That
 * attribute holds the id's one-way reference under the secret of its day (LEADRELAY_SECRET, or one it replaced:
 * pass verificationSecrets), never the id itself.
 */
export async function findLeadBySubmission(
  intercom: IntercomClient,
  secrets: string | readonly string[],
  submissionId: string,
  trace?: Trace,
): Promise<string | undefined> {
  const references = (typeof secrets === 'string' ? [secrets] : secrets).map((secret) => ({
    field: `custom_attributes.${SUBMISSION_ATTRIBUTE}`,
    operator: '=',
    value: submissionReference(secret, submissionId),
  }));
  const found = await intercom.request<{ data?: { id?: unknown; created_at?: number }[] }>(
    'POST',
    '/contacts/search',
    {
      query: {
        operator: 'AND',
        value: [
          references.length === 1 ? references[0] : { operator: 'OR', value: references },
          { field: 'role', operator: '=', value: 'lead' },
        ],
      },
      pagination: { per_page: 5 },
    },
    { retry: 'idempotent', trace },
  );
  const ids = (found?.data ?? []).filter((contact) => typeof contact.id === 'string');
  ids.sort((a, b) => (a.created_at ?? 0) - (b.created_at ?? 0));
  return ids[0]?.id as string | undefined;
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
 * The conversation step: started once from `contactId`. After an ambiguous POST /conversations, the conversation
 * that lead started is looked for first; `prior` are the conversations a lead adopted through its token had before.
 * A contact created just now is recorded with this step's start marker, in the same write.
 */
export function settleConversation(
  deps: ProxyDeps,
  submission: LeadSubmission,
  contactId: string,
  prior: readonly string[],
  progress: Progress,
  trace: RequestTrace,
  budget: StepBudget,
  call: IntercomCallOptions,
): Promise<StepResult> {
  const { intercom } = deps;
  const carry: Record<string, string> = progress.steps.contactId === contactId ? {} : { contactId };
  return settleStep(
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
}

/** Ids of the conversations this contact started (Intercom's conversation search, which lags like contact search). */
export async function conversationsStartedBy(intercom: IntercomClient, contactId: string, trace?: Trace): Promise<string[]> {
  const found = await intercom.request<{ conversations?: { id?: unknown }[] }>(
    'POST',
    '/conversations/search',
    {
      query: {
        operator: 'AND',
        value: [
          { field: 'contact_ids', operator: '=', value: contactId },
          { field: 'source.author.id', operator: '=', value: contactId },
        ],
      },
      pagination: { per_page: 150 },
    },
    { retry: 'idempotent', trace },
  );
  return (found?.conversations ?? []).flatMap((conversation) => (conversation.id === undefined ? [] : [String(conversation.id)]));
}

/**
 * The conversation `contactId` started. The lead was created for this one submission a moment ago and is not
 * handed out before its conversation exists, so any conversation it authored is the one an earlier attempt made.
 * A lead reused through a lead token already has conversations: pass them as `exclude`.
 */
export async function findConversationStartedBy(
  intercom: IntercomClient,
  contactId: string,
  trace?: Trace,
  exclude: readonly string[] = [],
): Promise<string | undefined> {
  return (await conversationsStartedBy(intercom, contactId, trace)).find((id) => !exclude.includes(id));
}
