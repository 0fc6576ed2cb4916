// Companies: create or update by company_id, retrieve, and attach a contact to a company or detach it.
import { contactForPath } from './contacts.js';
import { bodyObject, optionalInteger, optionalString, pathParam, type EmulatorApp, type EmulatorContext } from './context.js';
import { checkCustomAttributes } from './data-attributes.js';
import { IntercomApiError, invalidParameter } from './errors.js';
import { nowSeconds, type ApiVersion, type CompanyRecord, type EmulatorState } from './state.js';

/** Intercom refuses more than this many companies on one contact (400 contact_company_limit_exceeded). */
export const CONTACT_COMPANY_LIMIT = 1000;

const companyNotFound = () => new IntercomApiError(404, 'company_not_found', 'Company Not Found');

/** The writable fields of `create_or_update_company_request`; 2.16 adds `update_last_request_at`. */
const WRITABLE = ['name', 'company_id', 'plan', 'size', 'website', 'industry', 'custom_attributes', 'remote_created_at', 'monthly_spend'];

/** How many live contacts are attached to a company (the company's `user_count`). */
function attachedCount(state: EmulatorState, companyId: string): number {
  return state.liveContacts().filter((contact) => contact.companyIds?.includes(companyId)).length;
}

/** A plan's id: Intercom numbers the plans it creates from their names; the same name gives the same id here. */
function planId(name: string): string {
  return String(100_000 + ([...name].reduce((sum, char) => (sum * 31 + char.codePointAt(0)!) % 900_000, 0)));
}

/** The company object (schema `company`): fields Intercom leaves out when unset are left out, not null. */
export function companyView(state: EmulatorState, company: CompanyRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    type: 'company',
    company_id: company.company_id,
    id: company.id,
    app_id: 'emulator',
    name: company.name ?? '',
    remote_created_at: company.remote_created_at,
    created_at: company.created_at,
    updated_at: company.updated_at,
    monthly_spend: company.monthly_spend,
    session_count: 0,
    user_count: attachedCount(state, company.id),
    tags: { type: 'tag.list', tags: [] },
    segments: { type: 'segment.list', segments: [] },
    plan: company.plan === null ? {} : { type: 'plan', id: planId(company.plan), name: company.plan },
    custom_attributes: { ...company.custom_attributes },
  };
  if (company.last_request_at !== null) view.last_request_at = company.last_request_at;
  if (company.size !== null) view.size = company.size;
  if (company.website !== null) view.website = company.website;
  if (company.industry !== null) view.industry = company.industry;
  return view;
}

/** The companies as the API would list them, for `GET /_emulator/state`. */
export function companyViews(state: EmulatorState): Array<Record<string, unknown>> {
  return [...state.companies.values()].map((company) => companyView(state, company));
}

type FetchHandler = { fetch(request: Request, env?: never): Response | Promise<Response> };

/** The hooks, with `companies` added to what `GET /_emulator/state` answers. */
export function withCompaniesInState<T extends FetchHandler>(hooks: T, state: EmulatorState): FetchHandler {
  return {
    async fetch(request, env) {
      const response = await hooks.fetch(request, env);
      if (request.method !== 'GET' || new URL(request.url).pathname !== '/_emulator/state' || !response.ok) return response;
      const body = (await response.json()) as Record<string, unknown>;
      return Response.json({ ...body, companies: companyViews(state) }, { status: response.status });
    },
  };
}

function listAnswer(data: Array<Record<string, unknown>>, perPage: number) {
  return {
    type: 'list',
    data,
    pages: { type: 'pages', next: null, page: 1, per_page: perPage, total_pages: data.length === 0 ? 0 : 1 },
    total_count: data.length,
  };
}

