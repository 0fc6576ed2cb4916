// Contact routes: create, fetch, update, delete, find by external id, merge.
import { contactReference, contactView } from './contact-view.js';
import {
  areDuplicates,
  assertLeadHasNoExternalId,
  canonicalContact,
  conflictError,
  createContactRecord,
  findConflict,
  mergeLeadIntoUser,
  type ContactFields,
} from './contact-rules.js';
import { bodyObject, optionalBoolean, optionalInteger, optionalString, pathParam, type EmulatorApp, type EmulatorContext } from './context.js';
import { checkCustomAttributes } from './data-attributes.js';
import { IntercomApiError, invalidParameter, missingParameter, notFound } from './errors.js';
import { nowSeconds, type ContactRecord } from './state.js';

function readRole(body: Record<string, unknown>): 'user' | 'lead' | undefined {
  const role = body.role;
  if (role === undefined || role === null) return undefined;
  if (role !== 'user' && role !== 'lead') throw invalidParameter('role', 'role must be user or lead');
  return role;
}

/** owner_id is an integer up to 2.15 and a string from 2.16; stored as a string either way. */
function readOwnerId(c: EmulatorContext, body: Record<string, unknown>): string | null | undefined {
  if (c.get('version') === '2.16') return optionalString(body, 'owner_id');
  const owner = optionalInteger(body, 'owner_id');
  return owner === undefined || owner === null ? owner : String(owner);
}

/** The writable fields shared by create and update, type-checked. */
function readContactFields(c: EmulatorContext, body: Record<string, unknown>): Omit<ContactFields, 'role'> {
  const fields: Omit<ContactFields, 'role'> = {
    external_id: optionalString(body, 'external_id', false),
    email: optionalString(body, 'email', false),
    phone: optionalString(body, 'phone'),
    name: optionalString(body, 'name'),
    avatar: optionalString(body, 'avatar'),
    owner_id: readOwnerId(c, body),
    unsubscribed_from_emails: optionalBoolean(body, 'unsubscribed_from_emails'),
    signed_up_at: optionalInteger(body, 'signed_up_at'),
    last_seen_at: optionalInteger(body, 'last_seen_at'),
    custom_attributes: checkCustomAttributes(c.get('state'), body.custom_attributes),
  };
  if (c.get('version') === '2.16') {
    fields.email_verified = optionalBoolean(body, 'email_verified');
    if (fields.email_verified !== undefined && fields.email === undefined) {
      throw invalidParameter('email_verified', 'email_verified must be sent together with email');
    }
  }
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Omit<ContactFields, 'role'>;
}

/**
 * The contact behind an id in a path. A merged-away lead answers 404 on 2.14 and, on 2.16,
 * 410 `contact_merged` with a `Link` to the canonical contact (API-NOTES §4.3).
 */
export function contactForPath(c: EmulatorContext, id: string, { gone410 = false } = {}): ContactRecord {
  const state = c.get('state');
  const contact = state.contacts.get(id);
  if (!contact) throw notFound('User Not Found');
  if (contact.mergedInto) {
    const canonical = canonicalContact(state, contact);
    if (gone410 && c.get('version') === '2.16' && canonical) {
      throw new IntercomApiError(
        410,
        'contact_merged',
        "This contact has been merged. See the 'Link' header for the canonical contact.",
        undefined,
        { Link: `</contacts/${canonical.id}>; rel="canonical"` },
      );
    }
    throw notFound('User Not Found');
  }
  return contact;
}

function createContact(c: EmulatorContext) {
  const body = bodyObject(c);
  const role = readRole(body);
  if (role === undefined && body.email === undefined && body.external_id === undefined) {
    throw new IntercomApiError(400, 'parameter_not_found', 'One of email, external_id or role is required');
  }
  // Omitting `role` creates a user (the spec's own example).
  const contact = createContactRecord(c.get('state'), { role: role ?? 'user', ...readContactFields(c, body) });
  return c.json(contactView(contact, c.get('version')));
}

function updateContact(c: EmulatorContext) {
  const state = c.get('state');
  const contact = contactForPath(c, pathParam(c, 'id'));
  const body = bodyObject(c);
  const role = readRole(body) ?? contact.role;
  if (contact.role === 'user' && role === 'lead') throw invalidParameter('role', 'A user cannot be turned back into a lead');
  const fields = readContactFields(c, body);
  assertLeadHasNoExternalId(role, fields.external_id ?? contact.external_id);
  const candidate = {
    role,
    email: fields.email !== undefined ? fields.email : contact.email,
    external_id: fields.external_id !== undefined ? fields.external_id : contact.external_id,
  };
  const existing = findConflict(state, candidate, contact.id);
  if (existing) throw conflictError(existing);
  const { custom_attributes: customAttributes, avatar, ...plain } = fields;
  Object.assign(contact, plain, { role });
  if (customAttributes) contact.custom_attributes = { ...contact.custom_attributes, ...customAttributes };
  if (avatar !== undefined && role === 'user') contact.avatar = avatar;
  contact.updated_at = nowSeconds();
  return c.json(contactView(contact, c.get('version')));
}

function mergeContacts(c: EmulatorContext) {
  const state = c.get('state');
  const body = bodyObject(c);
  if (typeof body.from !== 'string' || body.from === '') throw missingParameter('from');
  if (typeof body.into !== 'string' || body.into === '') throw missingParameter('into');
  const lead = contactForPath(c, body.from);
  const user = contactForPath(c, body.into);
  if (lead.role !== 'lead' || user.role !== 'user' || lead.id === user.id) {
    throw new IntercomApiError(400, 'invalid_merge', 'Merging can only be performed on a lead into a user');
  }
  if (c.get('version') === '2.16' && body.skip_duplicate_validation !== true && !areDuplicates(lead, user)) {
    throw new IntercomApiError(
      400,
      'invalid_merge',
      'Contacts can only be merged when they are duplicates (matching email or phone). Pass skip_duplicate_validation=true to override this check.',
    );
  }
  return c.json(contactView(mergeLeadIntoUser(state, lead, user), c.get('version')));
}

export function registerContactRoutes(app: EmulatorApp): void {
  app.post('/contacts', createContact);
  app.post('/contacts/merge', mergeContacts);
  app.get('/contacts/find_by_external_id/:externalId', (c) => {
    const externalId = c.req.param('externalId');
    // Users only: leads cannot carry an external_id.
    const user = c.get('state').liveContacts().find((contact) => contact.role === 'user' && contact.external_id === externalId);
    if (!user) throw notFound('User Not Found');
    return c.json(contactView(user, c.get('version')));
  });
  app.get('/contacts/:id', (c) => c.json(contactView(contactForPath(c, pathParam(c, 'id'), { gone410: true }), c.get('version'))));
  app.put('/contacts/:id', updateContact);
  app.delete('/contacts/:id', (c) => {
    const contact = contactForPath(c, pathParam(c, 'id'));
    c.get('state').contacts.delete(contact.id);
    return c.json({ ...contactReference(contact), deleted: true });
  });
}
