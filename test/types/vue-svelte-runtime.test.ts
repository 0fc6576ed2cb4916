// The README's Vue 3 and Svelte 5 components in Chromium: @lr-* and onlr-* bindings receive the widget's events.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { compile } from 'svelte/compiler';
import { compileScript, parse } from 'vue/compiler-sfc';
import { launchChromium } from '../e2e/browser.js';
import { ROOT } from '../support/root.js';

const root = ROOT;

/** `leadrelay` and its subpaths as the package's exports map resolves them (dist/, what an app's bundler takes). */
const leadrelaySelf: Plugin = {
  name: 'leadrelay-self',
  setup(builder) {
    builder.onResolve({ filter: /^leadrelay(\/.*)?$/ }, (args) => ({ path: fileURLToPath(import.meta.resolve(args.path)) }));
  },
};

/** Single-file components compiled as Vite's plugins would: Vue's with `isCustomElement` as the README says. */
const components: Plugin = {
  name: 'components',
  setup(builder) {
    builder.onLoad({ filter: /\.vue$/ }, ({ path }) => {
      const { descriptor } = parse(readFileSync(path, 'utf8'), { filename: path });
      const script = compileScript(descriptor, {
        id: 'contact-form',
        inlineTemplate: true,
        templateOptions: { compilerOptions: { isCustomElement: (tag) => tag === 'lead-relay' } },
      });
      return { contents: script.content, loader: 'ts' };
    });
    builder.onLoad({ filter: /\.svelte$/ }, ({ path }) => ({
      contents: compile(readFileSync(path, 'utf8'), { filename: path, generate: 'client' }).js.code,
      loader: 'js',
    }));
  },
};

/** An entry that mounts the README's component into #app and records what its handlers receive in `window.received`. */
async function bundle(entry: string): Promise<string> {
  const result = await build({
    stdin: { contents: entry, resolveDir: `${root}test/types`, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    define: { 'process.env.NODE_ENV': '"production"', __VUE_OPTIONS_API__: 'true', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false' },
    logLevel: 'silent',
    plugins: [leadrelaySelf, components],
  });
  return result.outputFiles[0]!.text;
}

const VUE_APP = `
import { createApp } from 'vue';
import ContactForm from './vue/ContactForm.vue';
const received = { lead: [], refused: [] };
window.received = received;
createApp(ContactForm, { onLead: (detail) => received.lead.push(detail), onRefused: (detail) => received.refused.push(detail) }).mount('#app');
`;
const SVELTE_APP = `
import { mount } from 'svelte';
import ContactForm from './svelte/ContactForm.svelte';
const received = { lead: [], refused: [] };
window.received = received;
mount(ContactForm, { target: document.getElementById('app'), props: { onlead: (detail) => received.lead.push(detail) } });
`;

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

async function open(entry: string): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.setContent('<!doctype html><html lang="en"><body><div id="app"></div></body></html>');
  await page.addScriptTag({ content: await bundle(entry), type: 'module' });
  await page.waitForFunction(() => Boolean(document.querySelector('lead-relay')));
  assert.deepEqual(errors, []);
  return page;
}

/** Fires the widget's events the way it does (from its shadow root, bubbling, composed) and returns what was received. */
function fireWidgetEvents(page: Page): Promise<unknown> {
  return page.evaluate(() => {
    const form = document.querySelector('lead-relay')!;
    const inside = form.shadowRoot?.firstElementChild ?? form;
    inside.dispatchEvent(new CustomEvent('lr-success', { detail: { status: 'queued' }, bubbles: true, composed: true }));
    inside.dispatchEvent(new CustomEvent('lr-error', { detail: { code: 'spam_suspected', message: 'Too fast.' }, bubbles: true, composed: true }));
    return (window as unknown as { received: unknown }).received;
  });
}

test('Vue 3: the README component hands @lr-success and @lr-error details to its own emits, and sets strings as a property', async () => {
  const page = await open(VUE_APP);
  try {
    assert.deepEqual(await fireWidgetEvents(page), { lead: [{ status: 'queued' }], refused: [{ code: 'spam_suspected', message: 'Too fast.' }] });
    const strings = await page.evaluate(() => (document.querySelector('lead-relay') as HTMLElement & { strings?: unknown }).strings);
    assert.deepEqual(strings, { submit: 'Book a demo' });
  } finally {
    await page.close();
  }
});

test('Svelte 5: the README component\'s onlr-success attribute receives the detail, and strings is a property', async () => {
  const page = await open(SVELTE_APP);
  try {
    assert.deepEqual(await fireWidgetEvents(page), { lead: [{ status: 'queued' }], refused: [] });
    const strings = await page.evaluate(() => (document.querySelector('lead-relay') as HTMLElement & { strings?: unknown }).strings);
    assert.deepEqual(strings, { submit: 'Book a demo' });
  } finally {
    await page.close();
  }
});
