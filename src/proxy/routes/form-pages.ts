// The HTML pages a form posted without JavaScript gets: the thank-you page, and refusals that say what to fix.
// Everything echoed is HTML-escaped; the pages load nothing and run nothing (their CSP allows one inline style).
import { sha256, toBase64 } from '../web-crypto.js';
import type { FieldErrorCode } from '../../protocol/wire.js';
import type { FieldErrors } from '../errors.js';
import type { FormLocale, FormMessages } from './form-messages.js';

const STYLE =
  'body{margin:0;padding:2rem 1rem;font:1rem/1.5 system-ui,sans-serif;color:#1b1b1b;background:#fff}' +
  'main{max-width:36rem;margin:0 auto}h1{font-size:1.5rem;line-height:1.25}a{color:#0b57d0}' +
  'li{margin:.5rem 0}.value,pre{font:inherit;white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f3f3;padding:0 .25rem}' +
  'pre{padding:.5rem}@media (prefers-color-scheme:dark){body{color:#eee;background:#121212}a{color:#8ab4f8}.value,pre{background:#2a2a2a}}';

let pageHeaders: Readonly<Record<string, string>> | undefined;

/**
 * What every page is sent with: no caching (it answers one post), a policy that runs nothing, and no framing: another
 * site must not show a thank-you or refusal page in a frame (clickjacking, or passing it off as its own). `default-src`
 * does not cover `frame-ancestors`; X-Frame-Options says the same to browsers that predate it. Made on the first page,
 * not at import: the style's hash is the first SHA-256 the process runs, about 8 ms of CPU while it is still cold.
 */
function pageHeadersOnce(): Readonly<Record<string, string>> {
  pageHeaders ??= {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; style-src 'sha256-${toBase64(sha256(STYLE))}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
  };
  return pageHeaders;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

// Controls and bidi overrides would scramble the page around an echoed value: shown as U+FFFD instead.
const UNSHOWABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uD800-\uDFFF]/gu;

/** A visitor's value for display: escaped, unshowable characters replaced, at most `max` characters. */
function echo(value: string, max: number): string {
  const chars = [...value.replace(UNSHOWABLE, '\uFFFD')];
  return escapeHtml(chars.length > max ? `${chars.slice(0, max).join('')}…` : chars.join(''));
}

interface PageParts {
  locale: FormLocale;
  title: string;
  /** Inner HTML after the heading: built only from escaped values. */
  content: string;
  /** The machine-readable outcome (`created`, `queued`, or a wire error code), on `<main data-code>`. */
  code: string;
}

function page({ locale, title, content, code }: PageParts): string {
  return `<!doctype html>
<html lang="${locale.lang}" dir="${locale.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main data-code="${escapeHtml(code)}">
<h1>${escapeHtml(title)}</h1>
${content}
</main>
</body>
</html>
`;
}

function backLink(t: FormMessages, back: string | undefined): string {
  return back ? `<p><a href="${escapeHtml(back)}">${escapeHtml(t.back)}</a></p>` : '';
}

/** The page after an accepted post (`status` 201 created, or 202 accepted durably and delivered soon). */
export function thankYouPage(locale: FormLocale, status: 201 | 202, back: string | undefined): Response {
  const { t } = locale;
  const content = `<p role="status">${escapeHtml(t.thanks)}</p>\n${backLink(t, back)}`;
  const html = page({ locale, title: t.thanksTitle, content, code: status === 201 ? 'created' : 'queued' });
  return new Response(html, { status, headers: pageHeadersOnce() });
}

/** What a refusal page knows: the wire error, the language, where "back" goes, and what the visitor sent. */
export interface Refusal {
  status: number;
  code: string;
  fields?: FieldErrors;
  /** Problems the wire error counted but did not name (`unlistedFields`: unknown fields past the first 10). */
  unlisted?: number;
  locale: FormLocale;
  back?: string;
  /** The posted fields, to echo a wrong value next to its problem and to hand the message back for copying. */
  values?: Record<string, string | string[]>;
  /** Headers to keep from the refusal (Retry-After, Allow). */
  headers?: Record<string, string>;
  /** The site's own questions' labels in the page's language, by question name: a problem with an answer names its question. */
  labels?: Record<string, string>;
}

const FIELD_LABELS = ['name', 'email', 'phone', 'message', 'consent', 'phoneCountry'] as const;

function fieldLabel(t: FormMessages, field: string, labels: Record<string, string> = {}): string {
  if (Object.prototype.hasOwnProperty.call(labels, field)) return labels[field]!;
  const base = field.split('.')[0]!;
  return (FIELD_LABELS as readonly string[]).includes(base) ? t[base as (typeof FIELD_LABELS)[number]] : t.field;
}

