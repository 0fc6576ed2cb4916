// resolveLeadToken: a lead token's contact and conversation, also for a token handed out while the lead was queued.
import { setTimeout as sleep } from 'node:timers/promises';
import { ProxyError } from './errors.js';
import { IntercomError } from './intercom-client.js';
import { InvalidLeadTokenError, PendingLeadTokenError, verifyLeadToken, type LeadTokenClaims } from './lead-token.js';
import type { ProxyDeps, RequestTrace } from './options.js';
import { conversationsStartedBy, findConversationStartedBy, findLeadBySubmission } from './recovery.js';

/** The store key of a submission's idempotency record (its steps name the contact and conversation once delivered). */
export const leadRecordKey = (submissionId: string) => `leads:${submissionId}`;

/** How often a waiting request re-reads the record. */
const POLL_MS = 100;

export type ResolvedLead = { contactId: string; conversationId: string };

/**
 * Where a submission's lead is: from its record's steps, or (record expired) from Intercom's search. 'pending'
 * when it was not delivered within `waitMs`.
 */
export async function resolveLead(deps: Pick<ProxyDeps, 'store' | 'intercom'>, submissionId: string, waitMs: number): Promise<ResolvedLead | 'pending'> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const record = await deps.store.get(leadRecordKey(submissionId));
    const { contactId, conversationId } = record?.steps ?? {};
    if (contactId && conversationId) return { contactId, conversationId };
    if (!record) {
      // Records expire (24 h by default); the lead carries its submission id, so Intercom can still tell.
      const lead = await findLeadBySubmission(deps.intercom, submissionId).catch(() => undefined);
      const conversation = lead && (await findConversationStartedBy(deps.intercom, lead).catch(() => undefined));
      if (lead && conversation) return { contactId: lead, conversationId: conversation };
    }
    if (Date.now() + POLL_MS > deadline) return 'pending';
    await sleep(POLL_MS);
  }
}

/** 503 for a lead still waiting in the delivery queue: the same call works once it is delivered. */
export function leadPending(): ProxyError {
  return new ProxyError(503, 'lead_pending', 'This lead is queued for delivery to Intercom. Try again shortly.', undefined, {
    'retry-after': '5',
  });
}

/**
 * Verify a lead token and answer its full claims. A queued submission's token (no contact yet) waits up to
 * `waitMs` for delivery, then throws 503 lead_pending. Invalid tokens throw InvalidLeadTokenError as verifyLeadToken.
 */
export async function resolveLeadToken(deps: Pick<ProxyDeps, 'store' | 'intercom' | 'options'>, token: unknown, waitMs = 10_000): Promise<LeadTokenClaims> {
  try {
    return await verifyLeadToken(token, deps.options.secret);
  } catch (error) {
    if (!(error instanceof PendingLeadTokenError)) throw error;
    const resolved = await resolveLead(deps, error.claims.submissionId, waitMs);
    if (resolved === 'pending') throw leadPending();
    return { ...error.claims, ...resolved };
  }
}

/**
 * The lead a POST /leads body's `leadToken` names, when it may start the new submission's conversation: the token
 * is ours and unexpired, its submission was delivered, and the contact is still a lead (not merged into a user,
 * not deleted). Answers undefined for any other token: the submission then becomes a new lead, so a stale or
 * forged token never loses a message. `conversationIds` are the lead's conversations so far, so recovery after
 * an ambiguous POST /conversations does not take an old one for the new one.
 */
export async function reusableLead(
  deps: Pick<ProxyDeps, 'store' | 'intercom' | 'options'>,
  token: string,
  trace: RequestTrace,
): Promise<{ contactId: string; conversationIds: string[] } | undefined> {
  let contactId: string;
  const known: string[] = [];
  try {
    const claims = await verifyLeadToken(token, deps.options.secret);
    contactId = claims.contactId;
    if (claims.conversationId) known.push(claims.conversationId);
  } catch (error) {
    if (!(error instanceof PendingLeadTokenError)) {
      if (error instanceof InvalidLeadTokenError) return undefined;
      throw error;
    }
    // A queued submission's token: usable once that submission was delivered; not waited for.
    const resolved = await resolveLead(deps, error.claims.submissionId, 0);
    if (resolved === 'pending') return undefined;
    contactId = resolved.contactId;
    known.push(resolved.conversationId);
  }
  let contact: { role?: unknown } | undefined;
  try {
    contact = await deps.intercom.request<{ role?: unknown }>('GET', `/contacts/${encodeURIComponent(contactId)}`, undefined, {
      retry: 'idempotent',
      trace,
    });
  } catch (error) {
    // Gone (deleted, or merged away into a user): a new lead. Anything else is transient and retried by the caller.
    if (error instanceof IntercomError && error.kind === 'http' && error.status === 404) return undefined;
    throw error;
  }
  if (contact?.role !== 'lead') return undefined;
  for (const id of await conversationsStartedBy(deps.intercom, contactId, trace)) {
    if (!known.includes(id)) known.push(id);
  }
  return { contactId, conversationIds: known };
}
