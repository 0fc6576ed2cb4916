// resolveLeadToken: a lead token's contact and conversation, also for a token handed out while the lead was queued.
import { sleep } from '../retry-policy.js';
import { randomId } from '../web-crypto.js';
import { IntercomError } from '../intercom/intercom-client.js';
import { InvalidLeadTokenError, PendingLeadTokenError, verificationSecrets, verifyLeadToken, type LeadTokenClaims } from '../guards/lead-token.js';
import type { ProxyDeps, RequestTrace } from '../options.js';
import { conversationsStartedBy, findConversationStartedBy, findLeadBySubmission } from './lead-steps.js';

/** The store key of a submission's idempotency record (its steps name the contact and conversation once delivered). */
export const leadRecordKey = (submissionId: string) => `leads:${submissionId}`;

/** How often a waiting request re-reads the record (the store only: waiting never calls Intercom). */
const POLL_MS = 100;
/**
 * How long a lookup in Intercom that found nothing is remembered, per submission: no request for that submission
 * searches again before then. Longer than Intercom's index lag (minutes), so a miss is not just lag.
 */
export const LOOKUP_MISS_TTL_MS = 10 * 60_000;
/**
 * Lookups in Intercom per minute for all clients together (each is a contact search, then a conversation search). Past it, a request
 * answers 503 lead_pending without searching: stale tokens, from however many addresses, never spend more of
 * Intercom's budget than this.
 */
export const LOOKUPS_PER_MINUTE = 60;
export type ResolvedLead = { contactId: string; conversationId: string };

const lookupKey = (submissionId: string) => `lead-lookup:${submissionId}`;

/**
 * Where a submission whose record is gone (expired, or a memory store restarted) is, from Intercom's search:
 * at most one lookup per submission per LOOKUP_MISS_TTL_MS, and LOOKUPS_PER_MINUTE in all. The lookup holds a
 * lease on its store record: a lead found becomes the record's answer (later requests cost nothing), a miss keeps
 * the lease until it runs out (the negative answer, shared by every instance on the store), and a failed search
 * releases it so the next request may try again.
 */
async function lookUpLead(deps: Pick<ProxyDeps, 'store' | 'intercom' | 'options'>, submissionId: string): Promise<ResolvedLead | undefined> {
  const key = lookupKey(submissionId);
  const record = await deps.store.get(key);
  if (record?.answer) return record.answer.body as ResolvedLead;
  if (record?.leaseUntil !== undefined && record.leaseUntil > Date.now()) return undefined;
  if ((await deps.store.hit('lead-lookups', 60_000)).count > LOOKUPS_PER_MINUTE) return undefined;
  const owner = randomId();
  const claim = await deps.store.claim(key, { fingerprint: 'lookup', owner, leaseMs: LOOKUP_MISS_TTL_MS });
  if (claim.outcome === 'done') return claim.record.answer?.body as ResolvedLead | undefined;
  if (claim.outcome !== 'claimed') return undefined;
  let resolved: ResolvedLead | undefined;
  try {
    const lead = await findLeadBySubmission(deps.intercom, verificationSecrets(deps.options), submissionId);
    const conversation = lead && (await findConversationStartedBy(deps.intercom, lead));
    if (lead && conversation) resolved = { contactId: lead, conversationId: conversation };
  } catch {
    await deps.store.release(key, owner).catch(() => undefined);
    return undefined;
  }
  if (resolved) await deps.store.complete(key, owner, { status: 200, body: resolved });
  return resolved;
}

/**
 * Where a submission's lead is: from its record's steps once delivered, waiting up to `waitMs` while the record
 * says it is on its way (store reads only); or, when the record is gone, from one lookup in Intercom (lookUpLead).
 * 'pending' when neither tells. A request costs at most one lookup (two searches) here, whatever the token.
 */
export async function resolveLead(deps: Pick<ProxyDeps, 'store' | 'intercom' | 'options'>, submissionId: string, waitMs: number): Promise<ResolvedLead | 'pending'> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const record = await deps.store.get(leadRecordKey(submissionId));
    const { contactId, conversationId } = record?.steps ?? {};
    if (contactId && conversationId) return { contactId, conversationId };
    // Records expire; the lead carries its submission reference, so Intercom can still tell. Nothing will deliver a
    // submission without a record, so there is nothing to wait for.
    if (!record) return (await lookUpLead(deps, submissionId)) ?? 'pending';
    if (Date.now() + POLL_MS > deadline) return 'pending';
    await sleep(POLL_MS);
  }
}

/**
 * Verify a lead token and answer its full claims. A queued submission's token (no contact yet) waits up to
 * `waitMs` for delivery, then answers 'pending'. Invalid tokens throw InvalidLeadTokenError as verifyLeadToken.
 */
export async function resolveLeadToken(
  deps: Pick<ProxyDeps, 'store' | 'intercom' | 'options'>,
  token: unknown,
  waitMs = 10_000,
): Promise<LeadTokenClaims | 'pending'> {
  try {
    return await verifyLeadToken(token, verificationSecrets(deps.options));
  } catch (error) {
    if (!(error instanceof PendingLeadTokenError)) throw error;
    const resolved = await resolveLead(deps, error.claims.submissionId, waitMs);
    if (resolved === 'pending') return 'pending';
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
    const claims = await verifyLeadToken(token, verificationSecrets(deps.options));
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
    // Gone: deleted (404), or merged away into a user (404 up to 2.15; 2.16 answers 410 contact_merged with a Link
    // to the user, which is not this browser's to follow): a new lead. Anything else is transient, retried by the caller.
    if (error instanceof IntercomError && error.kind === 'http' && (error.status === 404 || error.status === 410)) return undefined;
    throw error;
  }
  if (contact?.role !== 'lead') return undefined;
  for (const id of await conversationsStartedBy(deps.intercom, contactId, trace)) {
    if (!known.includes(id)) known.push(id);
  }
  return { contactId, conversationIds: known };
}
