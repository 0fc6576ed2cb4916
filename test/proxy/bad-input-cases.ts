// The bad-input cases as data: each one request and the exact refusal (status, code, and field codes) it must get.
import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { LIMITS } from '../../src/protocol/wire.js';
import { buildLead, testSecret } from './harness.js';

export interface BadInputCase {
  name: string;
  path: string;
  method?: string;
  /** A string or bytes is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Omit the Idempotency-Key (null) or send this one; default a fresh UUID. */
  key?: string | null;
  status: number;
  code: string;
  fields?: Record<string, string>;
}

export const ALLOWED_ORIGIN = 'https://shop.example';
export const IDENTITY_SECRET = testSecret('identity-secret-for-bad-input-tests');
const KEY = '0b7c5b8e-1d2a-4c3b-9e4f-5a6b7c8d9e0f';

const leadCase = (name: string, body: unknown, status: number, code: string, fields?: Record<string, string>): BadInputCase => ({
  name,
  path: '/leads',
  body,
  status,
  code,
  fields,
});
const fieldCase = (name: string, overrides: Record<string, unknown>, fields: Record<string, string>) =>
  leadCase(name, buildLead(overrides), 400, 'invalid_field', fields);
/** A valid lead body as text with `"__X__"` replaced by raw JSON, for values JSON.stringify cannot produce. */
const rawLead = (field: string, rawValue: string) => JSON.stringify(buildLead({ [field]: '__X__' })).replace('"__X__"', rawValue);
/** A body whose first key is `key` (JSON.parse makes it an own property, even `__proto__`). */
const withKey = (key: string, raw: string) => `{${JSON.stringify(key)}: ${raw}, ${JSON.stringify(buildLead()).slice(1)}`;

function malformedJson(): BadInputCase[] {
  const valid = JSON.stringify(buildLead());
  const cuts = [1, 2, 9, 20, 33, 60, 101, 150, 222, valid.length - 20, valid.length - 2, valid.length - 1];
  const truncated = cuts.map((cut) => leadCase(`JSON truncated after ${cut} characters`, valid.slice(0, cut), 400, 'invalid_json'));
  const malformed = [
    '', ' ', '{', '}', '{"name":}', "{'name': 'Ada'}", '{"name": "Ada",}', 'undefined', 'NaN', '{"elapsedMs": NaN}',
    '{"a":1}{"b":2}', '{"name": "Ada" "email": "a@b.co"}', '{"name": "\\x41"}', '{"name": "\u0001"}', '/* c */ {}',
    '{"elapsedMs": 0x10}', '{"name": "Ada"', '{{}}', '{"a": [1, 2}', `{"name": "${'\\'.repeat(3)}"}`,
  ].map((text) => leadCase(`malformed JSON ${JSON.stringify(text).slice(0, 40)}`, text, 400, 'invalid_json'));
  const notObjects = ['null', '42', '"a string"', 'true', '[]', '[{"email": "a@b.co"}]', '-0', '1e400'].map((text) =>
    leadCase(`JSON ${text} instead of an object`, text, 400, 'invalid_json'),
  );
  const bytes = [
    [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d],
    [0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x22, 0x7d],
    [0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d],
    [0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d],
  ].map((list, i) => leadCase(`invalid UTF-8 bytes #${i + 1}`, new Uint8Array(list), 400, 'invalid_json'));
  return [...truncated, ...malformed, ...notObjects, ...bytes];
}

