// Conversation routes: a contact starts one (the answer is the *message*), fetches it, replies to it.
import { contactReference } from './contact-view.js';
import { bodyObject, pathParam, type EmulatorApp, type EmulatorContext } from './context.js';
import { IntercomApiError, invalidParameter, missingParameter, notFound } from './errors.js';
import { visitorBecomesLead } from './visitors.js';
import { nowSeconds, type ApiVersion, type ContactRecord, type ConversationRecord, type EmulatorState, type PartRecord } from './state.js';

function author(state: EmulatorState, id: string, type: string) {
  const contact = state.contacts.get(id);
  const view: Record<string, unknown> = { type, id, name: contact?.name ?? null };
  // `email` is `format: email` and not nullable in the schema: leave it out when the contact has none.
  if (contact?.email) view.email = contact.email;
  return view;
}

function partView(state: EmulatorState, part: PartRecord) {
  return {
    type: 'conversation_part',
    id: part.id,
    part_type: part.part_type,
    body: part.body,
    created_at: part.created_at,
    updated_at: part.created_at,
    notified_at: part.created_at,
    assigned_to: null,
    // The spec's contact-reply example shows a contact-authored part with author.type "user", even for leads.
    author: author(state, part.author.id, part.author.type === 'admin' ? 'admin' : 'user'),
    attachments: [],
    external_id: null,
    redacted: false,
  };
}

export function conversationView(state: EmulatorState, conversation: ConversationRecord, version: ApiVersion) {
  const contacts = conversation.contactIds.map((id) => state.contacts.get(id)).filter((c): c is ContactRecord => !!c);
  const lastContactPart = [...conversation.parts].reverse().find((part) => part.author.type !== 'admin');
  const view: Record<string, unknown> = {
    type: 'conversation',
    id: conversation.id,
    title: null,
    created_at: conversation.created_at,
    updated_at: conversation.updated_at,
    waiting_since: lastContactPart?.created_at ?? conversation.created_at,
    snoozed_until: null,
    open: true,
    state: 'open',
    read: false,
    priority: version === '2.16' ? 'none' : 'not_priority',
    tags: { type: 'tag.list', tags: [] },
    conversation_rating: null,
    source: {
      type: 'conversation',
      id: conversation.source.messageId,
      delivered_as: 'customer_initiated',
      subject: conversation.source.subject,
      body: conversation.source.body,
      author: author(state, conversation.source.authorId, conversation.source.authorType),
      attachments: [],
      url: null,
      redacted: false,
    },
    contacts: { type: 'contact.list', contacts: contacts.map(contactReference) },
    teammates: { type: 'admin.list', teammates: [] },
    custom_attributes: {},
    first_contact_reply: { created_at: conversation.created_at, type: 'conversation', url: null },
    sla_applied: null,
    statistics: null,
    conversation_parts: {
      type: 'conversation_part.list',
      conversation_parts: conversation.parts.map((part) => partView(state, part)),
      total_count: conversation.parts.length,
    },
    linked_objects: { type: 'list', total_count: 0, has_more: false, data: [] },
    ai_agent_participated: false,
  };
  // 2.14 allows null assignees; 2.16 types them as plain integers, so an unassigned conversation omits them.
  if (version !== '2.16') Object.assign(view, { admin_assignee_id: null, team_assignee_id: null });
  return view;
}

