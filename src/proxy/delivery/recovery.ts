// Recovery after an ambiguous failure: find what an earlier attempt may have created before creating it again.
//
// Intercom has no idempotency keys. When POST /contacts or POST /conversations fails after it was sent (a 5xx,
// a timeout, a dropped connection), the object may exist. Search is the only way to know, and search lags: a
// missing result only proves "not created" once the search has run longer than the index lag after the attempt.
// So a step is created again only when the earlier attempt surely did not commit (Intercom refused it: 4xx, 429;
// or the connection failed before a byte was sent: EMFILE, ENOTFOUND, ECONNREFUSED…) or when a search issued at
// least `recoveryLagMs` after the attempt still finds nothing.
import { DATA_ATTRIBUTES } from '../intercom/data-attributes.js';
import { IntercomError, type IntercomClient } from '../intercom/intercom-client.js';
import { submissionReference } from '../intercom/submission-reference.js';
import { backoffDelay, sleep, type RetryPolicy } from '../retry-policy.js';

const SUBMISSION_ATTRIBUTE = DATA_ATTRIBUTES[0].name; // leadrelay_submission_id, holding submissionReference(secret, id)

/** Intercom refused the request before acting on it: creating again cannot duplicate. */
export function surelyNotCommitted(error: unknown): boolean {
  if (!(error instanceof IntercomError)) return false;
  if (error.kind === 'network') return error.notSent;
  return error.kind === 'http' && error.status >= 400 && error.status < 500;
}

/** Why a delivery cannot finish now. */
export type DeferReason = 'rate_limited' | 'recovering' | 'upstream_unavailable' | 'data_attribute_missing' | 'data_attribute_clash';

/** A step (or the whole delivery) cannot be settled yet: try again at `retryAt` (epoch ms), inline when soon, else from the queue. */
export interface Deferred {
  kind: 'deferred';
  reason: DeferReason;
  retryAt: number;
}

export const deferred = (reason: DeferReason, retryAt: number): Deferred => ({ kind: 'deferred', reason, retryAt });

type Trace = { intercomRequestIds: string[] };

/**
 * The lead created for `submissionId`, by its leadrelay_submission_id custom attribute (oldest first). That
 * attribute holds the id's one-way reference under the secret of its day (LEADRELAY_SECRET, or one it replaced:
 * pass verificationSecrets), never the id itself.
 */
export async function findLeadBySubmission(intercom: IntercomClient, secrets: string | readonly string[], submissionId: string, trace?: Trace): Promise<string | undefined> {
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
 * The conversation `contactId` started. The lead was created for this one submission a moment ago and is not
 * handed out before its conversation exists, so any conversation it authored is the one an earlier attempt made.
 * A lead reused through a lead token already has conversations: pass them as `exclude`.
 */
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

export async function findConversationStartedBy(
  intercom: IntercomClient,
  contactId: string,
  trace?: Trace,
  exclude: readonly string[] = [],
): Promise<string | undefined> {
  return (await conversationsStartedBy(intercom, contactId, trace)).find((id) => !exclude.includes(id));
}

export interface RecoveryWindow {
  /** When the ambiguous attempt was last known to be in flight (epoch ms). */
  unsureSince: number;
  /** How long search may lag behind a commit (the `recoveryLagMs` option). */
  lagMs: number;
  /** Stop polling here (epoch ms) and defer the rest to the queue. */
  deadline: number;
  /** Ends a wait between polls at once, rejecting with the signal's reason (a stopping drain loop). */
  signal?: AbortSignal;
}

/**
 * Poll `find` until it answers an id (the earlier attempt did commit), or until a search *issued* after
 * unsureSince + lagMs finds nothing (`absent`: safe to create again). Deferred (`recovering`, at the moment it
 * would be safe) when the deadline comes first.
 */
export async function recover(
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
