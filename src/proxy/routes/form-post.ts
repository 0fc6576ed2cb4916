// POST /leads from the prerendered form posted without JavaScript: urlencoded fields go through the same checks and
// the same exactly-once acceptance as the widget's JSON, and the visitor gets a page (or a 303), never JSON.
//
// The field names are the ones src/render/render-lead-relay.ts documents: the wire names of POST /leads, plus
// `consent` (the consent text, sent only when ticked), `locale` and `success_url` (hidden). The site's own questions
// are posted each under its name (a ticked `checkbox` as `on`, `checkboxes` as the name repeated once per ticked
// box), with hidden `form` (the form of the questions file, when not the default one) and `questions` (the hash the
// page was built from, as `questionsHash`). No fill time: it needs JavaScript, so this path alone skips that check;
// the honeypot, the per-IP limit and every field rule still apply.
import { hmacSha256, sha256, toBase64Url, toHex } from '../web-crypto.js';
import type { MiddlewareHandler } from 'hono';
import { validateUrl } from '../../protocol/wire.js';
import { rateLimitKey } from '../guards/client-address.js';
import { normaliseOrigin } from '../guards/origin.js';
import type { FieldErrors } from '../errors.js';
import { formLocale, type FormLocale } from './form-messages.js';
import { refusalPage, thankYouPage } from './form-pages.js';
import { acceptLead } from './leads.js';
import { leadRecordKey } from '../delivery/lead-resolver.js';
import { checkLeadRequest, checkResentLead, fingerprintSubmission, LEAD_REQUEST_KEYS } from '../guards/lead-request.js';
import { mayBeResend, replayResentLead } from './resent-lead.js';
import { loadPhoneRules } from '../guards/phone.js';
import { questionForm, type ProxyQuestions } from '../guards/questions.js';
import { questionLabel } from '../../protocol/questions.js';
import type { ProxyDeps, ProxyEnv, RequestTrace, RouteHandler } from '../options.js';
import { isFormContentType, readFormFields, submissionBodyCap } from '../guards/request-body.js';
import type { Store } from '../store/index.js';

/** Form fields that steer the answer and are not part of the lead. */
const LOCALE_FIELD = 'locale';
const SUCCESS_URL_FIELD = 'success_url';
/** Hidden, only when the snippet was made with a `page` (renderLeadRelay, `leadrelay-render --page`): the form's page. */
const PAGE_FIELD = 'page';
/** Hidden fields of a form with questions: its name in the questions file, and the hash it was built from. */
const FORM_FIELD = 'form';
const QUESTIONS_HASH_FIELD = 'questions';

/**
 * Posts of the same fields from the same client address within this long of the first are one submission: a double
 * click, Back and send again, a reload that re-POSTs. Later, the same words are a new lead.
 */
export const SAME_SUBMISSION_MS = 15 * 60_000;
/** How many windows of the same fields and address are looked through before the last one is reused. */
const MAX_GENERATIONS = 32;

/** What a refusal page needs from a post the route has read: the language, the way back, what was sent. */
interface FormContext {
  locale: FormLocale;
  back?: string;
  values: Record<string, string | string[]>;
  /** The questions' labels in the page's language, by question name, so a refusal names each by its label. */
  labels?: Record<string, string>;
}
const readPosts = new WeakMap<Request, FormContext>();

/** A browser form post: urlencoded (or multipart, which is refused with a page saying so). */
export function isFormPost(request: Request): boolean {
  return request.method === 'POST' && isFormContentType(request.headers.get('content-type'));
}

/** The origins listed by name in the allowed origins (`'*'` and entries that are no origin name none). */
function listedOrigins(allowed: readonly string[]): Set<string> {
  return new Set(allowed.filter((entry) => entry !== '*' && normaliseOrigin(entry) === entry));
}

