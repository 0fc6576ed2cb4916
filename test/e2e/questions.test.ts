// The site's own questions end to end (Chromium, the built bundles, the real proxy with a questions file, the
// emulator): prerendered in English and Arabic, the element takes the form over with a CLS of 0.000 and the questions
// drawn; the plain snippet's shift while it fetches them is measured (the figure in docs/questions.md); with JavaScript
// off the prerendered form posts each answer under its name and the lead arrives with them as typed attributes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Browser, Page } from 'playwright-core';
import { ARTICLE_CSS, PHONE, WATCH_LAYOUT, articlePage, settledLayout, widgetSettled } from '../../bench/article-page.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createProxy, type Proxy } from '../../src/proxy/app.js';
import { prerenderLeadRelay, type LeadRelayAttributes } from '../../src/render/render-lead-relay.js';
import { waitUntil } from '../support/wait.js';
import { launchChromium } from './browser.js';

const PROXY_PATH = '/api/leadrelay';
const MODULE_SCRIPT = '<script type="module" src="/dist/leadrelay.js"></script>';

/** One question of every type a visitor sees, labelled in English and Arabic, and a hidden campaign id. */
export const QUESTIONS_FILE = {
  questions: [
    { name: 'company', type: 'text', label: { en: 'Company', ar: 'الشركة' }, required: true, company: true, attribute: 'company_name' },
    {
      name: 'team_size',
      type: 'select',
      label: { en: 'Team size', ar: 'حجم الفريق' },
      required: true,
      options: [{ value: '1-10', label: { en: '1 to 10', ar: 'من 1 إلى 10' } }, { value: '11-50', label: '11–50' }],
    },
    { name: 'interests', type: 'checkboxes', label: { en: 'Interests', ar: 'الاهتمامات' }, hint: { en: 'Tick all that apply.', ar: 'اختر كل ما ينطبق.' }, options: ['api', 'ui'] },
    { name: 'subscribe', type: 'checkbox', label: { en: 'Subscribe me', ar: 'اشترك' } },
    { name: 'seats', type: 'number', label: { en: 'Seats', ar: 'المقاعد' }, integer: true, min: 1, max: 500 },
    { name: 'start', type: 'date', label: { en: 'Start date', ar: 'تاريخ البدء' } },
    { name: 'about', type: 'textarea', label: { en: 'About you', ar: 'عنك' } },
    { name: 'campaign', type: 'hidden', value: 'spring-26' },
  ],
};

let emulator: RunningEmulator;
let proxy: Proxy;
let server: Server;
let url: string;
let browser: Browser;
const pages = new Map<string, string>();

before(async () => {
  emulator = await startEmulator({ port: 0 });
  const app = new Hono();
  app.all(`${PROXY_PATH}/*`, (c) => proxy.fetch(c.req.raw, c.env));
  app.get('/article.css', (c) => c.body(ARTICLE_CSS, 200, { 'content-type': 'text/css' }));
  app.get('/dist/:name', async (c) => {
    const name = c.req.param('name');
    if (!/^leadrelay[\w.-]*\.js$/.test(name)) return c.text('Not found', 404);
    return c.body(await readFile(new URL(`../../dist/${name}`, import.meta.url), 'utf8'), 200, { 'content-type': 'text/javascript' });
  });
  app.get('*', (c) => {
    const html = pages.get(new URL(c.req.url).pathname);
    return html ? c.body(html, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }) : c.text('Not found', 404);
  });
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port)) as Server;
  });
  url = `http://127.0.0.1:${port}`;
  proxy = createProxy({
    intercom: { accessToken: 'emulator-token', baseUrl: emulator.url },
    secret: `questions-e2e-secret-${randomBytes(32).toString('hex')}`,
    origins: { allowed: [url] },
    basePath: PROXY_PATH,
    clients: { rateLimit: 0 },
    questions: QUESTIONS_FILE,
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => {
    server?.close(() => resolve());
    server?.closeAllConnections();
  });
  await proxy?.close();
  await emulator?.close();
});

async function open(path: string, html: string, javaScript = true): Promise<Page> {
  pages.set(path, html);
  const context = await browser.newContext({ viewport: PHONE, colorScheme: 'light', javaScriptEnabled: javaScript });
  const page = await context.newPage();
  if (javaScript) await page.addInitScript(WATCH_LAYOUT);
  await page.goto(url + path);
  return page;
}

async function snippet(attributes: Omit<LeadRelayAttributes, 'proxy'>): Promise<string> {
  return (await prerenderLeadRelay({ proxy: url + PROXY_PATH, fields: 'name email', questions: QUESTIONS_FILE, ...attributes })).html;
}

async function leadsOf(email: string): Promise<any[]> {
  const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { contacts: any[] };
  return state.contacts.filter((contact) => contact.email === email);
}

