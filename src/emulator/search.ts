// POST /contacts/search: single and nested AND/OR filters, Intercom's operators, cursor pagination, 2.16 sort, index lag.
import { contactView } from './contact-view.js';
import { bodyObject, type EmulatorApp } from './context.js';
import { IntercomApiError, invalidParameter, missingParameter } from './errors.js';
import type { ContactRecord, EmulatorState } from './state.js';

const OPERATORS = ['=', '!=', 'IN', 'NIN', '<', '<=', '>', '>=', '~', '!~', '^', '$'] as const;
type Operator = (typeof OPERATORS)[number];
const FIELDS = ['id', 'role', 'email', 'email_domain', 'phone', 'external_id', 'name', 'created_at', 'updated_at', 'signed_up_at', 'last_seen_at'];
/** Date fields match per calendar day (the emulator's workspace time zone is UTC). */
const DATE_FIELDS = new Set(['created_at', 'updated_at', 'signed_up_at', 'last_seen_at']);
const CASE_INSENSITIVE = new Set(['email', 'email_domain']);
const MAX_GROUP_SIZE = 15;
const MAX_DEPTH = 2;
const DEFAULT_PER_PAGE = 50;
const MAX_PER_PAGE = 150;

type Filter = { field: string; operator: Operator; value: unknown } | { operator: 'AND' | 'OR'; value: Filter[] };

function fieldValue(contact: ContactRecord, field: string): unknown {
  if (field.startsWith('custom_attributes.')) return contact.custom_attributes[field.slice('custom_attributes.'.length)] ?? null;
  if (field === 'email_domain') return contact.email?.includes('@') ? contact.email.slice(contact.email.lastIndexOf('@') + 1) : null;
  return (contact as unknown as Record<string, unknown>)[field] ?? null;
}

/** Checks a query's shape and turns it into a typed filter tree; 400 `parameter_invalid` when Intercom would refuse it. */
function parseFilter(input: unknown, depth: number): Filter {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidParameter('query', 'query must be an object');
  const raw = input as Record<string, unknown>;
  if (raw.operator === 'AND' || raw.operator === 'OR') {
    if (depth >= MAX_DEPTH) throw invalidParameter('query', `Filters may be nested at most ${MAX_DEPTH} levels deep`);
    if (!Array.isArray(raw.value) || raw.value.length === 0) throw invalidParameter('query', `${raw.operator} needs a non-empty array of filters`);
    if (raw.value.length > MAX_GROUP_SIZE) throw invalidParameter('query', `At most ${MAX_GROUP_SIZE} filters per ${raw.operator} group`);
    return { operator: raw.operator, value: raw.value.map((item) => parseFilter(item, depth + 1)) };
  }
  if (typeof raw.field !== 'string') throw missingParameter('query.field');
  if (!FIELDS.includes(raw.field) && !/^custom_attributes\.[^.]+$/.test(raw.field)) {
    throw invalidParameter('query.field', `${raw.field} is not a searchable field`);
  }
  if (!(OPERATORS as readonly string[]).includes(raw.operator as string)) {
    throw invalidParameter('query.operator', `Operator ${String(raw.operator)} is not supported`);
  }
  const operator = raw.operator as Operator;
  if ((operator === 'IN' || operator === 'NIN') !== Array.isArray(raw.value)) {
    throw invalidParameter('query.value', `${operator} ${operator === 'IN' || operator === 'NIN' ? 'needs' : 'does not take'} an array value`);
  }
  return { field: raw.field, operator, value: raw.value ?? null };
}

const dayOf = (seconds: number) => Math.floor(seconds / 86_400);

function normalise(field: string, value: unknown): unknown {
  if (typeof value === 'string' && CASE_INSENSITIVE.has(field)) return value.toLowerCase();
  if (typeof value === 'number' && DATE_FIELDS.has(field)) return dayOf(value);
  return value;
}

