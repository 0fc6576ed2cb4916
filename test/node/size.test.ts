// Size budgets on the built browser bundles: first render, an inline English form through a submission, the classic script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureBundles } from '../../bench/bundle-size.js';

// The line is 10 KB (10,240 B). First paint must carry what is needed before any later file arrives: the
// fallback when a chunk cannot load (lr-error and the form's own post), the loader of the questions chunk for a form
// that has questions, and the names of the lazy chunks. It measured 10,281 B (41 B over) until the styles stopped
// using Lit's css`` tag (its interpolation checks and error message: 149 B; src/widget/css-tag.ts), the bundle
// shortened the private --_ custom properties (26 B) and terser ran five passes (2 B): 10,104 B, 136 B under.
test('first render (leadrelay.js and the chunks it imports statically, the take-over included) stays within 10 KB gzip', () => {
  const sizes = measureBundles();
  assert.ok(sizes.firstRender <= 10_240, `first render is ${sizes.firstRender} bytes gzip`);
});

// The budgets of issue 12 (closing issue 4's question): Lit and ky are given and leave about 4 KB for our code. The
// classic script holds everything (every locale, launcher mode), so nothing can grow without one of these noticing.
// The issue's line is 16.5 KB (16,896 B). With the visible queue states, the page-context cleaners, issue 20's hooks
// for the answers' checks and the Turnstile loader, and their sentences in the English pack it measured 17,061 B
// (165 B over). First render's 177 B above, ky's request class taken without its instance factory and option
// merging (116 B of the `later` chunk: kyPostOnly in rollup.config.mjs) and the five passes there (8 B) brought it to
// 16,760 B, 136 B under.
test('everything an inline English form loads, through a submission, stays within 16.5 KB gzip', () => {
  const sizes = measureBundles();
  assert.ok(sizes.inlineEnglish <= 16_896, `first render + submit code + English pack is ${sizes.inlineEnglish} bytes gzip`);
});

// The classic script inlines every chunk (Rollup's IIFE output has no code splitting): besides every locale and
// launcher mode, the site's own questions (drawing them 1.8 KB gzip as a chunk, their checks 1.4 KB), Turnstile's
// loader (0.8 KB) and convertLead (0.6 KB), plus the page-context cleaners and the visible queue states. 19 KB was
// the line before questions and Turnstile. Left out (marked external), those four would leave 19,670 B, still 214 B
// over 19 KB, and they cannot simply be loaded beside it: the ESM chunks import Lit and the shortened names from
// leadrelay.js, a second copy of the element's code. It measured 23,364 B (the stated budget was 23,400 B); the
// css`` tag, ky's request class and the short custom properties made it 23,012 B. This budget is that measurement
// plus 38 B; a page that cares about bytes uses leadrelay.js, which loads those only when used.
test('the classic script (every locale, launcher mode, questions and Turnstile inlined) stays within 23,050 B gzip', () => {
  const sizes = measureBundles();
  assert.ok(sizes.iife <= 23_050, `the classic script is ${sizes.iife} bytes gzip`);
});

test('ky and the locale packs are not part of first render', () => {
  const sizes = measureBundles();
  assert.ok(sizes.kyFiles.length > 0, 'ky is in the build');
  assert.ok(sizes.kyFiles.every((name) => sizes.lazy.some((chunk) => chunk.name === name)), 'ky is only in lazy chunks');
  assert.equal(sizes.firstRenderFiles.some((name) => /-(en|de|es|fr|ar)-/.test(name)), false);
});

test('English sentences after first paint are a locale pack: other languages do not download them', async () => {
  const { enLater } = await import('../../src/widget/messages-later.js');
  const { readFileSync } = await import('node:fs');
  const sizes = measureBundles();
  const english = sizes.lazy.find((chunk) => /^leadrelay-en-/.test(chunk.name));
  assert.ok(english, 'an English pack chunk is built');
  const text = (name: string) => readFileSync(new URL(`../../dist/${name}`, import.meta.url), 'utf8');
  assert.ok(text(english.name).includes(enLater.success));
  for (const chunk of [...sizes.firstRenderFiles, ...sizes.lazy.map((c) => c.name)].filter((name) => name !== english.name)) {
    assert.equal(text(chunk).includes(enLater.success), false, `${chunk} carries English sentences`);
  }
});

test('server-only code (Lit SSR, the render entry, node: modules) never reaches a browser bundle', async () => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const bundles = readdirSync(new URL('../../dist/', import.meta.url)).filter((name) => /^leadrelay.*\.js$/.test(name));
  assert.ok(bundles.includes('leadrelay.js') && bundles.includes('leadrelay.iife.js'));
  for (const name of bundles) {
    const code = readFileSync(new URL(`../../dist/${name}`, import.meta.url), 'utf8');
    // `shadowrootmode` is written by Lit's SSR only; `sha256-` by the render entry's CSP hash; `node:` by Node imports.
    for (const marker of ['shadowrootmode', 'sha256-', '"node:', "'node:"]) assert.equal(code.includes(marker), false, `${name} holds ${marker}`);
  }
});
