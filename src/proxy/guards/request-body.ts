// Reads a request body as one JSON object (JSON only: 415; capped in size: 413; parsed safely: 400), or, for the
// form posted without JavaScript, as urlencoded fields.
import { LIMITS } from '../../protocol/wire.js';
import { ProxyError, type FieldErrors } from '../errors.js';

function isJsonContentType(header: string | null): boolean {
  if (!header) return false;
  const type = header.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** The body's bytes, refusing more than `maxBytes` without reading the rest (a lying Content-Length included). */
async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length'));
  const tooLarge = () =>
    new ProxyError(413, 'body_too_large', `The request body is larger than ${maxBytes} bytes.`);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/**
 * The body cap of a lead submission (JSON or a form post's decoded fields): `maxBodyBytes`, plus what the questions
 * file's largest form can add with every answer at its limit. What a visitor may legitimately send is never too large.
 */
export function submissionBodyCap(maxBodyBytes: number, questions: { maxAnswersBytes: number } | undefined): number {
  return maxBodyBytes + (questions?.maxAnswersBytes ?? 0);
}

/** The request's JSON body, which must be an object. */
export async function readJsonObject(request: Request, maxBytes: number = LIMITS.bodyBytes): Promise<Record<string, unknown>> {
  if (!isJsonContentType(request.headers.get('content-type'))) {
    throw new ProxyError(415, 'unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await readCapped(request, maxBytes));
  } catch (error) {
    if (error instanceof ProxyError) throw error;
    throw new ProxyError(400, 'invalid_json', 'The request body could not be read as UTF-8 text.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProxyError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProxyError(400, 'invalid_json', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/**
 * A browser percent-encodes every byte of a form post that is not ASCII (`%E6%BC%A2` for one character of 3 bytes), so
 * what fits the JSON cap as typed takes up to three times as many bytes urlencoded. A form post is read up to this many
 * times the cap and then held to the cap by what it decodes to: a message or answers in Japanese, Greek or Arabic are
 * not refused without JavaScript when the widget's JSON of the same text is accepted.
 */
export const FORM_ENCODING_FACTOR = 3;

/** The media type a form posted without JavaScript uses (the default `enctype`). */
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** True for a body a browser form sends: urlencoded, or multipart (refused with a page that says why). */
export function isFormContentType(header: string | null): boolean {
  const type = (header ?? '').split(';')[0]!.trim().toLowerCase();
  return type === FORM_CONTENT_TYPE || type === 'multipart/form-data';
}

/**
 * At most this many fields in a form post without questions (and at least this many with them). The form posts about
 * a dozen; every field past the known ones is refused one by one (and named on the refusal page), so without a cap a
 * body of empty names is thousands of problems.
 */
export const MAX_FORM_FIELDS = 64;

/**
 * The fields the prerendered form can post besides its questions (src/render/render-lead-relay.ts): name, email,
 * phone, message, consent, hp, locale, success_url, phoneCountry, page, form, questions.
 */
export const FORM_OWN_FIELDS = 12;

/**
 * The fields of an urlencoded body: a name sent once maps to its value, a name sent more than once to all of them
 * (which validation then refuses as `invalid_type`). A null-prototype object, so a field named `__proto__` is a field.
 * One pass over the pairs (a lookup per name would be quadratic in their number), refused past `maxFields`
 * (MAX_FORM_FIELDS, or what the questions file's largest form can post: questions.ts's `maxFormFields`).
 */
export async function readFormFields(
  request: Request,
  maxBytes: number = LIMITS.bodyBytes,
  maxFields: number = MAX_FORM_FIELDS,
): Promise<Record<string, string | string[]>> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== FORM_CONTENT_TYPE) {
    throw new ProxyError(415, 'unsupported_media_type', `Post the form as ${FORM_CONTENT_TYPE} (the default enctype).`);
  }
  // Browsers percent-encode every byte that is not ASCII; decoding is lenient, as URLSearchParams' own is. The cap
  // holds for what the fields decode to (UTF-8), as it does for JSON; the encoded body may be up to three times that.
  const params = new URLSearchParams(new TextDecoder().decode(await readCapped(request, maxBytes * FORM_ENCODING_FACTOR)));
  const fields: Record<string, string | string[]> = Object.create(null);
  const encoder = new TextEncoder();
  let count = 0;
  let typed = 0;
  for (const [name, value] of params) {
    count += 1;
    if (count > maxFields) {
      throw new ProxyError(413, 'body_too_large', `The form has more than ${maxFields} fields.`);
    }
    typed += encoder.encode(name).byteLength + encoder.encode(value).byteLength + 2;
    if (typed > maxBytes) throw new ProxyError(413, 'body_too_large', `The form's fields hold more than ${maxBytes} bytes.`);
    const seen = fields[name];
    if (seen === undefined) fields[name] = value;
    else if (typeof seen === 'string') fields[name] = [seen, value];
    else seen.push(value);
  }
  return fields;
}

/** Mark every own key of `value` that is not in `allowed` as `unknown_field` (as `prefix.key` when nested). */
export function rejectUnknownKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  fields: FieldErrors,
  prefix = '',
): void {
  for (const key of Object.keys(value)) {
    // defineProperty, not assignment: `fields['__proto__'] = …` would set the prototype instead of a field.
    if (!allowed.includes(key)) {
      Object.defineProperty(fields, prefix + key, { value: 'unknown_field', enumerable: true, writable: true, configurable: true });
    }
  }
}

/** A plain JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
