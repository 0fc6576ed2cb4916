// The page of a lead posted without JavaScript: the snippet's hidden `page` field when it is on the site's own
// origin, the Referer when it names a page, and no page (never the site's bare origin) when the browser cut the
// path off. The derived submission id takes the page in: the same words from another page are another lead.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { renderLeadRelay } from '../../src/render/render-lead-relay.js';
import { parseRenderArgs } from '../../src/render/cli.js';
import { startInProcessStack, type CapturedResponse, type Stack } from './harness.js';

const SITE = 'https://shop.example';

let stack: Stack;
let clients = 0;

before(async () => {
  stack = await startInProcessStack({ origins: { allowed: [SITE] }, clients: { clientIp: (request) => request.headers.get('x-test-client') ?? undefined } });
});
after(() => stack.close());

function fields(overrides: Record<string, string> = {}): Record<string, string> {
  clients += 1;
  return { name: 'Ada Lovelace', email: `ada.page${clients}.${Date.now().toString(36)}@example.com`, message: '', hp: '', locale: 'en', ...overrides };
}

/** As Chromium posts a form to a proxy on another origin under the default Referrer-Policy: the origin alone. */
function post(body: Record<string, string>, headers: Record<string, string> = {}, client = `client-${clients}`): Promise<CapturedResponse> {
  return stack.send('/leads', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE, referer: `${SITE}/`, 'sec-fetch-site': 'cross-site', 'x-test-client': client, ...headers },
    body: new URLSearchParams(body).toString(),
    redirect: 'manual',
  });
}

async function leadOf(email: string): Promise<{ contact: any; conversations: any[] }> {
  const state = await stack.emulatorState();
  const contacts = state.contacts.filter((contact) => contact.email === email);
  assert.equal(contacts.length, 1, `one lead for ${email}`);
  const conversations = state.conversations.filter((conversation: any) => conversation.contacts.contacts.some((ref: { id: string }) => ref.id === contacts[0].id));
  return { contact: contacts[0], conversations };
}

test('the snippet made with page: /contact.html carries it as a hidden field, and the lead records that page', async () => {
  const html = await renderLeadRelay({ proxy: 'https://api.shop.example/leadrelay', page: '/contact.html' });
  const form = /<form part="form"[^>]*>(.*?)<\/form>/s.exec(html)?.[1] ?? '';
  assert.match(form, /<input type="hidden" name="page" value="\/contact\.html">/);
  assert.doesNotMatch(html, /<lead-relay[^>]* page=/, 'page is no attribute of the element');

  const body = fields({ page: '/contact.html' });
  const answer = await post(body);
  assert.equal(answer.status, 201);
  const { contact } = await leadOf(body.email!);
  assert.equal(contact.custom_attributes.leadrelay_page_url, `${SITE}/contact.html`);
  // The thank-you page leads back to the form's page, not to the site's origin the cross-origin Referer carried.
  assert.match(answer.text, new RegExp(`href="${SITE}/contact\\.html"`));
});

test('a page on another origin (an attacker posting a link for the inbox) is dropped; the lead still counts', async () => {
  for (const page of ['https://evil.example/login', '//evil.example/login', 'javascript:alert(1)']) {
    const body = fields({ page, message: 'Hello' });
    const answer = await post(body, { referer: `${SITE}/pricing` });
    assert.equal(answer.status, 201, `${page}: ${answer.text.slice(0, 200)}`);
    const { contact } = await leadOf(body.email!);
    assert.equal(contact.custom_attributes.leadrelay_page_url, `${SITE}/pricing`, `${page} was not recorded; the Referer was`);
  }
  const line = stack.logs.filter((entry) => entry.route === '/leads').at(-1)!;
  assert.deepEqual(line.contextDropped, ['page.url'], 'the log line names what was dropped');
});

test('without a page field, a bare-origin Referer from another origin records no page: the conversation says the page is unknown', async () => {
  const body = fields();
  assert.equal((await post(body)).status, 201);
  const { contact, conversations } = await leadOf(body.email!);
  assert.equal(contact.custom_attributes.leadrelay_page_url, undefined, 'not the site origin as if it were the page');
  assert.equal(conversations.length, 1);
  assert.match(JSON.stringify(conversations[0]), /an unknown page/);
});

test('a Referer with its path (no-referrer-when-downgrade), or a same-origin post of the home page, is recorded', async () => {
  const full = fields();
  assert.equal((await post(full, { referer: `${SITE}/contact.html?ref=nav` })).status, 201);
  assert.equal((await leadOf(full.email!)).contact.custom_attributes.leadrelay_page_url, `${SITE}/contact.html?ref=nav`);

  const home = fields();
  assert.equal((await post(home, { 'sec-fetch-site': 'same-origin' })).status, 201);
  assert.equal((await leadOf(home.email!)).contact.custom_attributes.leadrelay_page_url, `${SITE}/`);
});

test('the duplicate rule: the same fields from the same client are one lead on one page, and two leads from two pages', async () => {
  const body = fields({ message: 'Please call me back.' });
  const client = `dup-${clients}`;
  assert.equal((await post({ ...body, page: '/contact.html' }, {}, client)).status, 201);
  assert.equal((await post({ ...body, page: '/contact.html' }, {}, client)).status, 201, 'Back and Send again');
  let state = await stack.emulatorState();
  assert.equal(state.contacts.filter((contact) => contact.email === body.email).length, 1, 'one lead for the same page');
  assert.equal((await post({ ...body, page: '/pricing.html' }, {}, client)).status, 201);
  state = await stack.emulatorState();
  const pages = state.contacts.filter((contact) => contact.email === body.email).map((contact) => contact.custom_attributes.leadrelay_page_url).sort();
  assert.deepEqual(pages, [`${SITE}/contact.html`, `${SITE}/pricing.html`], 'the page is part of the submission');
});

test('leadrelay-render --page, and a page that is neither a path nor an http(s) URL is refused', async () => {
  assert.equal(parseRenderArgs(['--proxy', 'https://p.example', '--page', '/contact.html']).attributes.page, '/contact.html');
  for (const page of ['contact.html', '//evil.example/x', 'javascript:alert(1)', '/a b', '/"><script>']) {
    await assert.rejects(renderLeadRelay({ proxy: 'https://p.example', page }), /`page` must be/, page);
  }
  const escaped = await renderLeadRelay({ proxy: 'https://p.example', page: 'https://shop.example/a?x=1&y=2' });
  assert.match(escaped, /name="page" value="https:\/\/shop\.example\/a\?x=1&amp;y=2"/);
});