function wrongTypes(): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const wrong: [string, unknown][] = [['a number', 42], ['true', true], ['an array', ['x']], ['an object', { x: 1 }], ['zero', 0]];
  for (const field of ['name', 'email', 'phone', 'message', 'leadToken', 'captchaToken', 'avatar']) {
    for (const [label, value] of wrong) cases.push(fieldCase(`${field} as ${label}`, { [field]: value }, { [field]: 'invalid_type' }));
  }
  for (const [label, value] of wrong.filter(([, value]) => value !== 0)) {
    cases.push(fieldCase(`hp as ${label}`, { hp: value }, { hp: 'invalid_type' }));
  }
  for (const [label, value] of [['a string', 'soon'], ['negative', -1], ['null', null], ['an array', [5000]], ['true', true]] as const) {
    cases.push(fieldCase(`elapsedMs as ${label}`, { elapsedMs: value }, { elapsedMs: 'invalid_type' }));
  }
  cases.push(leadCase('elapsedMs that overflows to Infinity', rawLead('elapsedMs', '1e400'), 400, 'invalid_field', { elapsedMs: 'invalid_type' }));
  cases.push(fieldCase('no elapsedMs', { elapsedMs: undefined }, { elapsedMs: 'required' }));
  // page and utm of the wrong type are page context: dropped, not refused (contextCases).
  for (const [label, value] of [['a string', 'yes'], ['an array', []], ['a number', 1]] as const) {
    cases.push(fieldCase(`consent as ${label}`, { consent: value }, { consent: 'invalid_type' }));
  }
  cases.push(
    fieldCase('consent.given as a string', { consent: { given: 'yes', text: 'ok' } }, { 'consent.given': 'invalid_type' }),
    fieldCase('consent.text as a number', { consent: { given: true, text: 5 } }, { 'consent.text': 'invalid_type' }),
    // An unusable phoneCountry is dropped, never refused: the number the visitor typed is then read as international,
    // and buildLead's national-format number cannot be. The refusal names only the visitor's own field.
    fieldCase('a national phone with a phoneCountry that is not a country', { phoneCountry: 'ZZ' }, { phone: 'invalid_phone' }),
    fieldCase('a national phone with a phoneCountry of three letters', { phoneCountry: 'GBR' }, { phone: 'invalid_phone' }),
    fieldCase('a national phone with a phoneCountry as a number', { phoneCountry: 44 }, { phone: 'invalid_phone' }),
    fieldCase('an invalid email', { email: 'not-an-email' }, { email: 'invalid_email' }),
    fieldCase('an email with a space', { email: 'ada @example.com' }, { email: 'invalid_email' }),
    fieldCase('letters in the phone', { phone: 'call me maybe' }, { phone: 'invalid_phone' }),
    fieldCase('a phone that is not a number in its country', { phone: '12345', phoneCountry: 'GB' }, { phone: 'invalid_phone' }),
    fieldCase('neither email nor phone', { email: undefined, phone: undefined }, { email: 'required', phone: 'required' }),
    fieldCase('a blank email and no phone', { email: '  ', phone: '' }, { email: 'invalid_email' }),
  );
  for (const url of NOT_HTTP_URLS) cases.push(fieldCase(`avatar ${url}`, { avatar: url }, { avatar: 'invalid_url' }));
  return cases;
}

const NOT_HTTP_URLS = ['javascript:alert(1)', 'data:text/html,<script>1</script>', 'ftp://example.com/', 'not a url', 'file:///etc/passwd', '//example.com'];

/**
 * Page context a request may carry that is not usable as sent: accepted (201), the typed fields intact, the value
 * cleaned or dropped. These were 400s (invalid_type, invalid_url, too_long, invalid_characters on page, utm and
 * phoneCountry) until page context stopped being a reason to refuse a lead.
 */
export interface ContextCase {
  name: string;
  /** The POST /leads body: an object sent as JSON, or raw JSON text for values JSON.stringify cannot produce. */
  body: unknown;
  /** The lead's leadrelay_* attributes that must hold exactly these values (undefined: not set). */
  attributes: Record<string, string | undefined>;
  /** The phone the lead must have, in E.164. */
  phone?: string;
  /** The names in the request's log line `contextDropped` (none when omitted). */
  dropped?: string[];
}

const INTERNATIONAL = { phone: '+44 20 7946 0958' };
const PAGE = { url: 'https://example.com/pricing', referrer: 'https://search.example/', title: 'Pricing' };