/** POST /companies: looked up by `company_id`; created when absent, else updated (its `company_id` never changes). */
function createOrUpdateCompany(c: EmulatorContext) {
  const state = c.get('state');
  const version: ApiVersion = c.get('version');
  const body = bodyObject(c);
  const allowed = version === '2.16' ? [...WRITABLE, 'update_last_request_at'] : WRITABLE;
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw new IntercomApiError(400, 'bad_request', `bad '${key}' parameter`);
  }
  // The 1.x reference marks company_id required and the 2.x specs require nothing; the emulator stays strict so a
  // caller that forgets it (and would create a new company on every call) fails its tests instead of Intercom.
  const companyId = optionalString(body, 'company_id', false);
  if (companyId === undefined || companyId === null || companyId.trim() === '') {
    throw new IntercomApiError(400, 'parameter_not_found', 'company_id is required', 'company_id');
  }
  const name = optionalString(body, 'name', false);
  const plan = optionalString(body, 'plan');
  const size = optionalInteger(body, 'size');
  const website = optionalString(body, 'website');
  const industry = optionalString(body, 'industry');
  const remoteCreatedAt = optionalInteger(body, 'remote_created_at');
  const spend = body.monthly_spend;
  if (spend !== undefined && spend !== null && (typeof spend !== 'number' || !Number.isFinite(spend))) {
    throw invalidParameter('monthly_spend', 'monthly_spend must be a number');
  }
  if (body.update_last_request_at !== undefined && typeof body.update_last_request_at !== 'boolean') {
    throw invalidParameter('update_last_request_at', 'update_last_request_at must be a boolean');
  }
  const customAttributes = checkCustomAttributes(state, body.custom_attributes, 'company');
  const at = nowSeconds();
  let company = [...state.companies.values()].find((candidate) => candidate.company_id === companyId);
  if (!company) {
    company = {
      id: state.newObjectId(),
      company_id: companyId,
      name: null,
      plan: null,
      size: null,
      website: null,
      industry: null,
      monthly_spend: 0,
      // Intercom reports its own creation time when the caller gives none.
      remote_created_at: at,
      last_request_at: null,
      custom_attributes: {},
      created_at: at,
      updated_at: at,
    };
    state.companies.set(company.id, company);
  }
  if (name !== undefined) company.name = name;
  if (plan !== undefined) company.plan = plan;
  if (size !== undefined) company.size = size;
  if (website !== undefined) company.website = website;
  if (industry !== undefined) company.industry = industry;
  if (remoteCreatedAt !== undefined && remoteCreatedAt !== null) company.remote_created_at = remoteCreatedAt;
  // "This will truncate floats": 155.98 is stored as 155.
  if (typeof spend === 'number') company.monthly_spend = Math.trunc(spend);
  if (body.update_last_request_at === true) company.last_request_at = at;
  if (customAttributes) company.custom_attributes = { ...company.custom_attributes, ...customAttributes };
  company.updated_at = at;
  return c.json(companyView(state, company));
}

/** GET /companies: by `company_id` or `name` (404 when none matches), else every company. */
function retrieveCompanies(c: EmulatorContext) {
  const state = c.get('state');
  const companyId = c.req.query('company_id');
  const name = c.req.query('name');
  const perPage = Number(c.req.query('per_page') ?? 15);
  let matches = [...state.companies.values()];
  if (companyId !== undefined) matches = matches.filter((company) => company.company_id === companyId);
  if (name !== undefined) matches = matches.filter((company) => company.name === name);
  if ((companyId !== undefined || name !== undefined) && matches.length === 0) throw companyNotFound();
  const size = Number.isInteger(perPage) && perPage > 0 ? Math.min(perPage, 60) : 15;
  return c.json(listAnswer(matches.slice(0, size).map((company) => companyView(state, company)), size));
}

function companyForPath(c: EmulatorContext, id: string): CompanyRecord {
  const company = c.get('state').companies.get(id);
  if (!company) throw companyNotFound();
  return company;
}

/** POST /contacts/{contact_id}/companies `{id}`: attaching twice is not an error, and attaches once. */
function attachCompany(c: EmulatorContext) {
  const state = c.get('state');
  const contact = contactForPath(c, pathParam(c, 'id'));
  const body = c.get('body');
  const id = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).id : undefined;
  if (typeof id !== 'string' || id === '') throw new IntercomApiError(400, 'parameter_not_found', 'company not specified');
  const company = companyForPath(c, id);
  const ids = contact.companyIds ?? [];
  if (!ids.includes(company.id)) {
    if (ids.length >= CONTACT_COMPANY_LIMIT) {
      throw new IntercomApiError(400, 'contact_company_limit_exceeded', `Contact has reached the maximum of ${CONTACT_COMPANY_LIMIT} company associations`);
    }
    contact.companyIds = [...ids, company.id];
    contact.updated_at = nowSeconds();
  }
  return c.json(companyView(state, company));
}

/** DELETE /contacts/{contact_id}/companies/{company_id}: a company the contact is not attached to is not found. */
function detachCompany(c: EmulatorContext) {
  const state = c.get('state');
  const contact = contactForPath(c, pathParam(c, 'id'));
  const company = companyForPath(c, pathParam(c, 'companyId'));
  if (!contact.companyIds?.includes(company.id)) throw companyNotFound();
  contact.companyIds = contact.companyIds.filter((id) => id !== company.id);
  contact.updated_at = nowSeconds();
  return c.json(companyView(state, company));
}

export function registerCompanyRoutes(app: EmulatorApp): void {
  app.post('/companies', createOrUpdateCompany);
  app.get('/companies', retrieveCompanies);
  app.get('/companies/:id', (c) => c.json(companyView(c.get('state'), companyForPath(c, pathParam(c, 'id')))));
  app.post('/contacts/:id/companies', attachCompany);
  // The spec's schema names the list `companies`, its example (what the API sends) `data`: the example wins.
  app.get('/contacts/:id/companies', (c) => {
    const state = c.get('state');
    const contact = contactForPath(c, pathParam(c, 'id'));
    const companies = (contact.companyIds ?? []).flatMap((id) => {
      const company = state.companies.get(id);
      return company ? [companyView(state, company)] : [];
    });
    return c.json(listAnswer(companies, 50));
  });
  app.delete('/contacts/:id/companies/:companyId', detachCompany);
}
