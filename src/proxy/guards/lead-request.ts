// Validates and normalises the body of POST /leads against the wire contract (src/protocol/wire.ts).
import { sha256, toBase64Url } from '../web-crypto.js';
import {
  FIELD_VALIDATORS,
  LEAD_FIELDS,
  LIMITS,
  UTM_KEYS,
  cleanContextText,
  cleanContextUrl,
  cleanPhoneCountry,
  contactFieldMissing,
  isFilled,
  validateText,
  validateUrl,
  type UtmKey,
} from '../../protocol/wire.js';
import { answersSummary, companyName, toIntercomAttributes, validateAnswers, type AnswerValues } from '../../protocol/questions.js';
import { invalidFields, ProxyError, type FieldErrors } from '../errors.js';
import { formHash, questionForm, type ProxyQuestions } from './questions.js';
import type { CountryCode } from 'libphonenumber-js';
import { isPhoneCountry, normalisePhone } from './phone.js';
import { isPlainObject, rejectUnknownKeys } from './request-body.js';

/** The top-level keys a browser may send; anything else (`role`, `external_id`, `custom_attributes`…) is refused. */
export const LEAD_REQUEST_KEYS = [
  ...LEAD_FIELDS,
  'phoneCountry',
  'consent',
  'page',
  'utm',
  'hp',
  'elapsedMs',
  'leadToken',
  'avatar',
  'captchaToken',
  'answers',
  'questionsHash',
  'form',
] as const;
const PAGE_KEYS = ['url', 'referrer', 'title'] as const;
const CONSENT_KEYS = ['given', 'text'] as const;

/** A submission after validation: only known fields, trimmed, phone in E.164. What reaches Intercom comes from here. */
export interface LeadSubmission {
  name?: string;
  email?: string;
  phone?: string;
  message?: string;
  consent?: { given: boolean; text: string };
  page?: { url?: string; referrer?: string; title?: string };
  utm?: Partial<Record<UtmKey, string>>;
  avatar?: string;
  leadToken?: string;
  /** The form of the questions file the answers are for, when not the default one. */
  form?: string;
  /** The answers, checked and typed (validateAnswers), by question name. */
  answers?: AnswerValues;
  /**
   * A digest of the answers exactly as they were sent. The fingerprint holds this, not the typed answers: typing needs
   * the questions file, and a resend of a submission the proxy already accepted is the same submission whatever the
   * file says now (checkResentLead).
   */
  answersSent?: string;
  /**
   * What the answers become in Intercom, worked out from the definition when the submission was checked, so a queued
   * submission is delivered as it was accepted even if the questions file changes meanwhile. Not part of the
   * fingerprint (see fingerprintSubmission): a resend is the same submission whatever the labels say by then. Present
   * whenever the proxy has a questions file, answers or not, so the first message always starts with the answers
   * block (answersFirstMessage) and a visitor's message can never pass for one.
   */
  questions?: {
    /** Custom attributes by Intercom attribute name (toIntercomAttributes). */
    attributes: Record<string, string | number | boolean>;
    /** "Label: value" lines in the file's default locale, for the conversation's first message ('' for none). */
    summary: string;
    /** The `company: true` question's answer. */
    company?: string;
  };
}

export interface LeadRequestChecked {
  submission: LeadSubmission;
  /** Honeypot value ('' for people). */
  hp: string;
  elapsedMs: number;
  captchaToken?: string;
  /**
   * Page-context fields (`page.title`, `utm.utm_source`, `phoneCountry`…) that were sent but held nothing usable and
   * were dropped: names only, for the request's log line; never their values.
   */
  contextDropped: string[];
}

/** A trimmed optional string, or its error recorded under `name`. */
function optionalText(value: unknown, name: string, max: number, fields: FieldErrors): string | undefined {
  if (value === undefined || value === null) return undefined;
  const code = validateText(value, max);
  if (code) fields[name] = code;
  return code ? undefined : (value as string).trim() || undefined;
}