export function contextCases(): ContextCase[] {
  const cases: ContextCase[] = [];
  const wrong: [string, unknown][] = [['a number', 42], ['true', true], ['an array', ['GB']], ['an object', { code: 'GB' }], ['zero', 0]];
  for (const [label, value] of wrong) {
    cases.push({ name: `phoneCountry as ${label}`, body: buildLead({ ...INTERNATIONAL, phoneCountry: value }), attributes: {}, phone: '+442079460958', dropped: ['phoneCountry'] });
  }
  for (const value of ['ZZ', 'GBR', 'G', ' ', 'g\u202Eb', '\u0000\u0000']) {
    cases.push({ name: `phoneCountry ${JSON.stringify(value)}`, body: buildLead({ ...INTERNATIONAL, phoneCountry: value }), attributes: {}, phone: '+442079460958', dropped: ['phoneCountry'] });
  }
  cases.push(
    { name: 'phoneCountry UK reads as GB', body: buildLead({ phoneCountry: 'UK' }), attributes: {}, phone: '+442079460958' },
    { name: 'phoneCountry in lower case with spaces', body: buildLead({ phoneCountry: ' gb ' }), attributes: {}, phone: '+442079460958' },
  );
  for (const field of ['page', 'utm']) {
    for (const [label, value] of [['a string', 'yes'], ['an array', []], ['a number', 1]] as const) {
      const attributes = field === 'page' ? { leadrelay_page_url: undefined, leadrelay_page_title: undefined } : { leadrelay_utm_source: undefined };
      cases.push({ name: `${field} as ${label}`, body: buildLead({ [field]: value }), attributes, dropped: [field] });
    }
  }
  cases.push(
    { name: 'page.url as a number', body: buildLead({ page: { ...PAGE, url: 42 } }), attributes: { leadrelay_page_url: undefined, leadrelay_page_title: 'Pricing' }, dropped: ['page.url'] },
    { name: 'page.title as an object', body: buildLead({ page: { ...PAGE, title: {} } }), attributes: { leadrelay_page_url: PAGE.url, leadrelay_page_title: undefined }, dropped: ['page.title'] },
    { name: 'utm value as a number', body: buildLead({ utm: { utm_source: 1, utm_campaign: 'spring' } }), attributes: { leadrelay_utm_source: undefined, leadrelay_utm_campaign: 'spring' }, dropped: ['utm.utm_source'] },
  );
  for (const url of NOT_HTTP_URLS) {
    cases.push({ name: `page.url ${url}`, body: buildLead({ page: { ...PAGE, url } }), attributes: { leadrelay_page_url: undefined, leadrelay_page_referrer: PAGE.referrer }, dropped: ['page.url'] });
  }
  cases.push(
    { name: 'page.referrer javascript:', body: buildLead({ page: { ...PAGE, referrer: 'javascript:void 0' } }), attributes: { leadrelay_page_referrer: undefined, leadrelay_page_url: PAGE.url }, dropped: ['page.referrer'] },
    { name: 'a page.url that reads as http but does not parse', body: buildLead({ page: { ...PAGE, url: 'https://[::1/pricing' } }), attributes: { leadrelay_page_url: undefined, leadrelay_page_title: 'Pricing' }, dropped: ['page.url'] },
    { name: 'an android-app:// referrer', body: buildLead({ page: { ...PAGE, referrer: 'android-app://com.google.android.gm/' } }), attributes: { leadrelay_page_referrer: undefined }, dropped: ['page.referrer'] },
    { name: 'a page title over its limit is cut', body: buildLead({ page: { ...PAGE, title: 't'.repeat(LIMITS.title.max + 1) } }), attributes: { leadrelay_page_title: 't'.repeat(LIMITS.title.max) } },
    { name: 'a page url over its limit is cut', body: buildLead({ page: { ...PAGE, url: `https://example.com/${'p'.repeat(LIMITS.url.max)}` } }), attributes: { leadrelay_page_url: `https://example.com/${'p'.repeat(LIMITS.url.max - 20)}` } },
    { name: 'a utm value over its limit is cut', body: buildLead({ utm: { utm_term: 'u'.repeat(LIMITS.utmValue.max + 1) } }), attributes: { leadrelay_utm_term: 'u'.repeat(LIMITS.utmValue.max) } },
    { name: 'a title of emoji over its limit is cut between code points', body: buildLead({ page: { ...PAGE, title: '😀'.repeat(LIMITS.title.max + 1) } }), attributes: { leadrelay_page_title: '😀'.repeat(LIMITS.title.max) } },
    { name: 'a title cut inside a surrogate pair', body: rawLead('page', `{"url": "${PAGE.url}", "title": "Spring sale \\ud83d"}`), attributes: { leadrelay_page_title: 'Spring sale' } },
    { name: 'a utm value that is a lone low surrogate', body: rawLead('utm', '{"utm_source": "\\ude00", "utm_medium": "email"}'), attributes: { leadrelay_utm_source: undefined, leadrelay_utm_medium: 'email' }, dropped: ['utm.utm_source'] },
    { name: 'a title over two lines with a tab', body: buildLead({ page: { ...PAGE, title: 'Pricing\n\tPlans\r\n' } }), attributes: { leadrelay_page_title: 'Pricing Plans' } },
    { name: 'a blank utm value is no value', body: buildLead({ utm: { utm_source: '', utm_campaign: 'spring' } }), attributes: { leadrelay_utm_source: undefined, leadrelay_utm_campaign: 'spring' } },
  );
  return cases;
}

