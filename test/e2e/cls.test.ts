// Layout shift on an article page (Chromium, 412×823): the prerendered snippet never moves the text around it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { prerenderLeadRelay, type LeadRelayAttributes } from '../../src/render/render-lead-relay.js';
import { launchChromium } from './browser.js';
import { WATCH_LAYOUT, settledLayout, widgetSettled } from '../../bench/article-page.js';
import { MODULE_SCRIPT, PHONE, articlePage, startPrerenderSite, type PrerenderSite } from './prerender-site.js';

let site: PrerenderSite;
let browser: Browser;

before(async () => {
  site = await startPrerenderSite();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

async function openArticle(path: string, html: string, csp?: string, options: { scriptAfterPaint?: boolean } = {}): Promise<Page> {
  site.page(path, html, csp);
  const context = await browser.newContext({ viewport: PHONE, colorScheme: 'light' });
  const page = await context.newPage();
  await page.addInitScript(WATCH_LAYOUT);
  if (options.scriptAfterPaint) {
    // The widget's script arrives once the article has been painted, as on any network slower than loopback; over
    // loopback a small script can run before the first paint, and then there is no shift to measure.
    await page.route('**/dist/leadrelay.js', async (route) => {
      await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, undefined, { polling: 20 });
      await route.continue();
    });
  }
  await page.goto(site.url + path);
  return page;
}

async function prerenderedArticle(name: string, attributes: Omit<LeadRelayAttributes, 'proxy'>, options: { csp?: boolean; head?: string } = {}) {
  const { html, styleSrc } = await prerenderLeadRelay({ proxy: site.proxyUrl, ...attributes });
  // `default-src 'self'` plus only what the render output says to add.
  const csp = options.csp ? `default-src 'self'; style-src 'self' ${styleSrc.join(' ')}` : undefined;
  const page = await openArticle(`/prerendered-${name}.html`, articlePage(html, { head: options.head ?? MODULE_SCRIPT, lang: attributes.locale }), csp);
  await widgetSettled(page);
  return { page, ...(await settledLayout(page)) };
}

test('the plain snippet moves the article when it appears (the figure the prerendered snippet is compared with)', async () => {
  const page = await openArticle('/plain.html', articlePage(`<lead-relay proxy="${site.proxyUrl}"></lead-relay>`, { head: MODULE_SCRIPT }), undefined, { scriptAfterPaint: true });
  await page.waitForFunction(() => !!document.querySelector('lead-relay')?.shadowRoot?.querySelector('form'));
  const { cls, blankFrames } = await settledLayout(page);
  console.log(`CLS, article page 412×823, plain snippet: ${cls.toFixed(3)}`);
  assert.ok(cls > 0.1, `the plain snippet's shift is measured (CLS ${cls})`);
  assert.ok(blankFrames > 0, 'the plain snippet shows frames without its form (what the blank-frame check detects)');
  await page.context().close();
});

test('the plain snippet with the height the README reserves for it moves nothing', async () => {
  const { readFileSync } = await import('node:fs');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const rule = /`(lead-relay:not\(\[mode=launcher\]\) \{[^}`]+\})`/.exec(readme)?.[1];
  assert.ok(rule, 'the README gives the CSS rule');
  const html = articlePage(`<lead-relay proxy="${site.proxyUrl}"></lead-relay>`, { head: `${MODULE_SCRIPT}<style>${rule}</style>` });
  const page = await openArticle('/plain-reserved.html', html);
  await page.waitForFunction(() => !!document.querySelector('lead-relay')?.shadowRoot?.querySelector('form'));
  const { cls } = await settledLayout(page);
  assert.equal(cls.toFixed(3), '0.000');
  await page.context().close();
});

for (const [name, attributes] of [
  ['en', { locale: 'en' }],
  ['de', { locale: 'de' }],
  ['ar', { locale: 'ar' }],
  ['dark', { theme: 'dark' }],
] as const) {
  test(`the prerendered snippet (${name}) is taken over by the element with a CLS of 0.000 and no blank frame`, async () => {
    const { page, cls, blankFrames } = await prerenderedArticle(name, attributes);
    console.log(`CLS, article page 412×823, prerendered (${name}): ${cls.toFixed(3)}`);
    assert.equal(cls.toFixed(3), '0.000');
    assert.equal(blankFrames, 0, 'a frame showed the element without its form');
    await page.context().close();
  });
}

test('with the classic script (deferred) the take-over is the same: CLS 0.000, no blank frame', async () => {
  const { page, cls, blankFrames } = await prerenderedArticle('classic', { locale: 'fr' }, { head: '<script src="/dist/leadrelay.iife.js" defer></script>' });
  assert.equal(cls.toFixed(3), '0.000');
  assert.equal(blankFrames, 0);
  assert.equal(await page.locator('lead-relay [part=heading]').textContent(), 'Nous contacter');
  await page.context().close();
});

for (const [where, cutBefore] of [
  ['before the element\'s markup', '<template'],
  // The declarative shadow root exists from its <template> start tag on; a parser that yields after the <style>
  // (a loaded CI machine did) draws a frame with a shadow root and no form yet.
  ['inside its shadow root, before the form', '<form'],
] as const) {
  test(`a frame drawn while the page is still arriving, ${where}, is loading and not a blank take-over frame`, async () => {
    const { html } = await prerenderLeadRelay({ proxy: site.proxyUrl });
    const whole = articlePage(html, { head: MODULE_SCRIPT });
    // The network stops right there (a loaded machine's parser can stop there too).
    const cut = whole.indexOf(cutBefore);
    assert.ok(cut > 0, `the page holds ${cutBefore}`);
    const held = site.heldPage(`/arriving-${cutBefore.slice(1)}.html`, whole.slice(0, cut), whole.slice(cut));
    const context = await browser.newContext({ viewport: PHONE, colorScheme: 'light' });
    const page = await context.newPage();
    await page.addInitScript(WATCH_LAYOUT);
    await page.addInitScript(`window.framesBeforeMarkup = 0; const count = () => {
      const element = document.querySelector('lead-relay');
      if (element && !element.shadowRoot?.querySelector('form')) window.framesBeforeMarkup += 1;
      requestAnimationFrame(count);
    }; requestAnimationFrame(count);`);
    await page.goto(site.url + `/arriving-${cutBefore.slice(1)}.html`, { waitUntil: 'commit' });
    await page.waitForFunction('window.framesBeforeMarkup >= 3');
    held.release();
    await widgetSettled(page);
    const { cls, blankFrames } = await settledLayout(page);
    assert.equal(cls.toFixed(3), '0.000');
    assert.equal(blankFrames, 0, 'a frame showed the parsed element without its form');
    await context.close();
  });
}

test('after the take-over a German form still reads German, and an Arabic one right to left', async () => {
  const de = await prerenderedArticle('de-words', { locale: 'de' });
  assert.equal(await de.page.locator('lead-relay [part=heading]').textContent(), 'Kontakt aufnehmen');
  assert.equal(await de.page.locator('lead-relay [part=button]').textContent().then((text) => text?.trim()), 'Senden');
  await de.page.context().close();
  const ar = await prerenderedArticle('ar-dir', { locale: 'ar' });
  assert.equal(await ar.page.locator('lead-relay [part=base]').getAttribute('dir'), 'rtl');
  await ar.page.context().close();
});

test('on a strict-CSP page (default-src self plus the style-src hash the render gives) CLS is 0.000 with no violation', async () => {
  const { page, cls, violations } = await prerenderedArticle('csp', { locale: 'en' }, { csp: true });
  console.log(`CLS, article page 412×823, prerendered under a strict CSP: ${cls.toFixed(3)}`);
  assert.deepEqual(violations, []);
  assert.equal(cls.toFixed(3), '0.000');
  // The prerendered style applied before the script came: the button has the accent colour, not the browser's grey.
  const background = await page.locator('lead-relay [part=button]').evaluate((button) => getComputedStyle(button).backgroundColor);
  assert.equal(background, 'rgb(11, 87, 208)');
  await page.context().close();
});

test('without the hash in style-src the prerendered style is refused (the hash is what allows it)', async () => {
  const { html } = await prerenderLeadRelay({ proxy: site.proxyUrl });
  const page = await openArticle('/csp-no-hash.html', articlePage(html), "default-src 'self'");
  const { violations } = await settledLayout(page);
  assert.ok(violations.some((line) => line.startsWith('style-src')), `violations: ${violations.join(', ')}`);
  await page.context().close();
});