/** True for a value that was sent at all (`''` is how a browser says "none": document.referrer on a direct visit). */
function sent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/**
 * Page context (see wire.ts): each value cleaned, or dropped and its name recorded in `dropped`, never refused. A
 * container that is not an object is dropped the same way; only an unknown key is refused, as everywhere in a body,
 * so no field can be smuggled in under the context's name.
 */
function checkPage(value: unknown, fields: FieldErrors, dropped: string[]): LeadSubmission['page'] {
  if (!sent(value)) return undefined;
  if (!isPlainObject(value)) {
    dropped.push('page');
    return undefined;
  }
  rejectUnknownKeys(value, PAGE_KEYS, fields, 'page.');
  const page: NonNullable<LeadSubmission['page']> = {};
  for (const key of PAGE_KEYS) {
    if (!sent(value[key])) continue;
    const clean = key === 'title' ? cleanContextText(value[key], LIMITS.title.max) : cleanContextUrl(value[key]);
    if (clean === undefined || (key !== 'title' && validateUrl(clean))) dropped.push(`page.${key}`);
    else page[key] = clean;
  }
  return Object.keys(page).length ? page : undefined;
}

function checkUtm(value: unknown, fields: FieldErrors, dropped: string[]): LeadSubmission['utm'] {
  if (!sent(value)) return undefined;
  if (!isPlainObject(value)) {
    dropped.push('utm');
    return undefined;
  }
  rejectUnknownKeys(value, UTM_KEYS, fields, 'utm.');
  const utm: NonNullable<LeadSubmission['utm']> = {};
  for (const key of UTM_KEYS) {
    if (!sent(value[key])) continue;
    const clean = cleanContextText(value[key], LIMITS.utmValue.max);
    if (clean === undefined) dropped.push(`utm.${key}`);
    else utm[key] = clean;
  }
  return Object.keys(utm).length ? utm : undefined;
}

/** The country to read a phone number written without `+`: a known region, else none (the number must then be international). */
function checkPhoneCountry(value: unknown, dropped: string[]): CountryCode | undefined {
  if (!sent(value)) return undefined;
  const code = cleanPhoneCountry(value);
  if (code !== undefined && isPhoneCountry(code)) return code;
  dropped.push('phoneCountry');
  return undefined;
}

function checkConsent(value: unknown, fields: FieldErrors): LeadSubmission['consent'] {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) {
    fields.consent = 'invalid_type';
    return undefined;
  }
  rejectUnknownKeys(value, CONSENT_KEYS, fields, 'consent.');
  if (typeof value.given !== 'boolean') fields['consent.given'] = 'invalid_type';
  const textCode = validateText(value.text ?? '', LIMITS.consentText.max, true);
  if (textCode) fields['consent.text'] = textCode;
  if (typeof value.given !== 'boolean' || textCode) return undefined;
  return { given: value.given, text: ((value.text as string | undefined) ?? '').trim() };
}

/** Sets `fields[name]` even for a name like `__proto__` (an answer's name is the sender's choice). */
function setField(fields: FieldErrors, name: string, code: NonNullable<FieldErrors[string]>): void {
  Object.defineProperty(fields, name, { value: code, enumerable: true, writable: true, configurable: true });
}

/** A digest of `answers` exactly as sent (keys sorted at every level), or undefined when none were sent. */
function answersDigest(answers: unknown): string | undefined {
  if (answers === undefined || answers === null || (isPlainObject(answers) && Object.keys(answers).length === 0)) return undefined;
  const canonical = (value: unknown): unknown =>
    isPlainObject(value)
      ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical(value[key])]))
      : Array.isArray(value)
        ? value.map(canonical)
        : value;
  return toBase64Url(sha256(JSON.stringify(canonical(answers))));
}