function startConversation(c: EmulatorContext) {
  const state = c.get('state');
  const body = bodyObject(c);
  const from = body.from as { type?: unknown; id?: unknown } | undefined;
  if (typeof from !== 'object' || from === null) throw missingParameter('from');
  if (from.type !== 'lead' && from.type !== 'user' && from.type !== 'contact') {
    throw invalidParameter('from.type', 'from.type must be lead, user or contact');
  }
  if (typeof from.id !== 'string' || from.id === '') throw missingParameter('from.id');
  if (typeof body.body !== 'string' || body.body === '') throw missingParameter('body');
  if (body.subject !== undefined && typeof body.subject !== 'string') throw invalidParameter('subject', 'subject must be a string');
  const contact = state.liveContact(from.id) ?? (from.type === 'contact' ? visitorBecomesLead(state, from.id) : undefined);
  if (!contact) throw notFound('User Not Found');
  const at = typeof body.created_at === 'number' && Number.isInteger(body.created_at) ? body.created_at : nowSeconds();
  const conversation: ConversationRecord = {
    id: state.newConversationId(),
    created_at: at,
    updated_at: at,
    contactIds: [contact.id],
    source: { messageId: state.newMessageId(), body: body.body, subject: (body.subject as string) ?? '', authorId: contact.id, authorType: contact.role },
    parts: [],
    searchableAt: Date.now() + state.config.searchLagMs,
  };
  state.conversations.set(conversation.id, conversation);
  contact.last_replied_at = at;
  contact.updated_at = nowSeconds();
  return c.json({
    type: 'user_message',
    id: conversation.source.messageId,
    created_at: at,
    body: conversation.source.body,
    message_type: 'inapp',
    conversation_id: conversation.id,
  });
}

/** The contact a reply names by exactly one of `intercom_user_id`, `email`, `user_id` (the spec's oneOf). */
function replyingContact(state: EmulatorState, body: Record<string, unknown>): ContactRecord {
  const identifiers = (['intercom_user_id', 'email', 'user_id'] as const).filter((key) => body[key] !== undefined);
  if (identifiers.length !== 1) {
    throw invalidParameter('intercom_user_id', 'Exactly one of intercom_user_id, email or user_id is required');
  }
  const key = identifiers[0]!;
  const value = body[key];
  if (typeof value !== 'string' || value === '') throw invalidParameter(key, `${key} must be a non-empty string`);
  const live = state.liveContacts();
  const found =
    key === 'intercom_user_id'
      ? state.liveContact(value)
      : key === 'user_id'
        ? live.find((contact) => contact.role === 'user' && contact.external_id === value)
        : // Email does not identify a lead uniquely: prefer the user, else the most recent lead.
          live.filter((contact) => contact.email?.toLowerCase() === value.toLowerCase()).sort((a, b) => (a.role === b.role ? b.seq - a.seq : a.role === 'user' ? -1 : 1))[0];
  if (!found) throw notFound('User Not Found');
  return found;
}

function replyToConversation(c: EmulatorContext) {
  const state = c.get('state');
  const body = bodyObject(c);
  if (body.type === 'admin') throw new IntercomApiError(400, 'parameter_invalid', 'Admin replies are not modelled by the emulator', 'type');
  if (body.type !== 'user') throw invalidParameter('type', 'type must be user');
  if (body.message_type !== 'comment') throw invalidParameter('message_type', 'message_type must be comment');
  if (typeof body.body !== 'string' || body.body === '') throw missingParameter('body');
  const contact = replyingContact(state, body);
  const pathId = pathParam(c, 'id');
  const conversation =
    pathId === 'last'
      ? [...state.conversations.values()].filter((item) => item.contactIds.includes(contact.id)).sort((a, b) => Number(b.id) - Number(a.id))[0]
      : state.conversations.get(pathId);
  // A contact may only reply into its own conversations.
  if (!conversation || !conversation.contactIds.includes(contact.id)) throw notFound('Resource Not Found');
  const at = nowSeconds();
  conversation.parts.push({ id: state.newPartId(), part_type: 'comment', body: body.body, created_at: at, author: { type: contact.role, id: contact.id } });
  conversation.updated_at = at;
  contact.last_replied_at = at;
  return c.json(conversationView(state, conversation, c.get('version')));
}

