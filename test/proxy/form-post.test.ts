// POST /leads as a browser form without JavaScript (urlencoded), against the emulator, in-process: pages, never JSON.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LIMITS } from '../../src/protocol/wire.js';
import { ACCESS_TOKEN, apiCalls, startInProcessStack, type CapturedResponse, type Stack } from './harness.js';

const SITE = 'https://shop.example';
const EVIL = 'https://evil.example';

let stack: Stack;
let clients = 0;

before(async () => {
  // Each test posts from its own client address (the test header below), so the per-IP limit and the derived
  // submission ids of one test never meet another's. The default minimum fill time stays on: the form path skips it.
  stack = await startInProcessStack({
    origins: { allowed: [SITE] },
    clients: { rateLimit: 3, clientIp: (request) => request.headers.get('x-test-client') ?? undefined },
  });
});
after(() => stack.close());

/** The fields the prerendered form posts (src/render/render-lead-relay.ts), with a unique email. */
function buildForm(overrides: Record<string, string> = {}): Record<string, string> {
  clients += 1;
  return {
    name: 'Ada Lovelace',
    email: `ada.form${clients}.${Date.now().toString(36)}@example.com`,
    phone: '',
    message: 'I would like a demo of the analytical engine.',
    hp: '',
    locale: 'en',
    ...overrides,
  };
}

interface PostOptions {
  origin?: string | null;
  referer?: string;
  client?: string;
  headers?: Record<string, string>;
}

/** Post `fields` as the browser does: urlencoded, with Origin and Referer, not following a redirect. */
function postForm(fields: Record<string, string> | string, options: PostOptions = {}): Promise<CapturedResponse> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-test-client': options.client ?? `client-${clients}`,
    ...options.headers,
  };
  if (options.origin !== null) headers.origin = options.origin ?? SITE;
  if (options.referer) headers.referer = options.referer;
  const body = typeof fields === 'string' ? fields : new URLSearchParams(fields).toString();
  return stack.send('/leads', { method: 'POST', headers, body, redirect: 'manual' });
}

