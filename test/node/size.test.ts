// Size budgets on the built browser bundles: what first paint needs, and everything including ky and one locale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureBundles } from '../../bench/bundle-size.js';

const KB = 1024;

test('first render (leadrelay.js and the chunks it imports statically) stays within 10 KB gzip', () => {
  const sizes = measureBundles();
  assert.ok(sizes.firstRender <= 10 * KB, `first render is ${sizes.firstRender} bytes gzip`);
});

test('everything a visitor can load, with ky and one locale, stays within 14 KB gzip', () => {
  const sizes = measureBundles();
  assert.ok(sizes.withKyAndLocale <= 14 * KB, `full load is ${sizes.withKyAndLocale} bytes gzip`);
  assert.ok(sizes.iife <= 16 * KB, `the classic script is ${sizes.iife} bytes gzip`);
});

test('ky and the locale packs are not part of first render', () => {
  const sizes = measureBundles();
  assert.ok(sizes.kyFiles.length > 0, 'ky is in the build');
  assert.ok(sizes.kyFiles.every((name) => sizes.lazy.some((chunk) => chunk.name === name)), 'ky is only in lazy chunks');
  assert.equal(sizes.firstRenderFiles.some((name) => /-(de|es|fr|ar)-/.test(name)), false);
});