type ConversationFilter = { field: string; operator: '=' | '!=' | 'IN'; value: unknown } | { operator: 'AND' | 'OR'; value: ConversationFilter[] };
/** The searchable fields the emulator models (a subset of the spec's table): ids of the conversation and its people. */
const CONVERSATION_FIELDS: Record<string, (conversation: ConversationRecord) => string[]> = {
  id: (conversation) => [conversation.id],
  contact_ids: (conversation) => conversation.contactIds,
  'source.author.id': (conversation) => [conversation.source.authorId],
  'source.author.type': (conversation) => [conversation.source.authorType],
};

function parseConversationFilter(input: unknown, depth: number): ConversationFilter {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidParameter('query', 'query must be an object');
  const raw = input as Record<string, unknown>;
  if (raw.operator === 'AND' || raw.operator === 'OR') {
    if (depth >= 2 || !Array.isArray(raw.value) || raw.value.length === 0 || raw.value.length > 15) {
      throw invalidParameter('query', `${raw.operator} needs 1 to 15 filters, nested at most 2 levels deep`);
    }
    return { operator: raw.operator, value: raw.value.map((item) => parseConversationFilter(item, depth + 1)) };
  }
  if (typeof raw.field !== 'string' || !(raw.field in CONVERSATION_FIELDS)) {
    throw invalidParameter('query.field', `${String(raw.field)} is not a searchable field in the emulator`);
  }
  if (raw.operator !== '=' && raw.operator !== '!=' && raw.operator !== 'IN') {
    throw invalidParameter('query.operator', `Operator ${String(raw.operator)} is not supported for ${raw.field}`);
  }
  if ((raw.operator === 'IN') !== Array.isArray(raw.value)) throw invalidParameter('query.value', 'IN needs an array value, = and != a string');
  return { field: raw.field, operator: raw.operator, value: raw.value };
}

function conversationMatches(conversation: ConversationRecord, filter: ConversationFilter): boolean {
  if (filter.operator === 'AND') return filter.value.every((item) => conversationMatches(conversation, item));
  if (filter.operator === 'OR') return filter.value.some((item) => conversationMatches(conversation, item));
  const single = filter as { field: string; operator: '=' | '!=' | 'IN'; value: unknown };
  const values = CONVERSATION_FIELDS[single.field]!(conversation);
  if (single.operator === 'IN') return (single.value as unknown[]).some((wanted) => values.includes(String(wanted)));
  const hit = values.includes(String(single.value));
  return single.operator === '=' ? hit : !hit;
}

/** POST /conversations/search: conversations past the index lag matching the query, oldest first, one page. */
function searchConversations(c: EmulatorContext) {
  const state = c.get('state');
  const body = bodyObject(c);
  if (body.query === undefined) throw missingParameter('query');
  const filter = parseConversationFilter(body.query, 0);
  const perPage = (body.pagination as { per_page?: unknown } | undefined)?.per_page ?? 20;
  if (typeof perPage !== 'number' || !Number.isInteger(perPage) || perPage < 1 || perPage > 150) {
    throw invalidParameter('pagination.per_page', 'per_page must be an integer from 1 to 150');
  }
  const now = Date.now();
  const found = [...state.conversations.values()]
    .filter((conversation) => (conversation.searchableAt ?? 0) <= now && conversationMatches(conversation, filter))
    .sort((a, b) => Number(a.id) - Number(b.id));
  return c.json({
    type: 'conversation.list',
    pages: { type: 'pages', page: 1, per_page: perPage, total_pages: Math.max(1, Math.ceil(found.length / perPage)) },
    total_count: found.length,
    conversations: found.slice(0, perPage).map((conversation) => conversationView(state, conversation, c.get('version'))),
  });
}

export function registerConversationRoutes(app: EmulatorApp): void {
  app.post('/conversations', startConversation);
  app.post('/conversations/search', searchConversations);
  app.get('/conversations/:id', (c) => {
    const state = c.get('state');
    const conversation = state.conversations.get(pathParam(c, 'id'));
    if (!conversation) throw notFound('Resource Not Found');
    return c.json(conversationView(state, conversation, c.get('version')));
  });
  app.post('/conversations/:id/reply', replyToConversation);
}