/**
 * The answers to the site's own questions, against the proxy's definition only: the form named (400 when it has no
 * such form), the hash the page was built from (409 questions_changed when it is not the current one), then each
 * answer, its error under the question's name. A hidden answer that does not fit is dropped (named in `dropped`).
 * `asSent`: none of that, only the form's name and the answers' digest as sent (checkResentLead).
 */
function checkAnswers(
  body: Record<string, unknown>,
  questions: ProxyQuestions | undefined,
  fields: FieldErrors,
  dropped: string[],
  asSent = false,
): Pick<LeadSubmission, 'form' | 'answers' | 'answersSent' | 'questions'> {
  const formName = body.form === undefined || body.form === null || body.form === '' ? undefined : body.form;
  if (formName !== undefined && typeof formName !== 'string') {
    fields.form = 'invalid_type';
    return {};
  }
  const answersSent = answersDigest(body.answers);
  const named = { ...(formName === undefined ? {} : { form: formName }), ...(answersSent === undefined ? {} : { answersSent }) };
  const sentHash = body.questionsHash;
  if (asSent) {
    if (sentHash !== undefined && sentHash !== null && typeof sentHash !== 'string') fields.questionsHash = 'invalid_type';
    if (body.answers !== undefined && body.answers !== null && !isPlainObject(body.answers)) fields.answers = 'invalid_type';
    return named;
  }
  const form = questionForm(questions, formName);
  if (!form) {
    fields.form = 'unknown_option';
    return {};
  }
  if (sentHash !== undefined && sentHash !== null && typeof sentHash !== 'string') fields.questionsHash = 'invalid_type';
  else if (sentHash) {
    const current = formHash(questions, form);
    // The form's own hash, or the whole file's (a page that baked in every form): either proves it is current.
    if (sentHash !== current && sentHash !== questions?.hash) {
      throw new ProxyError(
        409,
        'questions_changed',
        'The form was built from questions that have changed since. Load them again (GET /questions), keep what was typed, and send again.',
        undefined,
        undefined,
        { questionsHash: current },
      );
    }
  }
  const result = validateAnswers(form, body.answers);
  for (const [name, code] of Object.entries(result.errors)) {
    // A name the form does not define is named under `answers.`: it is no question, and may be any text.
    setField(fields, code === 'unknown_field' && !form.questions.some((question) => question.name === name) ? `answers.${name}` : name, code as NonNullable<FieldErrors[string]>);
  }
  for (const name of Object.keys(result.dropped)) dropped.push(`answers.${name}`);
  if (Object.keys(result.values).length === 0) {
    // With a questions file the first message still opens with the (empty) answers block: see LeadSubmission.questions.
    return questions ? { ...named, questions: { attributes: {}, summary: '' } } : named;
  }
  const company = companyName(form, result.values);
  return {
    ...named,
    answers: result.values,
    questions: {
      attributes: toIntercomAttributes(form, result.values),
      summary: answersSummary(form, result.values, form.defaultLocale),
      ...(company === undefined ? {} : { company }),
    },
  };
}

/**
 * Validate a parsed POST /leads body; throws 400 invalid_field with every field's code at once (409
 * questions_changed first when the page's questions are not the proxy's any more).
 */
