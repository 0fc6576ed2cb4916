// The wire contract between the browser and the proxy: routes, bodies, limits, error codes, validators.
// Imported by both runtimes, so it must stay free of DOM and Node APIs.
import { urlSchemeError } from './url.js';

/** Header that carries one UUID per submission, reused on every retry of it. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** Routes, relative to the proxy's base URL. */
export const ROUTES = {
  leads: '/leads',
  messages: '/messages',
  convert: '/convert',
  health: '/health',
  /** The site's own questions (the questions file), as the widget renders them. */
  questions: '/questions',
} as const;

/** The fields a visitor can fill in. */
export const LEAD_FIELDS = ['name', 'email', 'phone', 'message'] as const;
export type LeadField = (typeof LEAD_FIELDS)[number];

/** Limits on what the browser may send. One definition: the widget sets `maxlength` from these, the proxy enforces them. */
export const LIMITS = {
  name: { max: 200 },
  email: { max: 254 },
  phone: { max: 32, minDigits: 5, maxDigits: 15 },
  message: { max: 5000 },
  phoneCountry: { max: 2 },
  consentText: { max: 1000 },
  url: { max: 2048 },
  title: { max: 300 },
  utmValue: { max: 200 },
  leadToken: { max: 2048 },
  avatar: { max: 2048 },
  captchaToken: { max: 4096 },
  /** POST /convert identity: the customer's user id, an Intercom-style user hash, a JWT; a Messenger visitor id. */
  userId: { max: 255 },
  userHash: { max: 128 },
  jwt: { max: 4096 },
  visitorId: { max: 255 },
  /**
   * Proxy refuses bodies above this many bytes (413 body_too_large), plus what a questions file's answers can weigh on
   * POST /leads. At least a submission of every field above at its limit in 4-byte characters (UTF-8's most per code
   * point) with the page context and tokens the widget sends: about 41 KB (test/proxy/guards.test.ts sends it).
   */
  bodyBytes: 48 * 1024,
  /** A human takes at least this long from first keystroke to submit; faster is a bot. */
  minFillMs: 1500,
} as const;

/** UTM parameters the widget reads from the page URL and the proxy records on the lead. */
export const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
export type UtmKey = (typeof UTM_KEYS)[number];

/** Codes for a single field, in `error.fields`. Each has a sentence in every locale (src/protocol/locales/). */
export const FIELD_ERROR_CODES = [
  'required',
  'too_long',
  'invalid_email',
  'invalid_phone',
  'invalid_type',
  'invalid_url',
  'unknown_field',
  'consent_required',
  'invalid_characters',
  /** A custom question's answer that is none of its options. */
  'unknown_option',
  /** A custom number or date question's answer outside its min and max. */
  'out_of_range',
  'invalid_number',
  'invalid_date',
] as const;
export type FieldErrorCode = (typeof FIELD_ERROR_CODES)[number];

/**
 * Codes with a sentence in every locale (src/protocol/locales/, one module per locale), shared by the widget's packs and
 * the proxy's pages for a form posted without JavaScript: each field error, and the refusals a visitor can act on.
 */
export type ExplainedCode = FieldErrorCode | 'invalid_field' | 'rate_limited' | 'spam_suspected' | 'origin_not_allowed' | 'captcha_failed';

/** Codes for a whole request, in `error.code`. */
export const ERROR_CODES = [
  'invalid_field',
  'invalid_json',
  'missing_idempotency_key',
  'invalid_idempotency_key',
  'idempotency_key_reused',
  'idempotency_in_progress',
  'origin_not_allowed',
  'body_too_large',
  'unsupported_media_type',
  'method_not_allowed',
  'not_found',
  'rate_limited',
  'spam_suspected',
  'captcha_failed',
  /**
   * POST /leads: the form was built from an older questions file (its `questionsHash` is not the proxy's): nothing was
   * sent; `error.questionsHash` is the current one. Fetch GET /questions, re-render keeping what was typed, send again.
   */
  'questions_changed',
  'invalid_lead_token',
  'identity_unverified',
  /** POST /convert: the lead token's lead was already merged into a different user than the one signing in. */
  'lead_already_converted',
  /**
   * POST /convert: Intercom holds a user this identity could be but cannot be proven to be (a user with the verified
   * email and another external_id). Nothing was merged; sign in with the user id Intercom knows, or fix it in Intercom.
   */
  'identity_conflict',
  /** POST /messages, /convert: the lead token's submission is still queued for delivery (503, Retry-After). */
  'lead_pending',
  'upstream_unavailable',
  'upstream_rejected',
  'network_error',
  /** GET /metrics with a metrics token on a runtime where prom-client cannot load (Cloudflare Workers): 501. */
  'metrics_unavailable',
  'internal_error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface WireError {
  error: {
    code: ErrorCode;
    message: string;
    fields?: Partial<Record<string, FieldErrorCode>>;
    /** With `questions_changed`: the hash of the form's current definition. */
    questionsHash?: string;
    /** With `invalid_field`: how many more unknown fields were sent than `fields` names (it names at most 10). */
    unlistedFields?: number;
  };
}

