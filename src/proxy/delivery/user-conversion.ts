// The Intercom side of sign-in: find or create the verified user, merge the lead into them, convert a Messenger
// visitor, apply a deferred avatar. API-NOTES §4.7, §6, §9.5.
import type { ConvertResponse } from '../../protocol/wire.js';
import type { UpstreamFailure } from '../errors.js';
import { normaliseEmail, type VerifiedUser } from '../guards/identity.js';
import type { Progress } from './idempotency.js';
import { IntercomError, type IntercomClient } from '../intercom/intercom-client.js';
import type { LeadTokenClaims } from '../guards/lead-token.js';

/** The fields of an Intercom contact this flow reads. */
interface ContactSummary {
  id: string;
  role?: string;
  email?: string | null;
  phone?: string | null;
  external_id?: string | null;
}

export interface ConversionContext {
  intercom: IntercomClient;
  trace: { intercomRequestIds: string[] };
}

/**
 * Why a conversion was refused, for the route to answer: `identity_conflict` (Intercom has a user this identity
 * collides with but is not provably; nothing is merged or converted), `lead_already_converted` (the lead belongs to
 * another user), `visitor_not_found` (no Messenger visitor with that id).
 */
export type ConversionRefusal = 'identity_conflict' | 'lead_already_converted' | 'visitor_not_found';
type Refused = { kind: 'refused'; reason: ConversionRefusal };
const refused = (reason: ConversionRefusal): Refused => ({ kind: 'refused', reason });
const isRefused = (value: unknown): value is Refused => (value as { kind?: unknown }).kind === 'refused';

/** How a conversion ended: converted (or merged), refused, or an Intercom failure for the route to answer. */
export type ConversionResult = { kind: 'converted'; body: ConvertResponse } | Refused | { kind: 'failed'; failure: UpstreamFailure };

/** An Intercom failure as a result; anything else (a bug, a store failure) is thrown on. */
function failed(error: unknown): ConversionResult {
  if (error instanceof IntercomError) return { kind: 'failed', failure: error };
  throw error;
}

/** The step recorded once this flow created the user, so a resumed attempt still answers `created`. */
const CREATED_USER_STEP = 'createdUserId';

function isHttpStatus(error: unknown, ...statuses: number[]): error is IntercomError {
  return error instanceof IntercomError && error.kind === 'http' && statuses.includes(error.status);
}

function sameEmail(a: string | null | undefined, b: string | null | undefined): boolean {
  return !!a && !!b && normaliseEmail(a) === normaliseEmail(b);
}

/** 2.16 refuses to merge contacts that share neither email nor phone unless told to skip the check (API-NOTES §4.7). */
function mergeChecksDuplicates(version: string): boolean {
  const match = /^(\d+)\.(\d+)$/.exec(version);
  if (!match) return true; // Preview and later named versions behave like the newest numbered one.
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 2 || (major === 2 && minor >= 16);
}

/** A contact by id, or undefined when it is gone (404 everywhere, 410 for a merged-away contact on 2.16). */
async function fetchContact(ctx: ConversionContext, id: string): Promise<ContactSummary | undefined> {
  try {
    return await ctx.intercom.request<ContactSummary>('GET', `/contacts/${encodeURIComponent(id)}`, undefined, {
      retry: 'idempotent',
      trace: ctx.trace,
    });
  } catch (error) {
    if (isHttpStatus(error, 404, 410)) return undefined;
    throw error;
  }
}

/**
 * Whether `contact` is the verified user. An email Intercom holds is never proof on its own: a merge leaves a lead's
 * typed, unverified email on a user that had none. So a contact with an external id is this user only by that id
 * (for a user verified by email alone, the id the proxy gave them: emailUserExternalId); a verified email matches
 * only a user without an external id, whose email is its one identifier (Intercom needs a user to have one, and a
 * merge only fills what is missing, so it cannot have come from a lead).
 */
export function isVerifiedUser(contact: ContactSummary, user: VerifiedUser): boolean {
  if (contact.role !== 'user') return false;
  if (contact.external_id) {
    if (user.userId) return contact.external_id === user.userId;
    return !!user.emailUserId && contact.external_id === user.emailUserId;
  }
  return sameEmail(contact.email, user.email);
}

/** The external id to look a verified user up by: theirs, or the one the proxy gave a user verified by email alone. */
function externalIdOf(user: VerifiedUser): string | undefined {
  return user.userId ?? (user.email ? user.emailUserId : undefined);
}

/**
 * The verified user's contact: by external id, else by verified email among users. Only a verified email reaches
 * here (identity.ts drops an email a hash over the user id did not cover), so an unverified email never merges.
 */
