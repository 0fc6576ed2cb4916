// With JavaScript turned off in Chromium: the prerendered <lead-relay> (renderLeadRelay) is a real form that posts to
// the proxy on another origin, the emulator gets one lead, and the visitor gets a page (thank-you, success URL, or what to fix).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { serve, type ServedProxy } from '../../src/proxy/node.js';
import { renderLeadRelay, type LeadRelayAttributes } from '../../src/render/render-lead-relay.js';
import { ACCESS_TOKEN, SECRET } from '../proxy/harness.js';
import { SCREENSHOTS, buildVisitor, launchChromium, type Visitor } from './browser.js';
import { waitUntil } from '../support/wait.js';

let emulator: RunningEmulator;
let proxy: ServedProxy;
let site: Server;
let siteUrl: string;
let browser: Browser;
const pages = new Map<string, string>();
const contexts: BrowserContext[] = [];
/** The proxy's log: one line per request it answered. */
const logLines: Record<string, unknown>[] = [];

/** A page of the customer's site holding the prerendered form (no script tag: the form alone must work). */
async function addFormPage(path: string, attributes: Omit<LeadRelayAttributes, 'proxy'>): Promise<string> {
  const form = await renderLeadRelay({ proxy: proxy.url, fields: 'name email message', ...attributes });
  pages.set(path, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Contact</title></head>
<body><h1>Contact us</h1><p>We answer within a day.</p>${form}</body></html>`);
  return new URL(path, siteUrl).href;
}

before(async () => {
  emulator = await startEmulator({ port: 0 });
  site = createServer((request, response) => {
    const html = pages.get(new URL(request.url ?? '/', 'http://site').pathname);
    response.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html ?? 'Not found');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  pages.set('/thanks.html', '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Thanks from the site</title></head><body><h1>Our own thank-you page</h1></body></html>');
  // The proxy on its own origin, the site's allowed; the default minimum fill time stays on (this path skips it).
  proxy = await serve({
    port: 0,
    intercom: { accessToken: ACCESS_TOKEN, baseUrl: emulator.url },
    secret: SECRET,
    origins: { allowed: [siteUrl] },
    testing: { queuePollMs: 20 },
    logger: (line) => logLines.push(line),
  });
  browser = await launchChromium();
});

after(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await proxy?.close();
  await emulator?.close();
  await new Promise((resolve) => site?.close(resolve));
});

async function openWithoutJavaScript(url: string): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 412, height: 823 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/** Type into the prerendered form the way a person does, key by key. */
async function fillForm(page: Page, visitor: Visitor, labels = { name: /^Name/, email: /^Email/, message: /^Message/ }): Promise<void> {
  await page.getByRole('textbox', { name: labels.name }).fill('');
  await page.getByRole('textbox', { name: labels.name }).pressSequentially(visitor.name);
  await page.getByRole('textbox', { name: labels.email }).fill('');
  await page.getByRole('textbox', { name: labels.email }).pressSequentially(visitor.email);
  await page.getByRole('textbox', { name: labels.message }).fill('');
  await page.getByRole('textbox', { name: labels.message }).pressSequentially(visitor.message);
}

async function emulatorState(): Promise<{ contacts: any[]; conversations: any[] }> {
  return (await fetch(`${emulator.url}/_emulator/state`)).json() as Promise<{ contacts: any[]; conversations: any[] }>;
}

/** The leads with this email and the conversations they started. */
async function leadsOf(email: string): Promise<{ contacts: any[]; conversations: any[] }> {
  const state = await emulatorState();
  const contacts = state.contacts.filter((contact) => contact.email === email);
  const ids = new Set(contacts.map((contact) => contact.id));
  const conversations = state.conversations.filter((c) => c.contacts.contacts.some((ref: { id: string }) => ids.has(ref.id)));
  return { contacts, conversations };
}

/** Every POST /contacts the emulator received for this email (a refused or duplicate lead would show here). */
async function contactCreations(email: string): Promise<number> {
  const { requests } = (await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as { requests: any[] };
  return requests.filter((request) => request.method === 'POST' && request.path === '/contacts' && request.body?.email === email).length;
}

/** How many POST /leads the proxy has answered so far. */
function leadPosts(): number {
  return logLines.filter((line) => line.route === '/leads' && line.method === 'POST').length;
}

async function addFault(fault: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  assert.equal(response.status, 200);
}

describe('the prerendered form with JavaScript turned off', () => {
  test('submits: the emulator holds one lead and one conversation, and the visitor sees the thank-you page', async () => {
    const page = await openWithoutJavaScript(await addFormPage('/contact.html', { locale: 'en' }));
    const visitor = buildVisitor();
    await fillForm(page, visitor);
    const answer = page.waitForResponse((response) => response.url() === `${proxy.url}/leads`);
    await page.getByRole('button', { name: 'Send' }).click();
    assert.equal((await answer).status(), 201);
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    await page.getByText('Thank you! We will get back to you soon.').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Back to the page' }).getAttribute('href'), `${siteUrl}/`);
    await page.screenshot({ path: `${SCREENSHOTS}/no-js-thank-you.png` });

    const { contacts, conversations } = await leadsOf(visitor.email);
    assert.equal(contacts.length, 1);
    assert.equal(contacts[0].role, 'lead');
    assert.equal(contacts[0].name, visitor.name);
    assert.equal(conversations.length, 1);
    assert.ok(conversations[0].source.body.includes(visitor.message));
  });

  test('in Arabic, the thank-you page is Arabic and right to left', async () => {
    const page = await openWithoutJavaScript(await addFormPage('/contact-ar.html', { locale: 'ar' }));
    const visitor = buildVisitor();
    await fillForm(page, visitor, { name: /^الاسم/, email: /^البريد الإلكتروني/, message: /^الرسالة/ });
    await page.getByRole('button', { name: 'إرسال' }).click();
    await page.getByRole('heading', { name: 'شكرًا لك' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    assert.equal(await page.locator('html').getAttribute('lang'), 'ar');
    assert.equal((await leadsOf(visitor.email)).contacts.length, 1);
  });

  test('with success-url on the site, the visitor lands on that page after one lead is created', async () => {
    const page = await openWithoutJavaScript(await addFormPage('/contact-redirect.html', { 'success-url': `${siteUrl}/thanks.html` }));
    const visitor = buildVisitor();
    await fillForm(page, visitor);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(`${siteUrl}/thanks.html`);
    await page.getByRole('heading', { name: 'Our own thank-you page' }).waitFor();
    assert.equal((await leadsOf(visitor.email)).contacts.length, 1);
  });

  test('submitting twice in a row (Back, then Send again) still gives one lead', async () => {
    const url = await addFormPage('/contact-twice.html', {});
    const page = await openWithoutJavaScript(url);
    const visitor = buildVisitor();
    await fillForm(page, visitor);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    const postsBefore = leadPosts();
    await page.goBack();
    await page.waitForURL(url);
    await fillForm(page, visitor);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    assert.equal(leadPosts() - postsBefore, 1, 'the second send reached the proxy');
    assert.equal((await leadsOf(visitor.email)).contacts.length, 1);
    assert.equal(await contactCreations(visitor.email), 1);
  });

  test('reloading the thank-you page (the browser posts the form again) still gives one lead', async () => {
    const page = await openWithoutJavaScript(await addFormPage('/contact-reload.html', {}));
    const visitor = buildVisitor();
    await fillForm(page, visitor);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    const postsBefore = leadPosts();
    await page.reload();
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    assert.equal(leadPosts() - postsBefore, 1, 'the reload posted the form again');
    assert.equal((await leadsOf(visitor.email)).contacts.length, 1);
    assert.equal(await contactCreations(visitor.email), 1);
  });

  test('a second click on Send while the first post is still on its way gives one lead and the thank-you page', async () => {
    const page = await openWithoutJavaScript(await addFormPage('/contact-double.html', {}));
    const visitor = buildVisitor();
    await fillForm(page, visitor);
    // Intercom holds the first lead, so the first post is still waiting when the second click sends again. The hold
    // is long (the test waits for it anyway) so a loaded machine's slow second click still lands inside it.
    await addFault({ route: 'POST /contacts', delayMs: 5000, times: 1 });
    const postsBefore = leadPosts();
    // Raw mouse clicks on the button's place: a locator would wait for the pending navigation to finish first.
    const box = (await page.getByRole('button', { name: 'Send' }).boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    // Clicked again only once the first post reached Intercom through the proxy (the browser's own "request" event
    // comes before a byte is sent: a second click then could cancel the first post before the proxy saw it).
    await waitUntil(async () => (await contactCreations(visitor.email)) === 1, 'the first post held at Intercom', { timeoutMs: 10_000 });
    assert.equal(leadPosts() - postsBefore, 0, 'the first post is still on its way');
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    await waitUntil(() => leadPosts() - postsBefore === 2, 'both posts answered by the proxy', { timeoutMs: 10_000 });
    assert.equal((await leadsOf(visitor.email)).contacts.length, 1);
    assert.equal(await contactCreations(visitor.email), 1);
  });

  test('an invalid email gives a page naming the problem, and nothing reaches Intercom', async () => {
    const page = await openWithoutJavaScript(await addFormPage('/contact-invalid.html', {}));
    // `ada@example` passes the browser's own email check; the proxy wants a dot in the domain.
    const visitor = buildVisitor({ email: `ada.${Date.now()}@example` });
    await fillForm(page, visitor);
    const answer = page.waitForResponse((response) => response.url() === `${proxy.url}/leads`);
    await page.getByRole('button', { name: 'Send' }).click();
    assert.equal((await answer).status(), 400);
    await page.getByRole('heading', { name: 'Your message was not sent' }).waitFor();
    const problem = page.getByRole('listitem').filter({ hasText: 'Email:' });
    assert.match(await problem.innerText(), /Enter an email address like name@example\.com\./);
    assert.match(await problem.innerText(), new RegExp(visitor.email.replaceAll('.', '\\.')));
    await page.getByText(visitor.message).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/no-js-invalid-email.png` });
    assert.equal(await contactCreations(visitor.email), 0);
    assert.equal((await leadsOf(visitor.email)).contacts.length, 0);
  });
});
