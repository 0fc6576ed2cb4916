// With JavaScript turned off in Chromium, the prerendered form of a site whose proxy requires Turnstile cannot pass
// the check (Turnstile runs in the browser): the visitor gets a page, in their language, that says to turn JavaScript
// on or use another way and hands back what they typed; nothing reaches Intercom.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { EMULATOR_TURNSTILE_SECRET } from '../../src/emulator/turnstile.js';
import { serve, type ServedProxy } from '../../src/proxy/node.js';
import { renderLeadRelay } from '../../src/render/render-lead-relay.js';
import { ACCESS_TOKEN, SECRET } from '../proxy/harness.js';
import { SCREENSHOTS, buildVisitor, launchChromium } from './browser.js';

let emulator: RunningEmulator;
let proxy: ServedProxy;
let site: Server;
let siteUrl: string;
let browser: Browser;
const pages = new Map<string, string>();
const contexts: BrowserContext[] = [];

before(async () => {
  emulator = await startEmulator({ port: 0 });
  site = createServer((request, response) => {
    const html = pages.get(new URL(request.url ?? '/', 'http://site').pathname);
    response.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html ?? 'Not found');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  proxy = await serve({
    port: 0,
    intercom: { accessToken: ACCESS_TOKEN, baseUrl: emulator.url },
    secret: SECRET,
    origins: { allowed: [siteUrl] },
    testing: { queuePollMs: 0 },
    turnstile: { secret: EMULATOR_TURNSTILE_SECRET, verifyUrl: `${emulator.url}/turnstile/v0/siteverify` },
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

async function formPage(path: string, locale: string): Promise<Page> {
  const form = await renderLeadRelay({ proxy: proxy.url, fields: 'name email message', locale });
  pages.set(path, `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>Contact</title></head><body>${form}</body></html>`);
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 412, height: 823 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(new URL(path, siteUrl).href);
  return page;
}

async function contactsWith(email: string): Promise<number> {
  const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { contacts: { email: string }[] };
  return state.contacts.filter((contact) => contact.email === email).length;
}

test('without JavaScript the Turnstile form is refused with a page that says why and keeps what was typed', async () => {
  const page = await formPage('/contact.html', 'en');
  const visitor = buildVisitor();
  await page.getByRole('textbox', { name: /^Name/ }).pressSequentially(visitor.name);
  await page.getByRole('textbox', { name: /^Email/ }).pressSequentially(visitor.email);
  await page.getByRole('textbox', { name: /^Message/ }).pressSequentially(visitor.message);
  const answer = page.waitForResponse((response) => response.url() === `${proxy.url}/leads`);
  await page.getByRole('button', { name: 'Send' }).click();
  assert.equal((await answer).status(), 422);
  await page.getByRole('heading', { name: 'Your message was not sent' }).waitFor();
  await page.getByText('This form needs its captcha, which needs JavaScript. Turn JavaScript on, or contact us another way.').waitFor();
  await page.getByText('What you entered, so you can send it another way:').waitFor();
  const shown = await page.locator('main').innerText();
  for (const typed of [visitor.name, visitor.email, visitor.message]) assert.ok(shown.includes(typed), `the page shows "${typed}"`);
  assert.equal(await page.getByRole('link', { name: 'Back to the page' }).getAttribute('href'), `${siteUrl}/`, 'back to the site (the browser sends only the origin as Referer across origins)');
  await page.screenshot({ path: `${SCREENSHOTS}/no-js-turnstile.png` });
  assert.equal(await contactsWith(visitor.email), 0, 'nothing reached Intercom');
});

test('the page is in the form’s language: Arabic, right to left', async () => {
  const page = await formPage('/ar.html', 'ar');
  const visitor = buildVisitor();
  // Name, email and message, in the form's order (the labels are Arabic).
  const boxes = page.getByRole('textbox');
  await boxes.nth(0).pressSequentially(visitor.name);
  await boxes.nth(1).pressSequentially(visitor.email);
  await boxes.nth(2).pressSequentially(visitor.message);
  const answer = page.waitForResponse((response) => response.url() === `${proxy.url}/leads`);
  await page.locator('form button[type=submit]').click();
  assert.equal((await answer).status(), 422);
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  await page.getByText('فعّل JavaScript', { exact: false }).waitFor();
  assert.ok((await page.locator('main').innerText()).includes(visitor.name));
});
