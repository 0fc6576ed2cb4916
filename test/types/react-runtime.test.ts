// React 19 in Chromium: the binding the typings and README describe works at run time (onlr-* listeners, object props).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../e2e/browser.js';
import { ROOT } from '../support/root.js';

const root = ROOT;

/** test/types/react/app.tsx with React and the built `leadrelay` (dist/, as an app's bundler would take it). */
async function bundleApp(): Promise<string> {
  const result = await build({
    entryPoints: [`${root}test/types/react/app.tsx`],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
    plugins: [
      {
        // `leadrelay` and `leadrelay/react` as the package's exports map resolves them (the package refers to itself).
        name: 'leadrelay-self',
        setup(builder) {
          builder.onResolve({ filter: /^leadrelay(\/.*)?$/ }, (args) => ({ path: fileURLToPath(import.meta.resolve(args.path)) }));
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}

let browser: Browser;
let page: Page;
before(async () => {
  const app = await bundleApp();
  browser = await launchChromium();
  page = await browser.newPage();
  await page.setContent('<!doctype html><html lang="en"><body><div id="app"></div></body></html>');
  await page.addScriptTag({ content: app, type: 'module' });
  await page.waitForFunction(() => Boolean((window as unknown as { received?: unknown }).received));
});
after(async () => {
  await browser?.close();
});

test('React 19 sets strings as the element\'s property (an object, not "[object Object]")', async () => {
  const strings = await page.evaluate(() => (document.getElementById('form') as HTMLElement & { strings?: unknown }).strings);
  assert.deepEqual(strings, { submit: 'Book a demo' });
  assert.equal(await page.evaluate(() => document.getElementById('form')!.getAttribute('strings')), null);
});

test('onlr-success and onlr-error props receive the element\'s events with their detail', async () => {
  const received = await page.evaluate(() => {
    const form = document.getElementById('form')!;
    // As the widget fires them: from inside its shadow root, bubbling and composed.
    const inside = form.shadowRoot?.firstElementChild ?? form;
    inside.dispatchEvent(new CustomEvent('lr-success', { detail: { status: 'created', conversationId: 'c_1' }, bubbles: true, composed: true }));
    inside.dispatchEvent(new CustomEvent('lr-error', { detail: { code: 'rate_limited', message: 'Slow down.' }, bubbles: true, composed: true }));
    return (window as unknown as { received: unknown }).received;
  });
  assert.deepEqual(received, {
    success: [{ status: 'created', conversationId: 'c_1' }],
    error: [{ code: 'rate_limited', message: 'Slow down.' }],
  });
});

test('the element React rendered is the upgraded <lead-relay>, drawing its form with the override', async () => {
  const label = await page.evaluate(async () => {
    const form = document.getElementById('form') as HTMLElement & { updateComplete?: Promise<unknown> };
    await form.updateComplete;
    return form.shadowRoot?.querySelector('button')?.textContent?.trim();
  });
  assert.equal(label, 'Book a demo');
});