function hugeValues(): BadInputCase[] {
  const over = (field: string, max: number, char = 'x') => fieldCase(`${field} one over its limit`, { [field]: char.repeat(max + 1) }, { [field]: 'too_long' });
  return [
    over('name', LIMITS.name.max),
    over('message', LIMITS.message.max),
    over('leadToken', LIMITS.leadToken.max),
    over('captchaToken', LIMITS.captchaToken.max),
    fieldCase('a name of 201 emoji (code points are counted)', { name: '😀'.repeat(LIMITS.name.max + 1) }, { name: 'too_long' }),
    fieldCase('an email over 254 characters', { email: `${'a'.repeat(250)}@example.com` }, { email: 'too_long' }),
    fieldCase('a phone over 32 characters', { phone: '1'.repeat(33) }, { phone: 'too_long' }),
    fieldCase('an avatar url over its limit', { avatar: `https://example.com/${'p'.repeat(LIMITS.avatar.max)}` }, { avatar: 'too_long' }),
    fieldCase('a consent text over its limit', { consent: { given: true, text: 'c'.repeat(LIMITS.consentText.max + 1) } }, { 'consent.text': 'too_long' }),
    leadCase('a body one byte over the limit', JSON.stringify(buildLead({ message: '' })).padEnd(LIMITS.bodyBytes + 1, ' '), 413, 'body_too_large'),
    leadCase('a 1 MB name', buildLead({ name: 'n'.repeat(1 << 20) }), 413, 'body_too_large'),
    leadCase('a 64 kB message', buildLead({ message: 'm'.repeat(1 << 16) }), 413, 'body_too_large'),
    leadCase('a 60 kB run of multi-byte characters', buildLead({ message: 'é'.repeat(30_000) }), 413, 'body_too_large'),
    leadCase('10,000 unknown keys', JSON.stringify(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 1]))), 413, 'body_too_large'),
    leadCase('a name nested 5,000 arrays deep', rawLead('name', `${'['.repeat(5000)}${']'.repeat(5000)}`), 400, 'invalid_field', { name: 'invalid_type' }),
  ];
}

/** Text a person cannot have typed: refused as invalid_characters, never forwarded. Exported for a stack of its own. */
export function unicodeEdges(): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const raw: [string, string][] = [
    ['a lone high surrogate', '"Ada \\ud800"'],
    ['a lone low surrogate', '"\\udc00 Ada"'],
    ['a NUL character', '"Ada\\u0000Lovelace"'],
    ['a bell control character', '"Ada\\u0007"'],
  ];
  for (const field of ['name', 'message']) {
    for (const [label, value] of raw) {
      cases.push(leadCase(`${field} with ${label}`, rawLead(field, value), 400, 'invalid_field', { [field]: 'invalid_characters' }));
    }
  }
  const spoofing: [string, string][] = [
    ['a right-to-left override', 'Ada\u202Eecalevol'],
    ['a left-to-right isolate', 'Ada\u2066x\u2069'],
  ];
  for (const [label, value] of spoofing) cases.push(fieldCase(`name with ${label}`, { name: value }, { name: 'invalid_characters' }));
  cases.push(fieldCase('a name over two lines', { name: 'Ada\nLovelace' }, { name: 'invalid_characters' }));
  cases.push(fieldCase('a message with a right-to-left override', { message: 'pay \u202Eeciovni' }, { message: 'invalid_characters' }));
  for (const [label, char] of [['a zero-width space', '\u200B'], ['a right-to-left override', '\u202E'], ['a NUL', '\u0000'], ['a zero-width joiner', '\u200D']]) {
    cases.push(fieldCase(`email with ${label}`, { email: `ada${char}@example.com` }, { email: 'invalid_email' }));
    cases.push(fieldCase(`phone with ${label}`, { phone: `020 7946${char}0958` }, { phone: 'invalid_phone' }));
  }
  cases.push(fieldCase('a fullwidth-digit phone', { phone: '０２０７９４６０９５８' }, { phone: 'invalid_phone' }));
  return cases;
}