/**
 * At most this many problems are listed. Every field the form does not have is a problem of its own, so a post made
 * by a script could otherwise make the page as long as its body is many times over; the fields a visitor can fix
 * (the labelled ones) come first.
 */
export const MAX_LISTED_PROBLEMS = 10;
/** An attacker-chosen field name is echoed in `data-field` no longer than this. */
const MAX_FIELD_NAME_CHARS = 64;

function problemList(t: FormMessages, fields: FieldErrors, values: Record<string, string | string[]>, labels: Record<string, string> = {}, unlisted = 0): string {
  const labelled = (field: string) => (FIELD_LABELS as readonly string[]).includes(field.split('.')[0]!) || Object.prototype.hasOwnProperty.call(labels, field);
  const entries = Object.entries(fields);
  const listed = [...entries.filter(([field]) => labelled(field)), ...entries.filter(([field]) => !labelled(field))].slice(0, MAX_LISTED_PROBLEMS);
  const items = listed.map(([field, code]) => {
    const sentence = t[code as FieldErrorCode] ?? t.invalid_type;
    const value = values[field];
    const entered = typeof value === 'string' && value !== '' && field !== 'consent' ? ` ${escapeHtml(t.youEntered)} <bdi class="value">${echo(value, 300)}</bdi>` : '';
    return `<li data-field="${echo(field, MAX_FIELD_NAME_CHARS)}" data-code="${escapeHtml(code ?? '')}"><strong>${escapeHtml(fieldLabel(t, field, labels))}:</strong> ${escapeHtml(sentence)}${entered}</li>`;
  });
  const left = entries.length - listed.length + (Number.isSafeInteger(unlisted) && unlisted > 0 ? unlisted : 0);
  const more = left > 0 ? `\n<p data-more="${left}">${escapeHtml(t.moreProblems)}</p>` : '';
  return `<ul>\n${items.join('\n')}\n</ul>${more}`;
}

/** The wire error codes a visitor can act on, each with its own sentence. */
const EXPLAINED = ['invalid_field', 'rate_limited', 'spam_suspected', 'origin_not_allowed', 'captcha_failed', 'body_too_large', 'unsupported_media_type', 'questions_changed'] as const;

/** The sentence for a refusal: its own for the codes a visitor can act on, else "try again in a moment" (5xx) or a generic one. */
function refusalSentence(t: FormMessages, status: number, code: string): string {
  if ((EXPLAINED as readonly string[]).includes(code)) return t[code as (typeof EXPLAINED)[number]];
  return status >= 500 || status === 409 ? t.unavailable : t.error;
}

/** The contact details the visitor typed (name, email, phone), labelled, for copying; the message follows on its own. */
function typedDetails(t: FormMessages, values: Record<string, string | string[]>): string {
  const typed = (['name', 'email', 'phone'] as const).filter((field) => typeof values[field] === 'string' && (values[field] as string).trim() !== '');
  if (!typed.length) return '';
  const items = typed.map((field) => `<li data-field="${field}"><strong>${escapeHtml(t[field])}:</strong> <bdi class="value">${echo(values[field] as string, 300)}</bdi></li>`);
  return `<p>${escapeHtml(t.yourDetails)}</p>\n<ul>\n${items.join('\n')}\n</ul>`;
}

/** The page for a refused post: what went wrong, what to fix (per field), the message to copy, and the way back. */
export function refusalPage(refusal: Refusal): Response {
  const { locale, status, code, fields, back, values = {} } = refusal;
  const { t } = locale;
  const retry = status >= 500 || status === 409 || status === 429;
  const parts = [`<p>${escapeHtml(refusalSentence(t, status, code))}</p>`];
  if (fields && Object.keys(fields).length) parts.push(problemList(t, fields, values, refusal.labels, refusal.unlisted));
  // A captcha the visitor cannot pass here (it needs JavaScript) leaves them only another way to reach the site:
  // everything they typed goes back to them, so that way costs no retyping.
  if (code === 'captcha_failed') parts.push(typedDetails(t, values));
  if (typeof values.message === 'string' && values.message.trim()) {
    parts.push(`<p>${escapeHtml(t.yourMessage)}</p>\n<pre>${echo(values.message, 10_000)}</pre>`);
  }
  parts.push(`<p>${escapeHtml(t.backHint)}</p>`, backLink(t, back));
  const html = page({ locale, title: retry ? t.retryTitle : t.notSentTitle, content: parts.filter(Boolean).join('\n'), code });
  return new Response(html, { status, headers: { ...pageHeadersOnce(), ...refusal.headers } });
}
