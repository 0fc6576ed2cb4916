// The contact data attributes LeadRelay records (page, UTM, consent, submission id) and their creation in Intercom.
import { UTM_KEYS } from '../protocol/wire.js';
import { IntercomError, type IntercomClient } from './intercom-client.js';
import type { LeadSubmission } from './lead-request.js';

/** Every custom attribute the proxy writes, with the Intercom data type it is created with. */
export const DATA_ATTRIBUTES = [
  { name: 'leadrelay_submission_id', data_type: 'string', description: 'LeadRelay submission id (Idempotency-Key)' },
  { name: 'leadrelay_page_url', data_type: 'string', description: 'Page the LeadRelay form was sent from' },
  { name: 'leadrelay_page_title', data_type: 'string', description: 'Title of that page' },
  { name: 'leadrelay_page_referrer', data_type: 'string', description: 'Referrer of that page' },
  ...UTM_KEYS.map((key) => ({ name: `leadrelay_${key}`, data_type: 'string', description: `${key} of the visit` })),
  { name: 'leadrelay_consent', data_type: 'boolean', description: 'Whether the visitor gave consent in the form' },
  { name: 'leadrelay_consent_text', data_type: 'string', description: 'The consent wording the visitor saw' },
] as const;

export type DataAttributeName = (typeof DATA_ATTRIBUTES)[number]['name'];

/** The custom attributes for a new lead: only the names above, only values that came through validation. */
export function leadCustomAttributes(
  submission: LeadSubmission,
  submissionId: string,
): Partial<Record<DataAttributeName, string | boolean>> {
  const attributes: Partial<Record<DataAttributeName, string | boolean>> = { leadrelay_submission_id: submissionId };
  if (submission.page?.url) attributes.leadrelay_page_url = submission.page.url;
  if (submission.page?.title) attributes.leadrelay_page_title = submission.page.title;
  if (submission.page?.referrer) attributes.leadrelay_page_referrer = submission.page.referrer;
  for (const key of UTM_KEYS) {
    const value = submission.utm?.[key];
    if (value) attributes[`leadrelay_${key}`] = value;
  }
  if (submission.consent) {
    attributes.leadrelay_consent = submission.consent.given;
    if (submission.consent.text) attributes.leadrelay_consent_text = submission.consent.text;
  }
  return attributes;
}

interface DataAttributeList {
  data?: { name?: string; full_name?: string }[];
}

/**
 * Create the data attributes that do not exist yet (Intercom drops custom attributes it does not know).
 * Answers the names it created. Safe to run on every start: existing names are listed first and skipped.
 */
export async function ensureDataAttributes(client: IntercomClient): Promise<string[]> {
  const list = await client.request<DataAttributeList>('GET', '/data_attributes?model=contact', undefined, {
    retry: 'idempotent',
  });
  const existing = new Set((list?.data ?? []).map((attribute) => attribute.name));
  const created: string[] = [];
  for (const attribute of DATA_ATTRIBUTES) {
    if (existing.has(attribute.name)) continue;
    try {
      await client.request('POST', '/data_attributes', { ...attribute, model: 'contact' }, { retry: 'idempotent' });
      created.push(attribute.name);
    } catch (error) {
      // Another instance created it between our list and our create: Intercom refuses a duplicate name with a 400.
      if (error instanceof IntercomError && error.status === 400) continue;
      throw error;
    }
  }
  return created;
}