function prototypeKeys(): BadInputCase[] {
  const cases: BadInputCase[] = [];
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    for (const [label, value] of [['an object', '{"role": "user"}'], ['null', 'null'], ['a string', '"x"']]) {
      cases.push(leadCase(`a top-level ${key} key holding ${label}`, withKey(key, value), 400, 'invalid_field', { [key]: 'unknown_field' }));
    }
    for (const parent of ['page', 'utm', 'consent']) {
      const body = JSON.stringify(buildLead({ [parent]: '__X__' })).replace('"__X__"', `{${JSON.stringify(key)}: {"admin": true}}`);
      const fields: Record<string, string> = { [`${parent}.${key}`]: 'unknown_field' };
      if (parent === 'consent') fields['consent.given'] = 'invalid_type';
      cases.push(leadCase(`a ${key} key inside ${parent}`, body, 400, 'invalid_field', fields));
    }
  }
  return cases;
}

function unknownFields(): BadInputCase[] {
  const privileged: [string, unknown][] = [
    ['role', 'user'], ['owner_id', 1], ['external_id', 'u-1'], ['custom_attributes', { vip: true }], ['id', 'c-1'], ['type', 'user'],
    ['user_id', 'u-1'], ['signed_up_at', 1], ['unsubscribed_from_emails', true], ['tags', ['vip']], ['companies', []],
    ['utm_source', 'x'], ['submissionId', KEY], ['contactId', 'c-1'], ['conversationId', '1'], ['from', { type: 'user' }],
    ['body', 'x'], ['Name', 'Ada'], [' name', 'Ada'], ['email ', 'a@b.co'],
  ];
  const cases = privileged.map(([key, value]) => fieldCase(`the field ${JSON.stringify(key)}`, { [key]: value }, { [key]: 'unknown_field' }));
  for (const key of ['avatar', 'role', 'contactId', 'intercom_user_id', 'message_type', 'conversationId']) {
    cases.push({ name: `/messages with ${key}`, path: '/messages', body: { leadToken: 'x', body: 'hi', [key]: 'x' }, status: 400, code: 'invalid_field', fields: { [key]: 'unknown_field' } });
  }
  return cases;
}