function assertPage(response: CapturedResponse, status: number, code: string): void {
  assert.equal(response.status, status, response.text);
  assert.match(response.headers['content-type'] ?? '', /^text\/html; charset=utf-8/);
  assert.equal(response.json, undefined, 'a form post never gets a JSON body');
  assert.match(response.text, new RegExp(`<main data-code="${code}">`));
  assert.match(response.headers['content-security-policy'] ?? '', /default-src 'none'/);
  // No other site may show the page in a frame (default-src does not cover frame-ancestors).
  assert.match(response.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  assert.equal(response.headers['x-frame-options'], 'DENY');
}

async function leadsWithEmail(email: string): Promise<{ contacts: any[]; conversations: any[] }> {
  const state = await stack.emulatorState();
  const contacts = state.contacts.filter((contact) => contact.email === email);
  const ids = new Set(contacts.map((contact) => contact.id));
  const conversations = state.conversations.filter((conversation) =>
    conversation.contacts.contacts.some((ref: { id: string }) => ids.has(ref.id)),
  );
  return { contacts, conversations };
}

async function contactCallsFor(email: string): Promise<number> {
  return apiCalls(await stack.emulatorRequests()).filter(
    (request) => request.method === 'POST' && request.path === '/contacts' && (request.body as { email?: string })?.email === email,
  ).length;
}

describe('a form posted without JavaScript', () => {
  test('creates one lead and one conversation and answers a thank-you page with a link back to the page', async () => {
    const form = buildForm();
    const response = await postForm(form, { referer: `${SITE}/pricing` });
    assertPage(response, 201, 'created');
    assert.match(response.text, /<html lang="en" dir="ltr">/);
    assert.match(response.text, /Thank you! We will get back to you soon\./);
    assert.match(response.text, /<a href="https:\/\/shop\.example\/pricing">Back to the page<\/a>/);
    assert.ok(!response.text.includes(ACCESS_TOKEN), 'the access token is not in the page');
    const { contacts, conversations } = await leadsWithEmail(form.email!);
    assert.equal(contacts.length, 1);
    assert.equal(contacts[0].role, 'lead');
    assert.equal(conversations.length, 1);
    assert.match(conversations[0].source.body, /analytical engine/);
  });

  test('is not held to the minimum fill time, which only the widget\'s script can measure; JSON still is', async () => {
    const form = buildForm();
    assertPage(await postForm(form), 201, 'created');
    const json = await stack.post('/leads', { email: `json.${form.email}`, message: 'hi', hp: '', elapsedMs: 0 });
    assert.equal(json.status, 422);
    assert.equal(json.json.error.code, 'spam_suspected');
  });

  test('posted three times in a row (a double click, Back and send again) gives one lead, and every post sees the thank-you page', async () => {
    const form = buildForm();
    assertPage(await postForm(form), 201, 'created');
    assertPage(await postForm(form), 201, 'created');
    assertPage(await postForm(form), 201, 'created');
    assert.equal((await leadsWithEmail(form.email!)).contacts.length, 1);
    assert.equal(await contactCallsFor(form.email!), 1);
  });

  test('posted at once twice by a double click (concurrently) creates one lead', async () => {
    const form = buildForm();
    const answers = await Promise.all([postForm(form), postForm(form)]);
    for (const answer of answers) assertPage(answer, 201, 'created');
    assert.equal((await leadsWithEmail(form.email!)).contacts.length, 1);
  });

  test('the same words from another client address are another lead', async () => {
    const form = buildForm();
    assertPage(await postForm(form, { client: 'address-a' }), 201, 'created');
    assertPage(await postForm(form, { client: 'address-b' }), 201, 'created');
    assert.equal((await leadsWithEmail(form.email!)).contacts.length, 2);
  });

  test('posts from two addresses of one IPv6 network (/64) are one client: one lead', async () => {
    const form = buildForm();
    assertPage(await postForm(form, { client: '2001:db8:1:2::10' }), 201, 'created');
    assertPage(await postForm(form, { client: '2001:db8:1:2:aaaa::20' }), 201, 'created');
    assert.equal((await leadsWithEmail(form.email!)).contacts.length, 1);
  });

  test('with a success_url on the posting site answers 303 to it', async () => {
    const form = buildForm({ success_url: `${SITE}/thanks?from=form` });
    const response = await postForm(form);
    assert.equal(response.status, 303);
    assert.equal(response.headers.location, `${SITE}/thanks?from=form`);
    assert.equal((await leadsWithEmail(form.email!)).contacts.length, 1);
  });

  test('an open-redirect attempt (success_url on evil.example) never redirects there; the lead is kept and thanked', async () => {
    for (const target of [`${EVIL}/phish`, `//evil.example/phish`, `javascript:alert(1)`, `${SITE}.evil.example/`]) {
      const form = buildForm({ success_url: target });
      const response = await postForm(form);
      assertPage(response, 201, 'created');
      assert.equal(response.headers.location, undefined, target);
      assert.ok(!response.text.includes('evil.example'), `no link to ${target}`);
      assert.equal((await leadsWithEmail(form.email!)).contacts.length, 1);
    }
  });

  test('a Referer on another site is not linked back to', async () => {
    const response = await postForm(buildForm(), { referer: `${EVIL}/fake-form` });
    assertPage(response, 201, 'created');
    assert.ok(!response.text.includes('evil.example'));
    assert.match(response.text, /<a href="https:\/\/shop\.example\/">Back to the page<\/a>/, 'back to the posting site instead');
  });

  test('answers in the form\'s language, Arabic right to left, and by Accept-Language without a locale field', async () => {
    const arabic = await postForm(buildForm({ locale: 'ar' }));
    assertPage(arabic, 201, 'created');
    assert.match(arabic.text, /<html lang="ar" dir="rtl">/);
    assert.match(arabic.text, /شكرًا لك! سنعاود التواصل معك قريبًا\./);
    const { locale: _dropped, ...noLocale } = buildForm();
    const german = await postForm(noLocale, { headers: { 'accept-language': 'fr;q=0.5, de-CH, en;q=0.8' } });
    assert.match(german.text, /<html lang="de" dir="ltr">/);
    assert.match(german.text, /Vielen Dank! Wir melden uns bald bei Ihnen\./);
  });
});

describe('a refused form post gets a page that says what to fix, never JSON', () => {
  test('an invalid email: 400 naming the email problem, the value echoed, the message handed back; nothing reaches Intercom', async () => {
    const form = buildForm({ email: 'ada@example', locale: 'de' });
    const response = await postForm(form, { referer: `${SITE}/contact` });
    assertPage(response, 400, 'invalid_field');
    assert.match(response.text, /<li data-field="email" data-code="invalid_email"><strong>E-Mail:<\/strong> Geben Sie eine E-Mail-Adresse wie name@example\.com ein\./);
    assert.match(response.text, /<bdi class="value">ada@example<\/bdi>/);
    assert.match(response.text, /<pre>I would like a demo of the analytical engine\.<\/pre>/);
    assert.match(response.text, /<a href="https:\/\/shop\.example\/contact">Zurück zur Seite<\/a>/);
    assert.equal(await contactCallsFor('ada@example'), 0);
  });

  test('the request log still records the refusal\'s code, and no personal data', async () => {
    const form = buildForm({ email: 'logged@example' });
    assertPage(await postForm(form), 400, 'invalid_field');
    const line = stack.logs.filter((entry) => entry.route === '/leads').at(-1)!;
    assert.equal(line.status, 400);
    assert.equal(line.code, 'invalid_field');
    assert.ok(!JSON.stringify(stack.logs).includes('logged@example'));
  });

  test('no email and no phone: both named as required', async () => {
    const response = await postForm(buildForm({ email: '', phone: '' }));
    assertPage(response, 400, 'invalid_field');
    assert.match(response.text, /data-field="email" data-code="required"/);
    assert.match(response.text, /data-field="phone" data-code="required"/);
  });

  test('a filled honeypot: 422 spam_suspected, and nothing reaches Intercom', async () => {
    const form = buildForm({ hp: 'http://spam.example' });
    const response = await postForm(form);
    assertPage(response, 422, 'spam_suspected');
    assert.match(response.text, /We could not accept this message/);
    assert.equal(await contactCallsFor(form.email!), 0);
  });

  test('a field the form does not have, and a field sent twice, are refused like JSON\'s unknown and wrong-typed fields', async () => {
    const response = await postForm(`${new URLSearchParams(buildForm())}&role=user&name=Second`);
    assertPage(response, 400, 'invalid_field');
    assert.match(response.text, /data-field="role" data-code="unknown_field"/);
    assert.match(response.text, /data-field="name" data-code="invalid_type"/);
  });

  test('the per-IP limit: the 4th post in a minute gets a 429 page with Retry-After', async () => {
    const client = `limited-${Date.now()}`;
    for (let i = 0; i < 3; i += 1) assertPage(await postForm(buildForm(), { client }), 201, 'created');
    const form = buildForm();
    const response = await postForm(form, { client });
    assertPage(response, 429, 'rate_limited');
    assert.match(response.headers['retry-after'] ?? '', /^\d+$/);
    assert.match(response.text, /Too many attempts\. Wait a minute, then send again\./);
    assert.equal(await contactCallsFor(form.email!), 0);
  });

  test('a post from an origin not allowed: 403 page, no link back to that site, no lead', async () => {
    const form = buildForm();
    const response = await postForm(form, { origin: EVIL, referer: `${EVIL}/form` });
    assertPage(response, 403, 'origin_not_allowed');
    assert.match(response.text, /This form is not set up for this site yet/);
    assert.ok(!response.text.includes('evil.example'));
    assert.equal(await contactCallsFor(form.email!), 0);
  });

  test('a field named __proto__ is a field like any other: refused as unknown, nothing polluted', async () => {
    const response = await postForm(`${new URLSearchParams(buildForm())}&__proto__=polluted`);
    assertPage(response, 400, 'invalid_field');
    assert.match(response.text, /data-field="__proto__" data-code="unknown_field"/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('a body over the size limit: 413 page', async () => {
    const response = await postForm(buildForm({ message: 'x'.repeat(LIMITS.bodyBytes + 1) }));
    assertPage(response, 413, 'body_too_large');
    assert.match(response.text, /Your message is too long to send/);
  });

  test('a multipart post: 415 page', async () => {
    const body = new FormData();
    for (const [name, value] of Object.entries(buildForm())) body.set(name, value);
    const response = await stack.send('/leads', { method: 'POST', body, headers: { origin: SITE, 'x-test-client': 'multipart' } });
    assertPage(response, 415, 'unsupported_media_type');
  });

  test('markup in any echoed value is escaped: no element, attribute or script gets through', async () => {
    const attack = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;
    const response = await postForm(
      buildForm({ name: attack, email: `x${attack}@example.com`, message: `</pre>${attack}`, locale: attack, success_url: attack }),
      { referer: `${SITE}/a"><script>alert(3)</script>` },
    );
    assertPage(response, 400, 'invalid_field');
    assert.doesNotMatch(response.text, /<script|<img|onerror=alert\(2\)>/);
    assert.match(response.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(response.text, /<pre>&lt;\/pre&gt;&quot;&gt;&lt;script&gt;/);
    assert.match(response.text, /<html lang="en" dir="ltr">/, 'an unknown locale falls back to English');
  });

  test('bidi overrides and control characters in an echoed value are shown as replacement characters', async () => {
    const response = await postForm(buildForm({ name: 'Ada\u202Egnp.exe' }));
    assertPage(response, 400, 'invalid_field');
    assert.match(response.text, /data-field="name" data-code="invalid_characters"/);
    assert.match(response.text, /Ada\uFFFDgnp\.exe/);
    assert.ok(!response.text.includes('\u202E'));
  });
});
