// The submit path, loaded on the visitor's first interaction rather than for first paint: checks, the events, the
// wire body and its key, the outbox and the proxy client (with ky), and what the form shows once the proxy answers.
// It works on the element's internal (`_`) members; first paint carries none of this.
import { LIMITS, type LeadField, type LeadRequest } from '../protocol/wire.js';
import { readLeadToken } from '../client/lead-session.js';
import type { SendOutcome } from '../client/proxy-client.js';
import { emit, type LeadSuccessDetail } from './events.js';
import { FIELD_TYPES, type FieldErrors, type LeadValues } from './fields.js';
import type { SubmitHost } from './host.js';
import type { MessageKey } from './messages.js';
import { deliver, putInOutbox, type PendingSubmission } from './outbox.js';
import { defaultPhoneCountry, readPageContext, readUtm } from './page-context.js';
import { FIELD_MAX, filledValues, validateForm } from './validation.js';

export { readOutbox } from './outbox.js';

/** The answers' checks, when the form has questions: loaded on the first submit (see submit). */
let answers: typeof import('./questions-answers.js') | undefined;

/**
 * The element has this code (first interaction): the field limits, and with `captcha="turnstile"` Cloudflare's
 * script, which is not fetched before the visitor starts on the form.
 */
export function submitReady(host: SubmitHost): void {
  host.fieldLimits = FIELD_MAX;
  captcha(host)?.then((module) => module.prepare(host), () => 0);
}

/** Turnstile's loader, for a form with `captcha="turnstile"`. */
const captcha = (host: SubmitHost) => (host.getAttribute('captcha') === 'turnstile' ? import('./turnstile.js') : undefined);

function validate(host: SubmitHost): FieldErrors {
  const errors = validateForm(host.formValues, host.shown(), host.requiredShown(), { asked: !!host.consent, given: host.consentGiven });
  return answers && host.questionsForm ? { ...errors, ...answers.checkAnswers(host) } : errors;
}

/** Focus the control of the first field in error, in the update that draws it. */
function focusFirstError(host: SubmitHost): void {
  const first = Object.keys(host.fieldErrors)[0];
  if (first) host.focusNext = `#lr-${first}`;
}

/** After the first submit: check the field the visitor just left again, and show or clear its message. */
export function recheckField(host: SubmitHost, name: string): void {
  if (!(name in FIELD_TYPES || name === 'consent' || answers?.isQuestion(host, name))) return;
  const field = name as LeadField | 'consent';
  const code = validate(host)[field];
  const { [field]: before, ...rest } = host.fieldErrors;
  if (code !== before) host.fieldErrors = code ? { ...rest, [field]: code } : rest;
}

/**
 * The submit button (the element has set `submitting`): check every field, let the page cancel with `lr-submit`,
 * then put the submission in the outbox (so closing the tab mid-send loses nothing) and send it.
 */
export async function submitForm(host: SubmitHost): Promise<void> {
  host.submittedOnce = true;
  host.failure = undefined;
  if (host.questionsForm) answers ??= await import('./questions-answers.js');
  host.fieldErrors = validate(host);
  const values = filledValues(host.formValues, host.shown());
  if (Object.keys(host.fieldErrors).length || !emit(host, 'lr-submit', values, true)) {
    host.sendState = 'idle';
    return focusFirstError(host);
  }
  const key = (host.pendingKey = newKey());
  // Browser autofill fills every field at once and a person can press Send a second later: sooner than the proxy's
  // minimum fill time, which is there for bots that skip the widget. Wait out the rest, showing "Sending…".
  const early = LIMITS.minFillMs - (Date.now() - host.fillStart);
  if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
  const body = buildLeadRequest(host, values);
  if (host.questionsForm) answers!.addAnswers(host, body);
  // A token of its own for every new submission; a resend of this one (same key) is not challenged again.
  const turnstile = await captcha(host);
  if (turnstile && !(await turnstile.addToken(host, body))) return;
  const item = { key, proxy: host.proxy, body, at: Date.now() };
  putInOutbox(item);
  return sendSubmission(host, item);
}

/**
 * Send a submission (a new one, or one waiting in the outbox) and tell the form. Every send is reported, but only
 * the one the form is waiting for (`pendingKey`) changes what it shows.
 */
