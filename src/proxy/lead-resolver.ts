// resolveLeadToken: a lead token's contact and conversation, also for a token handed out while the lead was queued.
import { setTimeout as sleep } from 'node:timers/promises';
import { ProxyError } from './errors.js';
import { PendingLeadTokenError, verifyLeadToken, type LeadTokenClaims } from './lead-token.js';
import type { ProxyDeps } from './options.js';
import { findConversationStartedBy, findLeadBySubmission } from './recovery.js';

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