export interface PageContext {
  url?: string;
  referrer?: string;
  title?: string;
}

/** Body of `POST /leads`. */
export interface LeadRequest {
  name?: string;
  email?: string;
  phone?: string;
  /** ISO 3166-1 alpha-2 country used to read a phone number written without `+`. */
  phoneCountry?: string;
  message?: string;
  consent?: { given: boolean; text: string };
  page?: PageContext;
  utm?: Partial<Record<UtmKey, string>>;
  /** Honeypot: always empty for people. */
  hp: string;
  /** Milliseconds from first interaction to submit. */
  elapsedMs: number;
  /** A lead token from an earlier submission in this browser. */
  leadToken?: string;
  /** An image URL kept for the user record (leads cannot show avatars); never sent on the lead. */
  avatar?: string;
  /** Token from the customer's captcha widget, checked by the proxy's `verifyCaptcha` hook when one is set. */
  captchaToken?: string;
  /**
   * Answers to the site's own questions (GET /questions), by question name: a string, a number, a boolean (a
   * `checkbox`) or a list of option values (`checkboxes`). Checked against the proxy's definition.
   */
  answers?: Record<string, string | number | boolean | string[]>;
  /** The hash of the definition the form was built from (GET /questions' `hash`); a different one is 409 questions_changed. */
  questionsHash?: string;
  /** The form of the questions file (the widget's `form` attribute); the `default` form when absent. */
  form?: string;
}

export type LeadResponse =
  | { status: 'created'; leadToken: string; conversationId: string }
  | { status: 'queued'; leadToken: string };

/** Body of `POST /messages`. */
export interface MessageRequest {
  leadToken: string;
  body: string;
}
export interface MessageResponse {
  conversationId: string;
}

export interface Identity {
  userId?: string;
  email?: string;
  /**
   * With `userId`: hex(HMAC-SHA256(identity secret, userId)), which verifies the id only. Without: the email hash
   * (`computeEmailHash` in `leadrelay/proxy`), the only hash that verifies `email`; never HMAC(secret, email).
   */
  userHash?: string;
  /** HS256, with `sub`, `exp`, `iat` (at most 10 minutes old by default), `aud` and `iss`; an optional verified `email`. */
  jwt?: string;
  /** An image URL to set on the user once the lead is merged (leads cannot show avatars). */
  avatar?: string;
}

/** Body of `POST /convert`. */
export interface ConvertRequest {
  leadToken?: string;
  visitorId?: string;
  identity: Identity;
}
export interface ConvertResponse {
  status: 'merged' | 'created' | 'converted';
  contactId: string;
}

// ---- Validators: pure `(value) → code | undefined`, the same codes the proxy returns. ----

// The WHATWG HTML "valid e-mail address" production, which is what <input type=email> accepts.
const EMAIL_PATTERN =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

function length(value: string): number {
  // Count code points, not UTF-16 units, so an emoji counts once (as `maxlength` does not, but people do).
  return [...value].length;
}

function validateString(value: unknown, max: number): FieldErrorCode | undefined {
  if (typeof value !== 'string') return 'invalid_type';
  if (length(value) > max) return 'too_long';
  return undefined;
}

// Characters nobody types into a form: C0/C1 controls, bidi embeddings, overrides and isolates (used to disguise
// text, "Trojan Source"), and lone surrogates (not text at all). With the `u` flag a surrogate *pair* is one code
// point, so only a lone one matches. Tab, line feed and carriage return are allowed in multi-line fields only.
const FORBIDDEN_ANYWHERE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uD800-\uDFFF]/u;
const LINE_BREAKS_AND_TABS = /[\t\n\r]/;

/** A string of at most `max` code points, free of control and bidi-override characters (line breaks only if `multiline`). */
export function validateText(value: unknown, max: number, multiline = false): FieldErrorCode | undefined {
  const base = validateString(value, max);
  if (base) return base;
  const text = value as string;
  if (FORBIDDEN_ANYWHERE.test(text) || (!multiline && LINE_BREAKS_AND_TABS.test(text))) return 'invalid_characters';
  return undefined;
}