function matchesSingle(contact: ContactRecord, field: string, operator: Operator, target: unknown): boolean {
  const actual = normalise(field, fieldValue(contact, field));
  const wanted = Array.isArray(target) ? target.map((item) => normalise(field, item)) : normalise(field, target);
  const text = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : null);
  switch (operator) {
    case '=':
      return actual === wanted;
    case '!=':
      return actual !== wanted;
    case 'IN':
      return (wanted as unknown[]).includes(actual);
    case 'NIN':
      return !(wanted as unknown[]).includes(actual);
    case '~':
      return text(actual) !== null && text(wanted) !== null && text(actual)!.includes(text(wanted)!);
    case '!~':
      return !(text(actual) !== null && text(wanted) !== null && text(actual)!.includes(text(wanted)!));
    case '^':
      return text(actual) !== null && text(wanted) !== null && text(actual)!.startsWith(text(wanted)!);
    case '$':
      return text(actual) !== null && text(wanted) !== null && text(actual)!.endsWith(text(wanted)!);
    default: {
      if (typeof actual !== 'number' || typeof wanted !== 'number') return false;
      if (operator === '<') return actual < wanted;
      if (operator === '<=') return actual <= wanted;
      if (operator === '>') return actual > wanted;
      return actual >= wanted;
    }
  }
}

function matches(contact: ContactRecord, filter: Filter): boolean {
  if (filter.operator === 'AND') return (filter.value as Filter[]).every((item) => matches(contact, item));
  if (filter.operator === 'OR') return (filter.value as Filter[]).some((item) => matches(contact, item));
  const single = filter as { field: string; operator: Operator; value: unknown };
  return matchesSingle(contact, single.field, single.operator, single.value);
}

function sortContacts(contacts: ContactRecord[], sort: unknown): ContactRecord[] {
  if (typeof sort !== 'object' || sort === null) return contacts;
  const { field = 'created_at', order = 'descending' } = sort as { field?: unknown; order?: unknown };
  if (order !== 'ascending' && order !== 'descending') {
    throw new IntercomApiError(400, 'invalid_sort_order', 'Sort order must be ascending or descending', 'sort.order');
  }
  if (typeof field !== 'string') throw invalidParameter('sort.field', 'sort.field must be a string');
  const direction = order === 'ascending' ? 1 : -1;
  const key = (contact: ContactRecord) => fieldValue(contact, field) as string | number | null;
  return [...contacts].sort((a, b) => {
    const [left, right] = [key(a), key(b)];
    if (left === right) return (a.seq - b.seq) * direction;
    if (left === null) return 1;
    if (right === null) return -1;
    return (left < right ? -1 : 1) * direction;
  });
}

const encodeCursor = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');
function decodeCursor(cursor: unknown): number {
  if (cursor === undefined || cursor === null) return 0;
  const match = typeof cursor === 'string' ? /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString()) : null;
  if (!match) throw invalidParameter('pagination.starting_after', 'starting_after is not a valid cursor');
  return Number(match[1]);
}

/** Contacts a search can see: not merged away, and past the index lag. */
function searchableContacts(state: EmulatorState): ContactRecord[] {
  const now = Date.now();
  return state.liveContacts().filter((contact) => contact.searchableAt <= now).sort((a, b) => a.seq - b.seq);
}

export function registerSearchRoutes(app: EmulatorApp): void {
  app.post('/contacts/search', (c) => {
    const body = bodyObject(c);
    if (body.query === undefined) throw missingParameter('query');
    const filter = parseFilter(body.query, 0);
    const pagination = (body.pagination ?? {}) as { per_page?: unknown; starting_after?: unknown };
    const perPage = pagination.per_page ?? DEFAULT_PER_PAGE;
    if (typeof perPage !== 'number' || !Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
      throw invalidParameter('pagination.per_page', `per_page must be an integer from 1 to ${MAX_PER_PAGE}`);
    }
    const offset = decodeCursor(pagination.starting_after);
    let found = searchableContacts(c.get('state')).filter((contact) => matches(contact, filter));
    // `sort` exists from 2.16 (contact_search_request); the 2.14 search_request has none.
    if (c.get('version') === '2.16') found = sortContacts(found, body.sort);
    const page = found.slice(offset, offset + perPage);
    const pages: Record<string, unknown> = {
      type: 'pages',
      page: Math.floor(offset / perPage) + 1,
      per_page: perPage,
      total_pages: Math.max(1, Math.ceil(found.length / perPage)),
    };
    if (offset + perPage < found.length) pages.next = { per_page: perPage, starting_after: encodeCursor(offset + perPage) };
    return c.json({
      type: 'list',
      data: page.map((contact) => contactView(contact, c.get('version'))),
      total_count: found.length,
      pages,
    });
  });
}
