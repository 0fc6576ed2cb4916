// The submit path, loaded on the visitor's first interaction rather than for first paint: checks, wire body, key.
import { LIMITS, type LeadRequest } from '../protocol/wire.js';
import { readLeadToken } from '../client/lead-session.js';
import type { LeadValues } from './fields.js';
import { defaultPhoneCountry, readPageContext, readUtm } from './page-context.js';

export { FIELD_MAX, filledValues, validateForm } from './validation.js';
// The outbox, the proxy client and ky load with this module, on first interaction, so a visitor who goes offline
// can still send.
export { deliver, putInOutbox, readOutbox } from './outbox.js';
export { enLater } from './messages-later.js';

export interface SubmissionInput {
  /** The filled, trimmed values of the shown fields. */
  values: LeadValues;
  /** The honeypot's content. */
  hp: string;
  /** First interaction, ms since epoch. */
  startedAt: number;
  /** The `phone-country` attribute, if set. */
  phoneCountry: string;
  /** The `consent` attribute's text (empty: no consent box) and whether it is ticked. */
  consent: { text: string; given: boolean };
}

/** The `POST /leads` body: only shown, filled fields, plus the visit's context and any earlier lead token. */
export function buildLeadRequest(input: SubmissionInput): LeadRequest {
  const { values, consent } = input;
  const body: LeadRequest = { ...values, hp: input.hp, elapsedMs: Math.max(0, Date.now() - input.startedAt) };
  const country = input.phoneCountry || defaultPhoneCountry();
  if (values.phone && country) body.phoneCountry = country.toUpperCase();
  if (consent.text) body.consent = { given: consent.given, text: consent.text.slice(0, LIMITS.consentText.max) };
  body.page = readPageContext();
  const utm = readUtm();
  if (utm) body.utm = utm;
  const leadToken = readLeadToken();
  if (leadToken) body.leadToken = leadToken;
  return body;
}

/** A v4 UUID for the Idempotency-Key; `crypto.randomUUID` exists only on secure pages, and forms live on plain http too. */
export function newKey(): string {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 15) | 64;
  bytes[8] = (bytes[8] & 63) | 128;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