for (const locale of ['en', 'ar']) {
  test(`prerendered with questions (${locale}): taken over by the element with a CLS of 0.000, no blank frame, questions drawn`, async () => {
    const page = await open(`/prerendered-${locale}.html`, articlePage(await snippet({ locale }), { head: MODULE_SCRIPT, lang: locale }));
    await widgetSettled(page);
    await page.waitForFunction(() => !!document.querySelector('lead-relay')?.shadowRoot?.querySelector('#lr-seats'));
    const { cls, blankFrames } = await settledLayout(page);
    console.log(`CLS, article page 412×823, prerendered with questions (${locale}): ${cls.toFixed(3)}`);
    assert.equal(cls.toFixed(3), '0.000');
    assert.equal(blankFrames, 0, 'a frame showed the element without its form');
    const drawn = await page.evaluate(() => {
      const root = document.querySelector('lead-relay')!.shadowRoot!;
      return { dir: root.querySelector('.root')!.getAttribute('dir'), legend: root.querySelector('legend')!.textContent, styles: root.querySelectorAll('style').length };
    });
    assert.deepEqual(drawn, { dir: locale === 'ar' ? 'rtl' : 'ltr', legend: locale === 'ar' ? 'الاهتمامات' : 'Interests', styles: 0 });
    await page.context().close();
  });
}

test('the plain snippet with form="default" fetches its questions and moves the page meanwhile (the figure docs/questions.md gives)', async () => {
  const page = await open('/plain.html', articlePage(`<lead-relay proxy="${url + PROXY_PATH}" fields="name email" form="default"></lead-relay>`, { head: MODULE_SCRIPT }));
  await page.waitForFunction(() => !!document.querySelector('lead-relay')?.shadowRoot?.querySelector('#lr-seats'));
  const { cls } = await settledLayout(page);
  console.log(`CLS, article page 412×823, plain snippet with questions: ${cls.toFixed(3)}`);
  assert.ok(cls > 0, `the shift is measured (CLS ${cls})`);
  await page.context().close();
});

test('prerendered, JavaScript on: typed answers reach Intercom as typed attributes', async () => {
  const page = await open('/with-script.html', articlePage(await snippet({ locale: 'en' }), { head: MODULE_SCRIPT }));
  await widgetSettled(page);
  const email = `js-${randomBytes(4).toString('hex')}@example.com`;
  const form = page.locator('lead-relay');
  await form.getByRole('textbox', { name: 'Email' }).fill(email);
  await form.getByRole('textbox', { name: 'Company' }).fill('Acme Script');
  await form.getByRole('combobox', { name: 'Team size' }).selectOption('11-50');
  await form.getByRole('checkbox', { name: 'ui' }).check();
  await form.getByRole('spinbutton', { name: 'Seats' }).fill('12');
  await form.getByRole('button', { name: 'Send' }).click();
  await waitUntil(async () => (await leadsOf(email)).length === 1, 'the lead');
  const [lead] = await leadsOf(email);
  assert.deepEqual(
    { company: lead.custom_attributes.company_name, team: lead.custom_attributes.team_size, interests: lead.custom_attributes.interests, seats: lead.custom_attributes.seats, subscribe: lead.custom_attributes.subscribe, campaign: lead.custom_attributes.campaign },
    { company: 'Acme Script', team: '11-50', interests: 'ui', seats: 12, subscribe: false, campaign: 'spring-26' },
  );
  await page.context().close();
});

for (const locale of ['en', 'ar']) {
  test(`JavaScript off (${locale}): the prerendered form posts each answer under its name and the lead arrives with them`, async () => {
    const page = await open(`/no-js-${locale}.html`, articlePage(await snippet({ locale }), { head: MODULE_SCRIPT, lang: locale }), false);
    const email = `nojs-${locale}-${randomBytes(4).toString('hex')}@example.com`;
    // By name, the same in both languages (the labels are the file's, in the page's language).
    await page.locator('input[name=email]').fill(email);
    await page.locator('input[name=company]').fill('Acme No Script');
    await page.locator('select[name=team_size]').selectOption('1-10');
    await page.locator('input[name=interests][value=api]').check();
    await page.locator('input[name=interests][value=ui]').check();
    await page.locator('input[name=subscribe]').check();
    await page.locator('input[name=seats]').fill('7');
    await page.locator('input[name=start]').fill('2026-03-02');
    await page.locator('button[type=submit]').click();
    await page.waitForLoadState();
    await waitUntil(async () => (await leadsOf(email)).length === 1, 'the lead');
    const [lead] = await leadsOf(email);
    assert.deepEqual(
      {
        company: lead.custom_attributes.company_name,
        team: lead.custom_attributes.team_size,
        interests: lead.custom_attributes.interests,
        subscribe: lead.custom_attributes.subscribe,
        seats: lead.custom_attributes.seats,
        start: lead.custom_attributes.start,
        campaign: lead.custom_attributes.campaign,
      },
      { company: 'Acme No Script', team: '1-10', interests: 'api, ui', subscribe: true, seats: 7, start: Date.UTC(2026, 2, 2) / 1000, campaign: 'spring-26' },
    );
    // The first message: the answers block in the file's default locale (English) whatever the page's language; this
    // form has no message field, so the proxy's own sentence follows.
    const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { conversations: { source: { body: string }; contacts: { contacts: { id: string }[] } }[] };
    const conversation = state.conversations.find((candidate) => candidate.contacts.contacts.some((contact) => contact.id === lead.id));
    const body = conversation?.source.body ?? '';
    assert.equal(
      body.slice(0, body.indexOf('\n\n')),
      [
        'Answers to the form (checked by LeadRelay):',
        'Company: Acme No Script',
        'Team size: 1 to 10',
        'Interests: api, ui',
        'Subscribe me: Yes',
        'Seats: 7',
        'Start date: 2026-03-02',
        'campaign: spring-26',
      ].join('\n'),
      body,
    );
    assert.match(body.slice(body.indexOf('\n\n') + 2), /^New lead from the LeadRelay form on .*\. No message was written\.$/);
    await page.context().close();
  });
}