function headerCases(): BadInputCase[] {
  const keys: [string, string | null, string][] = [
    ['no Idempotency-Key', null, 'missing_idempotency_key'],
    ['an empty Idempotency-Key', '', 'missing_idempotency_key'],
    ['an Idempotency-Key that is not a UUID', 'not-a-uuid', 'invalid_idempotency_key'],
    ['an Idempotency-Key with trailing text', `${KEY} x`, 'invalid_idempotency_key'],
    ['an Idempotency-Key with an encoded CR LF', `${KEY}%0d%0aX-Evil: 1`, 'invalid_idempotency_key'],
    ['an Idempotency-Key with a tab', `${KEY}\tx`, 'invalid_idempotency_key'],
    ['an Idempotency-Key with Latin-1 text', `${KEY}é`, 'invalid_idempotency_key'],
    ['two Idempotency-Keys joined', `${KEY}, ${KEY}`, 'invalid_idempotency_key'],
    ['an 8 kB Idempotency-Key', 'k'.repeat(8192), 'invalid_idempotency_key'],
    ['a UUID with braces', `{${KEY}}`, 'invalid_idempotency_key'],
  ];
  const cases: BadInputCase[] = keys.map(([name, key, code]) => ({ name, path: '/leads', body: buildLead(), key, status: 400, code }));
  // Form bodies (urlencoded, multipart) are the no-JavaScript form post, answered with pages: test/proxy/form-post.test.ts.
  const types = ['text/plain', 'application/xml', 'text/json', 'application/jsonp', 'json', 'text/html; charset=utf-8'];
  for (const type of types) {
    cases.push({ name: `Content-Type ${type}`, path: '/leads', body: JSON.stringify(buildLead()), headers: { 'content-type': type }, status: 415, code: 'unsupported_media_type' });
  }
  cases.push({ name: '/messages as text/plain', path: '/messages', body: '{"leadToken":"x","body":"hi"}', headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' });
  for (const origin of ['https://evil.example', 'null', 'https://shop.example.evil.example', 'http://shop.example', 'https://shop.example:8443', 'https://SHOP.EXAMPLE', 'https://shop.example/']) {
    cases.push({ name: `origin ${origin}`, path: '/leads', body: buildLead(), headers: { origin }, status: 403, code: 'origin_not_allowed' });
  }
  cases.push({ name: '/messages from another origin', path: '/messages', body: { leadToken: 'x', body: 'hi' }, headers: { origin: 'https://evil.example' }, status: 403, code: 'origin_not_allowed' });
  for (const [method, path] of [['GET', '/leads'], ['PUT', '/leads'], ['DELETE', '/leads'], ['PATCH', '/leads'], ['GET', '/messages'], ['PUT', '/messages'], ['POST', '/health'], ['DELETE', '/health']]) {
    cases.push({ name: `${method} ${path}`, path: path!, method, body: method === 'GET' || method === 'DELETE' ? undefined : buildLead(), status: 405, code: 'method_not_allowed' });
  }
  for (const path of ['/leads/', '/LEADS', '/contacts', '/_emulator/state', '/leads/x', '/leads%2f', '/admin/../../contacts']) {
    cases.push({ name: `POST ${path}`, path, body: buildLead(), status: 404, code: 'not_found' });
  }
  for (const [label, overrides] of [['a filled honeypot', { hp: 'http://spam.example' }], ['a blank-looking honeypot', { hp: ' x ' }], ['a zero fill time', { elapsedMs: 0 }], ['a fill time just under the minimum', { elapsedMs: LIMITS.minFillMs - 1 }]] as const) {
    cases.push(leadCase(label, buildLead(overrides), 422, 'spam_suspected'));
  }
  return cases;
}

/** Lead tokens a browser could forge or tamper with; every one is 401 invalid_lead_token. */
export async function tokenCases(secret: string): Promise<BadInputCase[]> {
  const key = (text: string) => new TextEncoder().encode(text);
  const base = () => new SignJWT({ sid: KEY, cid: '101' }).setSubject('contact-1').setIssuer('leadrelay').setAudience('leadrelay:lead').setIssuedAt();
  const valid = await base().setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key(secret));
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  const json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const tokens: [string, string][] = [
    ['signed with another secret', await base().setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key('another-secret'))],
    ['expired', await base().setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key(secret))],
    ['with another issuer', await base().setIssuer('evil').setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key(secret))],
    ['with another audience', await base().setAudience('leadrelay:user').setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key(secret))],
    ['without an expiry', await base().setProtectedHeader({ alg: 'HS256' }).sign(key(secret))],
    ['signed with HS512', await base().setProtectedHeader({ alg: 'HS512' }).setExpirationTime('1h').sign(key(secret))],
    ['with alg none', `${json({ alg: 'none', typ: 'JWT' })}.${payload}.`],
    ['with a tampered subject', `${header}.${json({ ...claims, sub: 'someone-else' })}.${signature}`],
    ['with a tampered conversation', `${header}.${json({ ...claims, cid: '999' })}.${signature}`],
    ['with a tampered signature', `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`],
    ['without its signature', `${header}.${payload}`],
    ['as random text', 'hello'],
    ['as three dots', '...'],
    ['as an empty string', ''],
  ];
  const cases: BadInputCase[] = tokens.map(([label, leadToken]) => ({
    name: `/messages with a lead token ${label}`,
    path: '/messages',
    body: { leadToken, body: 'Any news?' },
    status: 401,
    code: 'invalid_lead_token',
  }));
  const userHash = createHmac('sha256', IDENTITY_SECRET).update('user-1').digest('hex');
  for (const [label, leadToken] of tokens.slice(0, 8)) {
    cases.push({ name: `/convert with a lead token ${label}`, path: '/convert', body: { leadToken, identity: { userId: 'user-1', userHash } }, status: 401, code: 'invalid_lead_token' });
  }
  cases.push(
    { name: '/convert with a forged user hash', path: '/convert', body: { leadToken: valid, identity: { userId: 'user-1', userHash: '0'.repeat(64) } }, status: 401, code: 'identity_unverified' },
    { name: '/convert with an email and no proof', path: '/convert', body: { leadToken: valid, identity: { email: 'ceo@example.com' } }, status: 401, code: 'identity_unverified' },
    { name: '/messages with a lead token as a number', path: '/messages', body: { leadToken: 42, body: 'hi' }, status: 400, code: 'invalid_field', fields: { leadToken: 'invalid_type' } },
    { name: '/messages without a lead token', path: '/messages', body: { body: 'hi' }, status: 400, code: 'invalid_field', fields: { leadToken: 'required' } },
    { name: '/messages without a body', path: '/messages', body: { leadToken: valid }, status: 400, code: 'invalid_field', fields: { body: 'required' } },
  );
  return cases;
}

export function badInputCases(): BadInputCase[] {
  return [...malformedJson(), ...wrongTypes(), ...hugeValues(), ...prototypeKeys(), ...unknownFields(), ...headerCases()];
}