/**
 * `value` when it is an http(s) URL on a trusted origin: one listed by name, or the posting page's own (its Origin
 * passed the origin guard; `'*'` alone never makes a URL trusted, so no post can turn the proxy into an open redirect).
 */
function trustedUrl(value: string | undefined, trusted: Set<string>): string | undefined {
  if (!value || validateUrl(value)) return undefined;
  const url = new URL(value);
  return trusted.has(url.origin) ? url.href : undefined;
}

/** Trusted origins for this request; the Origin header counts only once the guard has let it through. */
function trustedOrigins(request: Request, allowed: readonly string[], originPassed: boolean): Set<string> {
  const trusted = listedOrigins(allowed);
  const origin = request.headers.get('origin');
  if (originPassed && origin && origin !== 'null') trusted.add(origin);
  return trusted;
}

/** Where "back" goes: the page that posted (Referer), else its site (Origin), when trusted. */
function linkBack(request: Request, trusted: Set<string>): string | undefined {
  const origin = request.headers.get('origin');
  return trustedUrl(request.headers.get('referer') ?? undefined, trusted) ?? trustedUrl(origin ? `${origin}/` : undefined, trusted);
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The page the form was on, or none rather than a wrong one. First the hidden `page` field, when it names a page on
 * a trusted origin (a path is resolved against the posting page's address). Else the Referer, unless a cross-origin
 * post sent an origin alone: the browsers' default Referrer-Policy (strict-origin-when-cross-origin) cuts the path
 * off there, so `https://site.example/` says nothing about which page it was. Page context never refuses a lead:
 * an unusable `page` is dropped and named in the log line.
 */
function formPage(request: Request, posted: string | undefined, trusted: Set<string>, trace: RequestTrace): string | undefined {
  const referer = request.headers.get('referer') ?? undefined;
  const origin = request.headers.get('origin') ?? undefined;
  if (posted?.trim()) {
    const base = [referer, origin && origin !== 'null' ? `${origin}/` : undefined].find((value) => value && !validateUrl(value));
    let resolved: string | undefined;
    try {
      resolved = new URL(posted.trim(), base).href;
    } catch {
      resolved = undefined;
    }
    const page = trustedUrl(resolved, trusted);
    if (page) return page;
    trace.contextDropped = [...(trace.contextDropped ?? []), 'page.url'];
  }
  if (!referer || validateUrl(referer)) return undefined;
  const url = new URL(referer);
  const sameOrigin = request.headers.get('sec-fetch-site') === 'same-origin' || origin === new URL(request.url).origin;
  if (!sameOrigin && url.pathname === '/' && !url.search) return undefined;
  return referer;
}

/** The labels of the posted form's questions in the page's language (none when the form is unknown). */
function questionLabels(questions: ProxyQuestions | undefined, formName: string | undefined, lang: string): Record<string, string> | undefined {
  const form = questions ? questionForm(questions, formName) : undefined;
  if (!form?.questions.length) return undefined;
  return Object.fromEntries(form.questions.map((question) => [question.name, questionLabel(question, lang, form.defaultLocale)]));
}

/** The body keys of POST /leads: with `everyOtherField`, any other field of a post is taken as an answer. */
const LEAD_BODY_KEYS: ReadonlySet<string> = new Set(LEAD_REQUEST_KEYS);

/**
 * The form's fields as a POST /leads body for checkLeadRequest: the same validation and field rules as JSON. A field
 * named after one of the form's questions is its answer; any other name stays where checkLeadRequest refuses it.
 * `everyOtherField`: every field that is no body key is an answer, as it was in any post the proxy accepted under
 * the questions file of its day (question names never take a body key's name), to recognise that post sent again.
 */
function leadBodyFromForm(
  fields: Record<string, string | string[]>,
  pageUrl: string | undefined,
  questions: ProxyQuestions | undefined,
  everyOtherField = false,
): Record<string, unknown> {
  const body: Record<string, unknown> = Object.create(null);
  const formName = single(fields[FORM_FIELD]) || undefined;
  const questionNames = new Set((questionForm(questions, formName)?.questions ?? []).map((question) => question.name));
  const answers: Record<string, string | string[]> = Object.create(null);
  for (const name of Object.keys(fields)) {
    if (name === LOCALE_FIELD || name === SUCCESS_URL_FIELD) continue;
    if (name === QUESTIONS_HASH_FIELD) body.questionsHash = fields[name];
    else if (questionNames.has(name) || (everyOtherField && !LEAD_BODY_KEYS.has(name))) answers[name] = fields[name]!;
    else body[name] = fields[name];
  }
  if (Object.keys(answers).length) body.answers = answers;
  // A checkbox is posted only when ticked; its value is the consent text (`on` when the form gave it none).
  if (typeof fields.consent === 'string') body.consent = { given: true, text: fields.consent === 'on' ? '' : fields.consent };
  // No script measured a fill time: acceptLead skips that check for this path (checkFillTime: false).
  body.elapsedMs = 0;
  // The page the form was on (formPage): the posted `page` field never goes on as posted.
  delete body.page;
  if (pageUrl) body.page = { url: pageUrl };
  return body;
}

/** A UUID-shaped id from a hash (version 8: custom), so it reads like the widget's Idempotency-Key everywhere. */
function uuidFromHash(text: string): string {
  const hex = toHex(sha256(text));
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The submission id of a form post, derived by the proxy (a browser form sends no Idempotency-Key) from the
 * normalised fields (the page URL among them: the same words from another page are another lead) and the client
 * address. Generation 0, 1, … of that pair is tried in turn; one whose record is
 * answered and older than SAME_SUBMISSION_MS is done with. So there is no clock boundary for two quick posts to fall
 * either side of: both derive the same id and meet in runExactlyOnce's atomic claim, and one lead is created.
 */
export async function formSubmissionId(store: Store, fingerprint: string, address: string, now: number): Promise<string> {
  let id = '';
  for (let generation = 0; generation < MAX_GENERATIONS; generation += 1) {
    id = uuidFromHash(`form-post\n${fingerprint}\n${address}\n${generation}`);
    const record = await store.get(leadRecordKey(id));
    // Unanswered (in progress, queued, or failed and resumable) counts as current whatever its age.
    if (!record || !record.answer || now - record.createdAt < SAME_SUBMISSION_MS) return id;
  }
  return id;
}

/**
 * The fields' fingerprint keyed with the proxy's secret. The derived submission id is also a valid Idempotency-Key
 * for the JSON route, whose replay carries the lead token: nobody who merely knows a visitor's fields and shares their
 * address (one NAT) may compute it. The newline keeps this input apart from a lead token's `header.payload`.
 */
function secretFingerprint(secret: string, checked: ReturnType<typeof checkLeadRequest>): string {
  return toBase64Url(hmacSha256(secret, `form-post-id\n${fingerprintSubmission(checked.submission)}`));
}

async function acceptFormPost(deps: ProxyDeps, c: Parameters<RouteHandler>[0]): Promise<Response> {
  const request = c.req.raw;
  const { options } = deps;
  const fields = await readFormFields(request, submissionBodyCap(options.limits.maxBodyBytes, deps.questions), deps.questions?.maxFormFields);
  const trusted = trustedOrigins(request, options.origins.allowed, true);
  const locale = formLocale(single(fields[LOCALE_FIELD]), request.headers.get('accept-language'));
  const page = formPage(request, single(fields[PAGE_FIELD]), trusted, c.get('trace'));
  const context: FormContext = {
    locale,
    // Back to the form's own page when the form named it (a cross-origin Referer carries the site's origin only).
    back: trustedUrl(page, trusted) ?? linkBack(request, trusted),
    values: fields,
    labels: questionLabels(deps.questions, single(fields[FORM_FIELD]) || undefined, locale.lang),
  };
  readPosts.set(request, context);

  await loadPhoneRules();
  // A success URL on an untrusted origin is ignored (the thank-you page instead): the lead is never lost over it.
  const successUrl = trustedUrl(single(fields[SUCCESS_URL_FIELD]), trusted);
  // The client as the per-IP limit counts it (IPv6 per network): a post over another connection is the same client.
  const address = options.clients.address(request, c.env);
  const client = address ? rateLimitKey(address, options.clients.ipv6Prefix) : '';
  let answer: { status: number };
  try {
    const checked = checkLeadRequest(leadBodyFromForm(fields, page, deps.questions), deps.questions);
    const submissionId = await formSubmissionId(deps.store, secretFingerprint(options.secret, checked), client, Date.now());
    answer = await acceptLead(deps, submissionId, checked, { request, trace: c.get('trace'), checkFillTime: false, clientIp: address });
  } catch (refusal) {
    // The same post sent again (Back and Send, a reload) after the questions file changed answers as the first time.
    answer = await replayResentPost(deps, fields, page, client, refusal);
  }
  if (successUrl) return new Response(null, { status: 303, headers: { location: successUrl, 'cache-control': 'no-store' } });
  return thankYouPage(context.locale, answer.status as 201 | 202, context.back);
}

/**
 * A post the proxy accepted earlier under another questions file, sent again: its stored answer (resent-lead.ts),
 * found under the id its fields derive, with every field that is no body key taken as an answer. Else `refusal`.
 */
async function replayResentPost(
  deps: ProxyDeps,
  fields: Record<string, string | string[]>,
  page: string | undefined,
  client: string,
  refusal: unknown,
): Promise<{ status: number }> {
  if (!mayBeResend(refusal)) throw refusal;
  const body = leadBodyFromForm(fields, page, undefined, true);
  let resent;
  try {
    resent = checkResentLead(body);
  } catch {
    throw refusal;
  }
  const submissionId = await formSubmissionId(deps.store, secretFingerprint(deps.options.secret, resent), client, Date.now());
  return replayResentLead(deps, submissionId, body, refusal);
}

/** POST /leads: the widget's JSON goes to `jsonRoute`, a browser form post to the form path. */
export function withFormPosts(deps: ProxyDeps, jsonRoute: RouteHandler): RouteHandler {
  return (c) => (isFormPost(c.req.raw) ? acceptFormPost(deps, c) : jsonRoute(c));
}

/** Headers a refusal keeps: when to retry, which method to use. */
const KEPT_HEADERS = ['retry-after', 'allow'];

/**
 * Middleware, outermost: any wire error answered to a browser form post (a refused origin, the rate limit, a field
 * error, a 503 from the store, …) becomes a page in the visitor's language that says what to fix, with the same
 * status. The request log, inside it, still sees the JSON error and logs its code.
 */
export function formPostPages(allowedOrigins: readonly string[]): MiddlewareHandler<ProxyEnv> {
  return async (c, next) => {
    await next();
    const request = c.req.raw;
    if (!isFormPost(request) || c.res.status < 400) return;
    const wire = (await c.res
      .clone()
      .json()
      .catch(() => undefined)) as { error?: { code?: string; fields?: Record<string, string>; unlistedFields?: number } } | undefined;
    const code = wire?.error?.code ?? 'internal_error';
    const context = readPosts.get(request) ?? {
      locale: formLocale(undefined, request.headers.get('accept-language')),
      back: linkBack(request, trustedOrigins(request, allowedOrigins, code !== 'origin_not_allowed')),
      values: {},
    };
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = c.res.headers.get(name);
      if (value) headers[name] = value;
    }
    const page = refusalPage({ status: c.res.status, code, fields: wire?.error?.fields as FieldErrors | undefined, unlisted: wire?.error?.unlistedFields, ...context, headers });
    // Replace, not merge: Hono's setter would carry the JSON answer's headers over.
    c.res = undefined;
    c.res = page;
  };
}
