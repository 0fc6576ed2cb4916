// How a contact record looks on the wire for each API version (schema `contact`).
import type { ApiVersion, ContactRecord } from './state.js';

function listOf(contactId: string, what: string) {
  return { type: 'list', data: [], url: `/contacts/${contactId}/${what}`, total_count: 0, has_more: false };
}

function ownerId(contact: ContactRecord, version: ApiVersion): string | number | null {
  if (contact.owner_id === null) return null;
  // owner_id is an integer up to 2.15 and a string from 2.16 (API-NOTES §7).
  return version === '2.16' ? contact.owner_id : Number(contact.owner_id);
}

/** The `companies` field of a contact (schema `contact_companies`): the first ten, and where to find the rest. */
function contactCompaniesField(contact: ContactRecord) {
  const ids = contact.companyIds ?? [];
  return {
    type: 'list',
    data: ids.slice(0, 10).map((id) => ({ id, type: 'company', url: `/companies/${id}` })),
    url: `/contacts/${contact.id}/companies`,
    total_count: ids.length,
    has_more: ids.length > 10,
  };
}

/** The contact object as GET /contacts/{id} returns it. Email is `""` when unknown: the schema does not allow null. */
export function contactView(contact: ContactRecord, version: ApiVersion): Record<string, unknown> {
  const email = contact.email ?? '';
  return {
    type: 'contact',
    id: contact.id,
    workspace_id: 'emulator',
    external_id: contact.external_id,
    role: contact.role,
    email,
    email_domain: email.includes('@') ? email.slice(email.lastIndexOf('@') + 1) : '',
    phone: contact.phone,
    name: contact.name,
    avatar: contact.role === 'user' && contact.avatar ? { type: 'avatar', image_url: contact.avatar } : null,
    owner_id: ownerId(contact, version),
    social_profiles: { type: 'list', data: [] },
    has_hard_bounced: false,
    marked_email_as_spam: false,
    unsubscribed_from_emails: contact.unsubscribed_from_emails,
    created_at: contact.created_at,
    updated_at: contact.updated_at,
    signed_up_at: contact.signed_up_at,
    last_seen_at: contact.last_seen_at,
    last_replied_at: contact.last_replied_at,
    last_contacted_at: null,
    last_email_opened_at: null,
    last_email_clicked_at: null,
    language_override: null,
    browser: null,
    browser_version: null,
    browser_language: null,
    os: null,
    location: { type: 'location', country: null, region: null, city: null, country_code: null, continent_code: null },
    android_app_name: null,
    android_app_version: null,
    android_device: null,
    android_os_version: null,
    android_sdk_version: null,
    android_last_seen_at: null,
    ios_app_name: null,
    ios_app_version: null,
    ios_device: null,
    ios_os_version: null,
    ios_sdk_version: null,
    ios_last_seen_at: null,
    custom_attributes: { ...contact.custom_attributes },
    tags: listOf(contact.id, 'tags'),
    notes: listOf(contact.id, 'notes'),
    companies: contactCompaniesField(contact),
    opted_out_subscription_types: listOf(contact.id, 'subscriptions'),
    opted_in_subscription_types: listOf(contact.id, 'subscriptions'),
    utm_campaign: null,
    utm_content: null,
    utm_medium: null,
    utm_source: null,
    utm_term: null,
    referrer: null,
    enabled_push_messaging: null,
  };
}

/** The `contact_reference` shape used in conversations and delete answers. */
export function contactReference(contact: ContactRecord) {
  return { type: 'contact', id: contact.id, external_id: contact.external_id };
}