export async function findUser(ctx: ConversionContext, user: VerifiedUser): Promise<ContactSummary | undefined> {
  const externalId = externalIdOf(user);
  if (externalId) {
    try {
      const contact = await ctx.intercom.request<ContactSummary>(
        'GET',
        `/contacts/find_by_external_id/${encodeURIComponent(externalId)}`,
        undefined,
        { retry: 'idempotent', trace: ctx.trace },
      );
      if (contact?.id && contact.role === 'user') return contact;
    } catch (error) {
      if (!isHttpStatus(error, 404)) throw error;
    }
  }
  if (!user.email) return undefined;
  // A search only reads, so retrying it is safe. A user created moments ago may be missing (index lag): the create
  // below then answers 409 with its id.
  const list = await ctx.intercom.request<{ data?: ContactSummary[] }>(
    'POST',
    '/contacts/search',
    {
      query: {
        operator: 'AND',
        value: [
          { field: 'email', operator: '=', value: user.email },
          { field: 'role', operator: '=', value: 'user' },
        ],
      },
    },
    { retry: 'idempotent', trace: ctx.trace },
  );
  return list?.data?.find((contact) => isVerifiedUser(contact, user));
}

/**
 * Create the verified user; a 409 means they exist already (a race, or search lag), and names their id. A user
 * verified by email alone whose email another user (one with an external id) holds gets a user of their own under
 * the proxy's external id for them: that other user's email proves nothing (a merge may have planted it), so the
 * verified owner is neither merged into it nor left unable to sign in.
 */
async function createUser(ctx: ConversionContext, user: VerifiedUser): Promise<{ contact: ContactSummary; created: boolean } | Refused> {
  const body: Record<string, string> = { role: 'user' };
  if (user.userId) body.external_id = user.userId;
  if (user.email) body.email = user.email;
  const first = await postUser(ctx, user, body);
  if (first !== 'conflict') return first;
  if (user.userId || !user.email || !user.emailUserId) return refused('identity_conflict');
  const second = await postUser(ctx, user, { ...body, external_id: user.emailUserId });
  return second === 'conflict' ? refused('identity_conflict') : second;
}

/** The user created (or found after a 409 that names the verified user); `conflict` when the 409 names someone else. */
async function postUser(
  ctx: ConversionContext,
  user: VerifiedUser,
  body: Record<string, string>,
): Promise<{ contact: ContactSummary; created: boolean } | 'conflict'> {
  try {
    const contact = await ctx.intercom.request<ContactSummary>('POST', '/contacts', body, { retry: 'create', trace: ctx.trace });
    if (typeof contact?.id !== 'string') throw new IntercomError('http', 502, 'malformed_contact', undefined);
    return { contact, created: true };
  } catch (error) {
    if (!isHttpStatus(error, 409) || !error.existingId) throw error;
    const existing = await fetchContact(ctx, error.existingId);
    if (!existing) throw error;
    // A race or search lag names the verified user; anything else is someone else's account, never merged into.
    if (!isVerifiedUser(existing, user)) return 'conflict';
    return { contact: existing, created: false };
  }
}

/** The verified user's contact, created when Intercom has none. */
async function findOrCreateUser(ctx: ConversionContext, user: VerifiedUser): Promise<ContactSummary | Refused> {
  const found = await findUser(ctx, user);
  if (found) return found;
  const made = await createUser(ctx, user);
  return isRefused(made) ? made : made.contact;
}

/**
 * The answer for a lead that is already gone (merged by an earlier /convert whose answer was lost, or by another
 * proxy instance). The lead's conversation moved with it, so its contact is the user the lead went to, on 2.14 and
 * 2.16 alike; that user must be the verified one, or the caller learns nothing about someone else's account.
 */
async function answerForMergedLead(ctx: ConversionContext, claims: LeadTokenClaims, user: VerifiedUser): Promise<ConversionResult> {
  if (claims.conversationId) {
    const conversation = await ctx.intercom
      .request<{ contacts?: { contacts?: { id?: string }[] } }>(
        'GET',
        `/conversations/${encodeURIComponent(claims.conversationId)}`,
        undefined,
        { retry: 'idempotent', trace: ctx.trace },
      )
      .catch((error: unknown) => {
        if (isHttpStatus(error, 404)) return undefined;
        throw error;
      });
    const ownerId = conversation?.contacts?.contacts?.[0]?.id;
    const owner = ownerId ? await fetchContact(ctx, ownerId) : undefined;
    if (owner && isVerifiedUser(owner, user)) return { kind: 'converted', body: { status: 'merged', contactId: owner.id } };
    return refused('lead_already_converted');
  }
  // A token without a conversation (a queued submission): nothing shows where the lead went; the verified user's own
  // contact is the best answer, and it tells the caller only about themselves.
  const found = await findUser(ctx, user);
  if (found) return { kind: 'converted', body: { status: 'merged', contactId: found.id } };
  return refused('lead_already_converted');
}