export function checkLeadRequest(body: Record<string, unknown>, questions?: ProxyQuestions, asSent = false): LeadRequestChecked {
  const fields: FieldErrors = {};
  rejectUnknownKeys(body, LEAD_REQUEST_KEYS, fields);
  const submission: LeadSubmission = {};

  for (const key of LEAD_FIELDS) {
    const value = body[key];
    if (value === undefined || value === null || value === '') continue;
    const code = FIELD_VALIDATORS[key](value);
    if (code) fields[key] = code;
    else if (isFilled(value)) submission[key] = value.trim();
  }
  if (contactFieldMissing(body) && !fields.email && !fields.phone) {
    fields.email = 'required';
    fields.phone = 'required';
  }

  const contextDropped: string[] = [];
  const country = checkPhoneCountry(body.phoneCountry, contextDropped);
  if (submission.phone) {
    const e164 = normalisePhone(submission.phone, country);
    if (e164) submission.phone = e164;
    else fields.phone = 'invalid_phone';
  }

  submission.consent = checkConsent(body.consent, fields);
  submission.page = checkPage(body.page, fields, contextDropped);
  submission.utm = checkUtm(body.utm, fields, contextDropped);
  if (body.avatar !== undefined && body.avatar !== null && body.avatar !== '') {
    const code = validateUrl(body.avatar) ?? validateText(body.avatar, LIMITS.avatar.max);
    if (code) fields.avatar = code;
    else submission.avatar = body.avatar as string;
  }
  submission.leadToken = optionalText(body.leadToken, 'leadToken', LIMITS.leadToken.max, fields);
  Object.assign(submission, checkAnswers(body, questions, fields, contextDropped, asSent));

  const hp = body.hp ?? '';
  if (typeof hp !== 'string') fields.hp = 'invalid_type';
  const elapsedMs = body.elapsedMs;
  if (elapsedMs === undefined) fields.elapsedMs = 'required';
  else if (typeof elapsedMs !== 'number' || !Number.isFinite(elapsedMs) || elapsedMs < 0) fields.elapsedMs = 'invalid_type';
  const captchaToken = optionalText(body.captchaToken, 'captchaToken', LIMITS.captchaToken.max, fields);

  if (Object.keys(fields).length) throw invalidFields(...listedFields(fields));
  for (const key of Object.keys(submission) as (keyof LeadSubmission)[]) {
    if (submission[key] === undefined) delete submission[key];
  }
  return { submission, hp: hp as string, elapsedMs: elapsedMs as number, captchaToken, contextDropped };
}

/** How many `unknown_field` problems a 400 names; every other problem (one the visitor or the page can fix) is named. */
export const MAX_UNKNOWN_LISTED = 10;

/**
 * The problems a 400 carries: each known field's, and at most MAX_UNKNOWN_LISTED unknown names, each cut to 64
 * characters, with how many more were left out. A body of made-up keys would otherwise answer several times its size,
 * every key echoed back.
 */
function listedFields(fields: FieldErrors): [FieldErrors, number] {
  const listed: FieldErrors = {};
  let unknown = 0;
  for (const [name, code] of Object.entries(fields)) {
    if (code === 'unknown_field' && (unknown += 1) > MAX_UNKNOWN_LISTED) continue;
    setField(listed, code === 'unknown_field' && name.length > 64 ? `${name.slice(0, 64)}…` : name, code!);
  }
  return [listed, Math.max(0, unknown - MAX_UNKNOWN_LISTED)];
}

/**
 * A resend's body checked as checkLeadRequest does, except the answers, kept as sent (their digest, `answersSent`):
 * to tell whether it is the very submission the proxy accepted earlier under another questions file. Its fingerprint
 * equals that submission's exactly when the bodies are the same. Never delivered: it has no typed answers.
 */
export function checkResentLead(body: Record<string, unknown>): LeadRequestChecked {
  return checkLeadRequest(body, undefined, true);
}

/**
 * A stable hash of what a submission asks Intercom to create, answers included (as sent: `answersSent`). `hp`,
 * `elapsedMs` and `captchaToken` are left out: a retry may carry a fresh captcha token or a recomputed fill time and
 * is still the same submission; so are the typed answers and what they become in Intercom (`answers`, `questions`),
 * which follow the questions file of the day.
 */
export function fingerprintSubmission({ questions: _derived, answers: _typed, ...submission }: LeadSubmission): string {
  const canonical = (value: unknown): unknown =>
    isPlainObject(value)
      ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical(value[key])]))
      : value;
  return toBase64Url(sha256(JSON.stringify(canonical(submission))));
}