export async function sendSubmission(host: SubmitHost, item: PendingSubmission): Promise<void> {
  const outcome = await deliver(item);
  if (outcome.kind === 'unreachable') retryLater(host);
  if (item.key === host.pendingKey) return settle(host, item.key, outcome);
  // A submission an earlier page left behind: the page hears how it ended (its form is gone, this one stays as it is).
  if (outcome.kind === 'accepted') emit(host, 'lr-success', { ...successDetail(outcome.response as LeadSuccessDetail), resent: true });
  else if (outcome.kind === 'rejected') emit(host, 'lr-error', { ...outcome.error, resent: true });
}

/** The answer without its lead token (kept in storage for convertLead, not handed to page scripts). */
const successDetail = ({ status, conversationId }: LeadSuccessDetail): LeadSuccessDetail => ({ status, conversationId });

/** While the proxy cannot be reached, what waits is tried again this often (and on every later page). */
const RETRY_MS = 30_000;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Something still waits in the outbox: send it again when the browser comes back online, and in RETRY_MS when it is
 * online already (the proxy did not answer: no `online` event may come). One wait at a time: the browser keeps one
 * listener per function, and a new timer replaces the last.
 */
function retryLater(host: SubmitHost): void {
  addEventListener('online', host.outboxController.flushOutbox, { once: true });
  clearTimeout(retryTimer);
  if (navigator.onLine !== false) retryTimer = setTimeout(host.outboxController.flushOutbox, RETRY_MS);
}

function settle(host: SubmitHost, key: string, outcome: SendOutcome): void {
  if (outcome.kind === 'accepted') {
    host.pendingKey = '';
    host.sendState = 'success';
    host.outboxController.clearDraft();
    const detail = successDetail(outcome.response as LeadSuccessDetail);
    // A 202: the proxy holds it and delivers it shortly. Still a success; the form adds a sentence saying so.
    host.failure = detail.status === 'queued' ? 'delivering' : undefined;
    emit(host, 'lr-success', detail);
  } else if (outcome.kind === 'unreachable') {
    const offline = navigator.onLine === false;
    if (host.sendState === 'queued') return;
    host.sendState = 'queued';
    // Which sentence the saved-for-later box says: offline, or the server could not be reached.
    host.failure = offline ? 'queued' : 'unreachable';
    host.outboxController.clearDraft(); // the outbox holds it now
    emit(host, 'lr-queued', { idempotencyKey: key, reason: offline ? 'offline' : 'unreachable' });
  } else {
    host.pendingKey = '';
    const { error } = outcome;
    const errors: FieldErrors = {};
    // Built-in fields, and the form's questions (by name): each error is shown at its field.
    for (const [field, code] of Object.entries(error.fields ?? {})) if (code && (field in FIELD_TYPES || answers?.isQuestion(host, field))) errors[field as LeadField] = code;
    host.fieldErrors = errors;
    // A code without a sentence of its own reads as the generic error. A 409 questions_changed is the questions code's
    // to answer (it listens for this lr-error: questions-view.ts), so a form without questions carries none of it.
    host.failure = error.code as MessageKey;
    host.sendState = 'error';
    emit(host, 'lr-error', { code: error.code, message: error.message, fields: error.fields });
    return focusFirstError(host);
  }
  host.focusNext = '.done';
}

/**
 * The `POST /leads` body: `values` (only shown, filled fields), the honeypot's content, the fill time, the consent
 * text (when the `consent` attribute asks for it) and whether it is ticked, plus the visit's context and any earlier
 * lead token.
 */
function buildLeadRequest(host: SubmitHost, values: LeadValues): LeadRequest {
  const hp = host.renderRoot.querySelector<HTMLInputElement>('[name=hp]')?.value ?? '';
  const body: LeadRequest = { ...values, hp, elapsedMs: Math.max(0, Date.now() - host.fillStart) };
  const country = host.phoneCountry || defaultPhoneCountry();
  if (values.phone && country) body.phoneCountry = country.toUpperCase();
  if (host.consent) body.consent = { given: host.consentGiven, text: host.consent.slice(0, LIMITS.consentText.max) };
  body.page = readPageContext();
  const utm = readUtm();
  if (utm) body.utm = utm;
  const leadToken = readLeadToken();
  if (leadToken) body.leadToken = leadToken;
  return body;
}

/** A v4 UUID for the Idempotency-Key; `crypto.randomUUID` exists only on secure pages, and forms live on plain http too. */
function newKey(): string {
  // The fallback fills the v4 template: each 0, 1 or 8 becomes a random hex digit (8 keeps the variant bits 10xx).
  return (
    crypto.randomUUID?.() ??
    '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (digit) =>
      (+digit ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (+digit / 4)))).toString(16),
    )
  );
}
