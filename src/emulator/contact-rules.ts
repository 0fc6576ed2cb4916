// Intercom's rules for contacts: who may carry which identifiers, when a create conflicts, how a merge moves data.
import { IntercomApiError, invalidParameter } from './errors.js';
import { nowSeconds, type ContactRecord, type EmulatorState } from './state.js';

export interface ContactFields {
  role: 'user' | 'lead';
  external_id?: string | null;
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  avatar?: string | null;
  owner_id?: string | null;
  unsubscribed_from_emails?: boolean | null;
  email_verified?: boolean | null;
  signed_up_at?: number | null;
  last_seen_at?: number | null;
  custom_attributes?: Record<string, unknown>;
}

const sameEmail = (a: string | null, b: string | null) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/**
 * The existing user a new or changed user would collide with: same `external_id`, or same email unless both
 * carry different `external_id`s (API-NOTES §4.2). Leads never collide: several leads may share an email.
 */
export function findConflict(state: EmulatorState, candidate: Pick<ContactRecord, 'role' | 'email' | 'external_id'>, selfId?: string) {
  if (candidate.role !== 'user') return undefined;
  return state.liveContacts().find((other) => {
    if (other.id === selfId || other.role !== 'user') return false;
    if (candidate.external_id && other.external_id === candidate.external_id) return true;
    if (!sameEmail(candidate.email, other.email)) return false;
    return !(candidate.external_id && other.external_id && candidate.external_id !== other.external_id);
  });
}

export function conflictError(existing: ContactRecord): IntercomApiError {
  return new IntercomApiError(409, 'conflict', `A contact matching those details already exists with id=${existing.id}`);
}

/** Leads cannot be given an external_id (Intercom help "Create new leads and users"). */
export function assertLeadHasNoExternalId(role: 'user' | 'lead', externalId: string | null | undefined): void {
  if (role === 'lead' && externalId) {
    throw invalidParameter('external_id', 'Leads cannot have an external_id; only users can');
  }
}

export function createContactRecord(state: EmulatorState, fields: ContactFields): ContactRecord {
  assertLeadHasNoExternalId(fields.role, fields.external_id);
  const candidate = { role: fields.role, email: fields.email ?? null, external_id: fields.external_id ?? null };
  const existing = findConflict(state, candidate);
  if (existing) throw conflictError(existing);
  const at = nowSeconds();
  const contact: ContactRecord = {
    id: state.newObjectId(),
    role: fields.role,
    external_id: fields.external_id ?? null,
    email: fields.email ?? null,
    phone: fields.phone ?? null,
    name: fields.name ?? null,
    // A lead's avatar is accepted but not kept: only users show one.
    avatar: fields.role === 'user' ? (fields.avatar ?? null) : null,
    owner_id: fields.owner_id ?? null,
    unsubscribed_from_emails: fields.unsubscribed_from_emails ?? false,
    email_verified: fields.email_verified ?? null,
    signed_up_at: fields.signed_up_at ?? null,
    last_seen_at: fields.last_seen_at ?? null,
    last_replied_at: null,
    custom_attributes: { ...(fields.custom_attributes ?? {}) },
    created_at: at,
    updated_at: at,
    seq: state.nextSeq(),
    searchableAt: Date.now() + state.config.searchLagMs,
  };
  state.contacts.set(contact.id, contact);
  return contact;
}

/** The contact a merged-away id now answers for, following at most 3 hops as Intercom does. */
export function canonicalContact(state: EmulatorState, contact: ContactRecord): ContactRecord | undefined {
  let current: ContactRecord | undefined = contact;
  for (let hop = 0; hop < 3 && current?.mergedInto; hop++) current = state.contacts.get(current.mergedInto);
  return current && !current.mergedInto ? current : undefined;
}

/** Merges a lead into a user: the user gains what it lacks, the lead's conversations move to it, the lead id dies. */
export function mergeLeadIntoUser(state: EmulatorState, lead: ContactRecord, user: ContactRecord): ContactRecord {
  for (const field of ['email', 'phone', 'name'] as const) {
    if (!user[field] && lead[field]) user[field] = lead[field];
  }
  for (const [name, value] of Object.entries(lead.custom_attributes)) {
    if (user.custom_attributes[name] === undefined || user.custom_attributes[name] === null) user.custom_attributes[name] = value;
  }
  if (user.last_replied_at === null) user.last_replied_at = lead.last_replied_at;
  // "Any information associated with the lead will be transferred over to the user profile": its companies too.
  if (lead.companyIds?.length) user.companyIds = [...new Set([...(user.companyIds ?? []), ...lead.companyIds])];
  for (const conversation of state.conversations.values()) {
    if (!conversation.contactIds.includes(lead.id)) continue;
    conversation.contactIds = [...new Set(conversation.contactIds.map((id) => (id === lead.id ? user.id : id)))];
    if (conversation.source.authorId === lead.id) conversation.source = { ...conversation.source, authorId: user.id, authorType: 'user' };
    for (const part of conversation.parts) if (part.author.id === lead.id) part.author = { type: 'user', id: user.id };
  }
  lead.mergedInto = user.id;
  user.updated_at = nowSeconds();
  return user;
}

/** Contacts are duplicates when they share an email or a phone (the 2.16 merge check). */
export function areDuplicates(a: ContactRecord, b: ContactRecord): boolean {
  return sameEmail(a.email, b.email) || (!!a.phone && a.phone === b.phone);
}