/** Merge the token's lead into the verified user (found, or created first). Safe to run again after any failure. */
export async function mergeLeadIntoVerifiedUser(
  ctx: ConversionContext,
  claims: LeadTokenClaims,
  user: VerifiedUser,
  progress: Progress,
): Promise<ConversionResult> {
  return mergeLead(ctx, claims, user, progress).catch(failed);
}

async function mergeLead(ctx: ConversionContext, claims: LeadTokenClaims, user: VerifiedUser, progress: Progress): Promise<ConversionResult> {
  const lead = await fetchContact(ctx, claims.contactId);
  if (!lead) return answerForMergedLead(ctx, claims, user);
  if (lead.role !== 'lead') {
    // Already a user (turned into one outside LeadRelay): nothing to merge, as long as it is this user.
    if (isVerifiedUser(lead, user)) return { kind: 'converted', body: { status: 'merged', contactId: lead.id } };
    return refused('lead_already_converted');
  }

  let target = await findUser(ctx, user);
  if (!target) {
    const made = await createUser(ctx, user);
    if (isRefused(made)) return made;
    target = made.contact;
    if (made.created) await progress.finish(CREATED_USER_STEP, target.id);
  }
  const status = progress.steps[CREATED_USER_STEP] === target.id ? 'created' : 'merged';

  const body: Record<string, unknown> = { from: lead.id, into: target.id };
  const duplicates = sameEmail(lead.email, target.email) || (!!lead.phone && lead.phone === target.phone);
  if (mergeChecksDuplicates(ctx.intercom.version) && !duplicates) body.skip_duplicate_validation = true;
  try {
    // Retrying a merge is safe: if the first attempt went through, the retry answers 404 and is handled below.
    await ctx.intercom.request('POST', '/contacts/merge', body, { retry: 'idempotent', trace: ctx.trace });
  } catch (error) {
    if (isHttpStatus(error, 404, 410)) return answerForMergedLead(ctx, claims, user);
    throw error;
  }
  return { kind: 'converted', body: { status, contactId: target.id } };
}

/**
 * Convert a Messenger visitor into the verified user. `userContactId` is the user a lead was just merged into, when
 * there was one. A visitor already converted (404) answers with the verified user, as a second conversion should.
 */
export async function convertVisitorIntoUser(
  ctx: ConversionContext,
  visitorId: string,
  user: VerifiedUser,
  userContactId?: string,
): Promise<ConversionResult> {
  return convertVisitor(ctx, visitorId, user, userContactId).catch(failed);
}

async function convertVisitor(ctx: ConversionContext, visitorId: string, user: VerifiedUser, userContactId?: string): Promise<ConversionResult> {
  let target: Record<string, string>;
  if (userContactId) target = { id: userContactId };
  // By user id only, never with the email beside it: Intercom might take a user holding that email (possibly an
  // unverified one a merge left there) for the target.
  else if (user.userId) target = { user_id: user.userId };
  else {
    const found = await findOrCreateUser(ctx, user);
    if (isRefused(found)) return found;
    target = { id: found.id };
  }
  try {
    const contact = await ctx.intercom.request<ContactSummary>(
      'POST',
      '/visitors/convert',
      // Always the cookie's user_id, never Intercom's public visitor id (convert.ts refuses that shape).
      { type: 'user', visitor: { user_id: visitorId }, user: target },
      // Retrying is safe: once converted, the visitor answers 404, handled below.
      { retry: 'idempotent', trace: ctx.trace },
    );
    if (typeof contact?.id !== 'string') throw new IntercomError('http', 502, 'malformed_contact', undefined);
    return { kind: 'converted', body: { status: 'converted', contactId: contact.id } };
  } catch (error) {
    if (!isHttpStatus(error, 404)) throw error;
  }
  const existing = userContactId ? { id: userContactId } : await findUser(ctx, user);
  if (existing) return { kind: 'converted', body: { status: 'converted', contactId: existing.id } };
  return refused('visitor_not_found');
}

/** Leads cannot show an avatar (API-NOTES §4.2): it is set on the user once the lead has become one. */
export async function applyAvatar(ctx: ConversionContext, userContactId: string, avatar: string): Promise<void> {
  await ctx.intercom.request('PUT', `/contacts/${encodeURIComponent(userContactId)}`, { avatar }, {
    retry: 'idempotent',
    trace: ctx.trace,
  });
}
