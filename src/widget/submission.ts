// The submit path, loaded on the visitor's first interaction rather than for first paint: checks, the events, the
// wire body and its key, the outbox and the proxy client (with ky), and what the form shows once the proxy answers.
// It works on the element's internal (`_`) members; first paint carries none of this.
import { LIMITS, type LeadField, type LeadRequest } from '../protocol/wire.js';
import { readLeadToken } from '../client/lead-session.js';
import type { SendOutcome } from '../client/proxy-client.js';
import { emit } from './events.js';
import { FIELD_TYPES, type FieldErrors, type LeadValues } from './fields.js';
import type { LeadRelay } from './lead-relay.js';
import type { MessageKey } from './messages.js';
import { deliver, putInOutbox, type PendingSubmission } from './outbox.js';
import { defaultPhoneCountry, readPageContext, readUtm } from './page-context.js';
import { filledValues, validateForm } from './validation.js';

export { FIELD_MAX } from './validation.js';
export { readOutbox } from './outbox.js';

function validate(host: LeadRelay): FieldErrors {
  return validateForm(host._values, host._shown(), host._requiredShown(), { asked: !!host.consent, given: host._consentGiven });
}

/** Focus the control of the first field in error, in the update that draws it. */
function focusFirstError(host: LeadRelay): void {
  const first = Object.keys(host._errors)[0];
  if (first) host._focusNext = `#lr-${first}`;
}

/** After the first submit: check the field the visitor just left again, and show or clear its message. */
export function recheck(host: LeadRelay, name: string): void {
  if (!(name in FIELD_TYPES || name === 'consent')) return;
  const field = name as LeadField | 'consent';
  const code = validate(host)[field];
  const { [field]: before, ...rest } = host._errors;
  if (code !== before) host._errors = code ? { ...rest, [field]: code } : rest;
}

/**
 * The submit button (the element has set `submitting`): check every field, let the page cancel with `lr-submit`,
 * then put the submission in the outbox (so closing the tab mid-send loses nothing) and send it.
 */
export async function submit(host: LeadRelay): Promise<void> {
  host._submitted = true;
  host._failure = undefined;
  host._errors = validate(host);
  const values = filledValues(host._values, host._shown());
  if (Object.keys(host._errors).length || !emit(host, 'lr-submit', values, true)) {
    host._state = 'idle';
    return focusFirstError(host);
  }
  const key = (host._pendingKey = newKey());
  // Browser autofill fills every field at once and a person can press Send a second later: sooner than the proxy's
  // minimum fill time, which is there for bots that skip the widget. Wait out the rest, showing "Sending…".
  const early = LIMITS.minFillMs - (Date.now() - host._startedAt);
  if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
  const hp = host.renderRoot.querySelector<HTMLInputElement>('[name=hp]')?.value ?? '';
  const consent = { text: host.consent, given: host._consentGiven };
  const body = buildLeadRequest({ values, hp, startedAt: host._startedAt, phoneCountry: host.phoneCountry, consent });
  const item = { key, proxy: host.proxy, body, at: Date.now() };
  putInOutbox(item);
  return send(host, item);
}

/**
 * Send a submission (a new one, or one waiting in the outbox) and tell the form. Every send is reported, but only
 * the one the form is waiting for (`_pendingKey`) changes what it shows.
 */
export async function send(host: LeadRelay, item: PendingSubmission): Promise<void> {
  const outcome = await deliver(item);
  if (item.key === host._pendingKey) settle(host, item.key, outcome);
}

function settle(host: LeadRelay, key: string, outcome: SendOutcome): void {
  if (outcome.kind === 'accepted') {
    host._pendingKey = '';
    host._state = 'success';
    host._outbox.clearDraft();
    const { status, conversationId } = outcome.response as { status: 'created' | 'queued'; conversationId?: string };
    emit(host, 'lr-success', { status, conversationId });
  } else if (outcome.kind === 'unreachable') {
    if (host._state === 'queued') return;
    host._state = 'queued';
    host._outbox.clearDraft(); // the outbox holds it now
    emit(host, 'lr-queued', { idempotencyKey: key });
  } else {
    host._pendingKey = '';
    const { error } = outcome;
    const errors: FieldErrors = {};
    for (const [field, code] of Object.entries(error.fields ?? {})) if (code && field in FIELD_TYPES) errors[field as LeadField] = code;
    host._errors = errors;
    host._failure = error.code as MessageKey; // a code without a sentence of its own reads as the generic error
    host._state = 'error';
    emit(host, 'lr-error', { code: error.code, message: error.message, fields: error.fields });
    return focusFirstError(host);
  }
  host._focusNext = '.done';
}

interface SubmissionInput {
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
function buildLeadRequest(input: SubmissionInput): LeadRequest {
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
function newKey(): string {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 15) | 64;
  bytes[8] = (bytes[8] & 63) | 128;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