export function validateEmail(value: unknown): FieldErrorCode | undefined {
  // Type and length only: the pattern below refuses every character an address cannot hold, with a clearer message.
  const base = validateString(value, LIMITS.email.max);
  if (base) return base;
  return EMAIL_PATTERN.test((value as string).trim()) ? undefined : 'invalid_email';
}

/**
 * A cheap shape check for a phone number, shared by the widget (which cannot afford a full
 * numbering-plan library) and the proxy (which then parses it properly into E.164).
 */
export function validatePhoneShape(value: unknown): FieldErrorCode | undefined {
  const base = validateString(value, LIMITS.phone.max);
  if (base) return base;
  const text = (value as string).trim();
  if (!/^\+?[0-9 ().\-/]+$/.test(text)) return 'invalid_phone';
  const digits = text.replace(/\D/g, '').length;
  if (digits < LIMITS.phone.minDigits || digits > LIMITS.phone.maxDigits) return 'invalid_phone';
  return undefined;
}

/** A URL field's text check (length, characters); `validateUrl` adds the scheme check. */
export const validateUrlText = (value: unknown): FieldErrorCode | undefined => validateText(value, LIMITS.url.max);

// The scheme check lives in url.ts, so the widget's bundle carries it only with the questions' checks.
export function validateUrl(value: unknown): FieldErrorCode | undefined {
  return validateUrlText(value) ?? urlSchemeError(value as string);
}

// ---- Page context: what the page says about the visit (URL, referrer, title, UTM parameters, phone country). ----
// The visitor never typed it and never sees it, and anyone can craft it (a link with `?utm_source=%0A`, a title with
// a bidi override, `<html lang="en-UK">`). So it is context, not input: it is cleaned, or dropped when nothing usable
// is left, and never the reason a submission is refused. The widget cleans before sending and the proxy cleans again
// (a page may run an older widget, or none), both with these functions.

// The characters `validateText` refuses, plus line breaks and separators, which a one-line context value cannot hold.
const CONTEXT_STRIP = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uD800-\uDFFF]/gu;
const CONTEXT_SPACE = /[\t\n\r\u2028\u2029]+/g;

/**
 * A context string made safe to record: controls, bidi overrides and lone surrogates (a value cut inside a pair)
 * removed, line breaks turned into spaces, trimmed, and cut to `max` code points. Undefined when it is not a string
 * or nothing is left.
 */
export function cleanContextText(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = [...value.replace(CONTEXT_STRIP, '').replace(CONTEXT_SPACE, ' ').trim()].slice(0, max).join('').trim();
  return text || undefined;
}

/**
 * A context URL (the page's, its referrer): cleaned and cut as text, kept only if it still reads as an http(s) URL
 * (not `about:srcdoc`, `file:`, `android-app://`). A browser's own URLs always parse, so the widget stops there; the
 * proxy also parses what it is sent (`validateUrl`), which an older widget or a hand-made request may not satisfy.
 */
export function cleanContextUrl(value: unknown): string | undefined {
  const text = cleanContextText(value, LIMITS.url.max);
  return text && /^https?:\/\/./i.test(text) ? text : undefined;
}

/**
 * A region code from page context (`<html lang>`, the `phone-country` attribute): two letters, upper case, or
 * undefined. `UK`, the usual slip for the United Kingdom (`en-UK`), reads as its ISO code `GB`. Whether the code
 * names a real country is the proxy's to check (it holds the numbering plans); if not, it is dropped too.
 */
export function cleanPhoneCountry(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) return undefined;
  return code === 'UK' ? 'GB' : code;
}

/** Validators for the visitor-facing fields, by field name. */
export const FIELD_VALIDATORS: Record<LeadField, (value: unknown) => FieldErrorCode | undefined> = {
  name: (v) => validateText(v, LIMITS.name.max),
  email: validateEmail,
  phone: validatePhoneShape,
  message: (v) => validateText(v, LIMITS.message.max, true),
};

/** True for a string, after trimming, with something in it. */
export function isFilled(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** Every lead needs a way to reach the person: an email or a phone number. */
export function contactFieldMissing(body: { email?: unknown; phone?: unknown }): boolean {
  return !isFilled(body.email) && !isFilled(body.phone);
}

/** UUID (any version) as sent in the Idempotency-Key header. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
