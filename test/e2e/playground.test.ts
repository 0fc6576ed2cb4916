// The playground in Chromium: controls drive attributes, --lr-* properties and the snippet; screenshots of every state.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDemo, type RunningDemo } from '../../demo/demo-server.js';
import { SCREENSHOTS, buildVisitor, fillAndSend, inboxContact, launchChromium, watchForProblems } from './browser.js';

let demo: RunningDemo;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[];

const STATES = ['idle', 'invalid', 'submitting', 'error', 'success', 'queued'];

before(async () => {
  demo = await startDemo({ port: 0, minFillMs: 0 });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(demo.url).origin });
  page = await context.newPage();
  problems = watchForProblems(page);
  await page.goto(demo.url);
});

after(async () => {
  await context?.close();
  await browser?.close();
  await demo?.close();
});

const live = () => page.locator('lead-relay#live');
const snippetText = async () => (await page.locator('#snippet-code').textContent()) ?? '';

test('the controls set the attributes of the live widget and the snippet writes the same markup', async () => {
  await page.getByLabel('Heading').fill('Talk to "sales"');
  await page.getByLabel('Show phone').uncheck();
  await page.getByLabel('Require name').check();
  await page.getByLabel('Locale').selectOption('de');
  await page.getByLabel(/^Consent text/).fill('Ich bin einverstanden.');

  assert.equal(await live().getAttribute('heading'), 'Talk to "sales"');
  assert.equal(await live().getAttribute('fields'), 'name email message');
  assert.equal(await live().getAttribute('required'), 'name');
  assert.equal(await live().getAttribute('locale'), 'de');
  // The widget shows it: German labels and the consent checkbox.
  await live().getByRole('textbox', { name: /^E-Mail/ }).waitFor();
  await live().getByRole('checkbox', { name: /Ich bin einverstanden/ }).waitFor();
  assert.equal(await live().getByRole('textbox', { name: /^Telefon/ }).count(), 0);

  await page.getByRole('tab', { name: 'Script tag' }).click();
  const snippet = await snippetText();
  assert.match(snippet, /<script type="module" src="[^"]+\/leadrelay\.js"><\/script>/);
  assert.match(snippet, /heading="Talk to &quot;sales&quot;"/);
  assert.match(snippet, /fields="name email message"/);
  assert.match(snippet, /locale="de"/);
  assert.match(snippet, /consent="Ich bin einverstanden\."/);

  await page.getByRole('tab', { name: 'npm' }).click();
  assert.match(await snippetText(), /import \{ convertLead \} from 'leadrelay';/);
  await page.getByRole('tab', { name: 'Classic script' }).click();
  assert.match(await snippetText(), /<script src="[^"]+\/leadrelay\.iife\.js" defer><\/script>/);

  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByText('Copied to the clipboard.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await snippetText());

  await page.getByRole('button', { name: 'Reset all' }).click();
  await page.waitForFunction(() => !document.querySelector('#live')!.hasAttribute('heading'));
  assert.equal(await live().getAttribute('locale'), null);
});

test('the first tab is the prerendered snippet for the current settings, with the note to make it again', async () => {
  await page.getByRole('tab', { name: 'Prerendered' }).click();
  assert.equal(await page.getByRole('tab', { name: 'Prerendered' }).getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('[role=tab]').first().textContent(), 'Prerendered');
  await page.getByLabel('Locale').selectOption('de');
  await page.waitForFunction(() => document.querySelector('#snippet-code')?.textContent?.includes('Kontakt aufnehmen'));
  const snippet = await snippetText();
  assert.match(snippet, /<lead-relay proxy="\/api\/leadrelay" locale="de"[^>]*><template shadowrootmode="open">/);
  assert.match(snippet, /<form part="form" method="post" action="\/api\/leadrelay\/leads"/);
  assert.match(snippet, /npx leadrelay-render --proxy \/api\/leadrelay --locale de/);
  assert.match(snippet, /add to style-src: 'sha256-[\w+/=]+'/);
  assert.ok(await page.locator('#prerender-note').isVisible());
  assert.match((await page.locator('#prerender-note').textContent()) ?? '', /Make it again/);
  // New settings, a new snippet.
  await page.getByLabel('Locale').selectOption('fr');
  await page.waitForFunction(() => /locale="fr"/.test(document.querySelector('#snippet-code')?.textContent ?? ''));
  await page.getByRole('button', { name: 'Reset all' }).click();
  await page.waitForFunction(() => !document.querySelector('#live')!.hasAttribute('locale'));
});

test('the theme controls set --lr-* custom properties on every widget and in the snippet', async () => {
  await page.getByRole('tab', { name: 'Script tag' }).click();
  await page.getByLabel(/^Radius/).fill('14');
  await page.getByLabel(/^Spacing/).fill('1.5');
  await page.getByLabel(/^Accent/).fill('#c2185b');
  await page.getByLabel(/^Font/).selectOption('serif');

  for (const id of ['live', 'state-success']) {
    const properties = await page.evaluate((selector) => {
      const style = getComputedStyle(document.getElementById(selector)!);
      return ['--lr-radius', '--lr-spacing', '--lr-accent', '--lr-on-accent'].map((name) => style.getPropertyValue(name).trim());
    }, id);
    // A custom accent brings a text colour that reads on it (white on this dark pink).
    assert.deepEqual(properties, ['14px', '1.5rem', '#c2185b', '#ffffff']);
  }
  // Inside the shadow root the button really takes the accent.
  const background = await live().locator('[part=button]').evaluate((button) => getComputedStyle(button).backgroundColor);
  assert.equal(background, 'rgb(194, 24, 91)');
  const snippet = await snippetText();
  assert.match(snippet, /--lr-radius: 14px;/);
  assert.match(snippet, /--lr-accent: #c2185b;/);
  assert.match(snippet, /--lr-font: [^;]*Georgia/);
  await page.getByRole('button', { name: 'Reset all' }).click();
  await page.waitForFunction(() => getComputedStyle(document.getElementById('live')!).getPropertyValue('--lr-radius') === '');
});

test('the gallery shows every state side by side, screenshotted in light, dark and Arabic', async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  // Something in the inbox, so the screenshot shows the whole demo at work.
  const visitor = buildVisitor({ phone: '+1 415 555 0100', name: 'Grace Hopper' });
  await fillAndSend(live(), visitor);
  await inboxContact(page, visitor.email, 'lead');

  for (const state of STATES) {
    assert.equal(await page.locator(`#state-${state}`).getAttribute('preview-state'), state);
  }
  const gallery = page.locator('#gallery');
  assert.equal(await gallery.locator('[aria-invalid=true]').count() > 0, true, 'the invalid state shows no invalid field');
  await gallery.locator('#state-success').getByText(/Thank you/).waitFor();
  await gallery.locator('#state-queued').getByText(/saved/).waitFor();
  await gallery.locator('#state-submitting [part=button][aria-disabled=true]').waitFor();

  await page.screenshot({ path: `${SCREENSHOTS}/playground-light.png`, fullPage: true });
  await gallery.screenshot({ path: `${SCREENSHOTS}/gallery-light.png` });

  await page.locator('.segmented label', { hasText: 'Dark' }).click();
  await page.waitForFunction(() => document.querySelector('#gallery-surface')?.getAttribute('data-theme') === 'dark');
  assert.equal(await page.locator('#state-idle').getAttribute('theme'), 'dark');
  await gallery.screenshot({ path: `${SCREENSHOTS}/gallery-dark.png` });

  await page.locator('.segmented label', { hasText: 'Auto' }).click();
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${SCREENSHOTS}/playground-dark.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });

  await page.getByLabel('Locale').selectOption('ar');
  await gallery.locator('#state-idle [part=base][dir=rtl]').waitFor();
  await gallery.screenshot({ path: `${SCREENSHOTS}/gallery-arabic.png` });
  await page.getByRole('button', { name: 'Reset all' }).click();

  // After a success, "Start over" gives a fresh form with the same settings.
  await page.getByRole('button', { name: 'Start over' }).click();
  await live().getByRole('textbox', { name: /^Name/ }).waitFor();
  assert.equal(await live().getAttribute('proxy'), '/api/leadrelay');
  // The README's picture: the form ready to fill, the lead it sent in the inbox. docs/demo.png is committed, so it is
  // rewritten only on request (UPDATE_DOCS_SCREENSHOT=1); a normal run leaves the working tree clean.
  await page.evaluate(() => scrollTo(0, 0));
  await page.screenshot({ path: process.env.UPDATE_DOCS_SCREENSHOT ? 'docs/demo.png' : `${SCREENSHOTS}/demo.png` });

  // A phone: one column, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'the playground scrolls sideways on a phone');
  await page.screenshot({ path: `${SCREENSHOTS}/playground-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1440, height: 900 });
  assert.deepEqual(problems, []);
});
