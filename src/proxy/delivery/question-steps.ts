// The steps a questions file adds once the lead has its conversation: the answers set on a lead adopted through its
// lead token (no POST /contacts of this submission carried them), and the company of a `company: true` answer.
// Each call is a recorded step (settleStep, lead-steps.ts) found again by a direct read, so none is written twice.
import { companyReference } from '../intercom/company-reference.js';
import { IntercomError, type IntercomCallOptions } from '../intercom/intercom-client.js';
import type { LeadSubmission } from '../guards/lead-request.js';
import { verificationSecrets } from '../guards/lead-token.js';
import type { ProxyDeps } from '../options.js';
import type { Progress } from './idempotency.js';
import { settleStep, type StepBudget } from './lead-steps.js';
import { failureOf, type Deferred } from './upstream-failure.js';

/** Steps of the answers on a lead adopted through its token, and of its company. */
const ANSWERS_SAVED = 'answersSaved';
const COMPANY_ID = 'companyId';
const COMPANY_ATTACHED = 'companyAttached';
/** Set instead of the company steps when Intercom refused the company for good: the lead stands without it. */
const COMPANY_REFUSED = 'companyRefused';

/** Whether `contact` (GET /contacts/{id}) holds every one of `attributes` with the value given. */
function holdsAttributes(contact: { custom_attributes?: Record<string, unknown> } | undefined, attributes: Record<string, unknown>): boolean {
  const held = contact?.custom_attributes ?? {};
  return Object.entries(attributes).every(([name, value]) => held[name] === value);
}

/**
 * A lead adopted through its lead token was not created by this submission's POST /contacts, which carries the
 * answers: they are set on it with one PUT, a recorded step like the others. After an ambiguous failure the lead is
 * read back (a direct read, no search lag): holding every answer, the PUT landed and is not made again.
 */
export async function saveAnswersOnAdoptedLead(
  deps: ProxyDeps,
  submission: LeadSubmission,
  contactId: string,
  adopted: boolean,
  progress: Progress,
  budget: StepBudget,
  call: IntercomCallOptions,
): Promise<Deferred | undefined> {
  const attributes = submission.questions?.attributes;
  // A lead created by this submission got its answers with its POST /contacts.
  if (!adopted || !attributes || Object.keys(attributes).length === 0 || progress.steps[ANSWERS_SAVED]) return undefined;
  const path = `/contacts/${encodeURIComponent(contactId)}`;
  const saved = await settleStep(
    deps,
    progress,
    ANSWERS_SAVED,
    async () => {
      await deps.intercom.request('PUT', path, { custom_attributes: attributes }, call);
      return contactId;
    },
    async () => {
      const contact = await deps.intercom.request<{ custom_attributes?: Record<string, unknown> }>('GET', path, undefined, { ...call, retry: 'idempotent' });
      return holdsAttributes(contact, attributes) ? contactId : undefined;
    },
    budget,
    { lagMs: 0 },
  );
  return saved.kind === 'done' ? undefined : saved;
}

/** A company object's id, from GET /companies?company_id= (a list on some versions, the company itself on others). */
function foundCompanyId(answer: unknown, companyId: string): string | undefined {
  const candidates = (answer as { type?: string; data?: unknown[] })?.type === 'list' ? ((answer as { data?: unknown[] }).data ?? []) : [answer];
  const match = candidates.find((company) => (company as { company_id?: unknown })?.company_id === companyId) as { id?: unknown } | undefined;
  return typeof match?.id === 'string' ? match.id : undefined;
}

/**
 * The `company: true` answer: the lead attached to the company whose company_id the proxy derives from its secret
 * and the normalised name (company-reference.ts), created or reused (POST /companies creates or updates by
 * company_id), exactly once. Each call is a recorded step; after an ambiguous failure the company (a direct read,
 * no search lag) or the attachment is looked up before the call is made again, so a resend or a fault after commit
 * writes neither twice. A refusal for good leaves the lead without a company rather than refuse a lead that exists.
 */
export async function attachCompany(
  deps: ProxyDeps,
  submission: LeadSubmission,
  contactId: string,
  progress: Progress,
  budget: StepBudget,
  call: IntercomCallOptions,
): Promise<Deferred | undefined> {
  const name = submission.questions?.company;
  if (!name || progress.steps[COMPANY_ATTACHED] || progress.steps[COMPANY_REFUSED]) return undefined;
  const { intercom, options } = deps;
  // The company_id under the current secret, then under each previous one: after a rotation, a company the proxy made
  // before is still found and reused, never made a second time under its new id.
  const [reference, ...earlier] = verificationSecrets(options).map((secret) => companyReference(secret, name));
  const lookup = { ...call, retry: 'idempotent' as const };
  // The company by its company_id: a direct read, no search lag (Intercom answers 404 for none).
  const findCompanyBy = async (companyId: string) => {
    try {
      return foundCompanyId(await intercom.request('GET', `/companies?company_id=${encodeURIComponent(companyId)}`, undefined, lookup), companyId);
    } catch (error) {
      if (error instanceof IntercomError && error.kind === 'http' && error.status === 404) return undefined;
      throw error;
    }
  };
  const findCompany = async () => {
    for (const companyId of [reference!, ...earlier]) {
      const found = await findCompanyBy(companyId);
      if (found) return found;
    }
    return undefined;
  };
  try {
    const company = await settleStep(
      deps,
      progress,
      COMPANY_ID,
      async () => {
        // An existing company is reused as it is: POST /companies updates by company_id, so a later visitor's spelling
        // of the same name ("ACME  INC") would rename it. Created once, with the name as typed, spaces collapsed.
        const existing = await findCompany();
        if (existing) return existing;
        const company = await intercom.request<{ id?: unknown }>('POST', '/companies', { company_id: reference, name: name.replace(/\s+/gu, ' ') }, call);
        if (typeof company?.id !== 'string') throw new IntercomError('http', 502, 'malformed_company', undefined);
        return company.id;
      },
      findCompany,
      budget,
      { lagMs: 0 },
    );
    if (company.kind !== 'done') return company;
    const companyId = company.id;
    const attached = await settleStep(
      deps,
      progress,
      COMPANY_ATTACHED,
      async () => {
        await intercom.request('POST', `/contacts/${encodeURIComponent(contactId)}/companies`, { id: companyId }, call);
        return companyId;
      },
      async () => {
        const attached = await intercom.request<{ data?: { id?: unknown }[] }>('GET', `/contacts/${encodeURIComponent(contactId)}/companies`, undefined, lookup);
        return (attached?.data ?? []).some((company) => company.id === companyId) ? companyId : undefined;
      },
      budget,
      { lagMs: 0 },
    );
    return attached.kind === 'done' ? undefined : attached;
  } catch (error) {
    if (error instanceof IntercomError && failureOf(error).kind === 'refused') {
      await progress.note(COMPANY_REFUSED, `${error.status}${error.intercomCode ? ` ${error.intercomCode}` : ''}`);
      return undefined;
    }
    throw error;
  }
}
