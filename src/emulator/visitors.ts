// Messenger visitors: fetch by user_id, update, convert into a lead or a user; plus the view the hooks share.
import { contactView } from './contact-view.js';
import { conflictError, createContactRecord, findConflict } from './contact-rules.js';
import { bodyObject, type EmulatorApp } from './context.js';
import { invalidParameter, missingParameter, notFound } from './errors.js';
import { nowSeconds, type EmulatorState, type VisitorRecord } from './state.js';

export function visitorView(visitor: VisitorRecord) {
  const view: Record<string, unknown> = {
    type: 'visitor',
    id: visitor.id,
    user_id: visitor.user_id,
    anonymous: !visitor.email && !visitor.name,
    phone: visitor.phone,
    name: visitor.name,
    pseudonym: `Visitor ${visitor.user_id.slice(0, 8)}`,
    avatar: { type: 'avatar', image_url: null },
    app_id: 'emulator',
    companies: { type: 'company.list', companies: [] },
    location_data: { type: 'location_data' },
    // The schema spells it `las_request_at`; Intercom's answers (and the emulator) say `last_request_at` (API-NOTES §8).
    last_request_at: visitor.updated_at,
    created_at: visitor.created_at,
    remote_created_at: visitor.created_at,
    updated_at: visitor.updated_at,
    session_count: 1,
    social_profiles: { type: 'social_profile.list', social_profiles: [] },
    owner_id: null,
    unsubscribed_from_emails: false,
    marked_email_as_spam: false,
    has_hard_bounced: false,
    tags: { type: 'tag.list', tags: [] },
    segments: { type: 'segment.list', segments: [] },
    custom_attributes: { ...visitor.custom_attributes },
    referrer: null,
    utm_campaign: null,
    utm_content: null,
    utm_medium: null,
    utm_source: null,
    utm_term: null,
    do_not_track: null,
  };
  // `email` is `format: email` and not nullable: an anonymous visitor has none.
  if (visitor.email) view.email = visitor.email;
  return view;
}

/** Creates a Messenger visitor (the `POST /_emulator/visitors` hook). */
export function createVisitor(state: EmulatorState, input: { name?: unknown; email?: unknown }): VisitorRecord {
  const at = nowSeconds();
  const visitor: VisitorRecord = {
    id: state.newObjectId(),
    user_id: state.newVisitorUserId(),
    name: typeof input.name === 'string' ? input.name : null,
    email: typeof input.email === 'string' ? input.email : null,
    phone: null,
    custom_attributes: {},
    created_at: at,
    updated_at: at,
  };
  state.visitors.set(visitor.id, visitor);
  return visitor;
}

function findVisitor(state: EmulatorState, ref: { id?: unknown; user_id?: unknown; email?: unknown }): VisitorRecord {
  const visitors = [...state.visitors.values()];
  const found =
    typeof ref.id === 'string'
      ? state.visitors.get(ref.id)
      : typeof ref.user_id === 'string'
        ? visitors.find((visitor) => visitor.user_id === ref.user_id)
        : typeof ref.email === 'string'
          ? visitors.find((visitor) => visitor.email?.toLowerCase() === (ref.email as string).toLowerCase())
          : undefined;
  if (!found) throw notFound('Visitor Not Found');
  return found;
}

/** A visitor that sends a message (`from: {type: "contact", id}`) becomes a lead, as in Intercom. */
export function visitorBecomesLead(state: EmulatorState, idOrUserId: string) {
  const visitor = state.visitors.get(idOrUserId) ?? [...state.visitors.values()].find((item) => item.user_id === idOrUserId);
  if (!visitor) return undefined;
  const lead = createContactRecord(state, { role: 'lead', email: visitor.email, name: visitor.name, phone: visitor.phone });
  state.visitors.delete(visitor.id);
  return lead;
}

export function registerVisitorRoutes(app: EmulatorApp): void {
  app.get('/visitors', (c) => {
    const userId = c.req.query('user_id');
    if (!userId) throw missingParameter('user_id');
    return c.json(visitorView(findVisitor(c.get('state'), { user_id: userId })));
  });

  app.put('/visitors', (c) => {
    const body = bodyObject(c);
    if (body.id === undefined && body.user_id === undefined) throw missingParameter('id');
    const visitor = findVisitor(c.get('state'), { id: body.id, user_id: body.id === undefined ? body.user_id : undefined });
    if (body.name !== undefined) {
      if (typeof body.name !== 'string') throw invalidParameter('name', 'name must be a string');
      visitor.name = body.name;
    }
    if (body.custom_attributes !== undefined) {
      if (typeof body.custom_attributes !== 'object' || body.custom_attributes === null || Array.isArray(body.custom_attributes)) {
        throw invalidParameter('custom_attributes', 'custom_attributes must be an object');
      }
      Object.assign(visitor.custom_attributes, body.custom_attributes);
    }
    visitor.updated_at = nowSeconds();
    return c.json(visitorView(visitor));
  });

  /**
   * Turns a visitor into a lead, or into a user: merged into the existing user the `user` identifiers name,
   * else a new user carrying them. Either way the visitor is gone afterwards.
   */
  app.post('/visitors/convert', (c) => {
    const state = c.get('state');
    const body = bodyObject(c);
    if (body.type !== 'lead' && body.type !== 'user') throw invalidParameter('type', 'type must be lead or user');
    if (typeof body.visitor !== 'object' || body.visitor === null) throw missingParameter('visitor');
    if (typeof body.user !== 'object' || body.user === null) throw missingParameter('user');
    const visitor = findVisitor(state, body.visitor as Record<string, unknown>);
    const user = body.user as { id?: unknown; user_id?: unknown; email?: unknown };
    if (body.type === 'user' && typeof user.id !== 'string' && typeof user.user_id !== 'string') {
      throw missingParameter('user.user_id');
    }
    const email = typeof user.email === 'string' ? user.email : visitor.email;
    let contact;
    if (body.type === 'lead') {
      contact = createContactRecord(state, { role: 'lead', email, name: visitor.name, phone: visitor.phone });
    } else {
      const existing =
        typeof user.id === 'string'
          ? state.liveContact(user.id)
          : state.liveContacts().find((item) => item.role === 'user' && item.external_id === user.user_id);
      if (typeof user.id === 'string' && !existing) throw notFound('User Not Found');
      if (existing) {
        if (!existing.name && visitor.name) existing.name = visitor.name;
        if (!existing.email && email) {
          const clash = findConflict(state, { role: existing.role, email, external_id: existing.external_id }, existing.id);
          if (clash) throw conflictError(clash);
          existing.email = email;
        }
        existing.updated_at = nowSeconds();
        contact = existing;
      } else {
        contact = createContactRecord(state, { role: 'user', external_id: user.user_id as string, email, name: visitor.name, phone: visitor.phone });
      }
    }
    state.visitors.delete(visitor.id);
    return c.json(contactView(contact, c.get('version')));
  });
}
