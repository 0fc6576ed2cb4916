// The page-context cleaners shared by the widget and the proxy: what they keep, what they remove, what they drop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIMITS, cleanContextText, cleanContextUrl, cleanPhoneCountry, validateText } from '../../src/protocol/wire.js';

test('controls, bidi overrides and isolates, C1 controls and lone surrogates are removed; line breaks become a space', () => {
  assert.equal(cleanContextText('news\nletter', 200), 'news letter');
  assert.equal(cleanContextText('\u202Espring\u2066\u2069', 200), 'spring');
  assert.equal(cleanContextText('spring\u0085', 200), 'spring');
  assert.equal(cleanContextText('a\u0000b\u0007c\u007Fd', 200), 'abcd');
  assert.equal(cleanContextText('half \ud83d', 200), 'half');
  assert.equal(cleanContextText('\udc00whole 😀', 200), 'whole 😀');
  assert.equal(cleanContextText('one\r\n\ttwo\u2028three', 200), 'one two three');
});

test('a value with nothing left, or not a string, is undefined (dropped)', () => {
  for (const value of ['\n', '\u202E', '\u0085', '   ', '', '\ud800', 42, null, undefined, {}, ['x']]) {
    assert.equal(cleanContextText(value, 200), undefined, JSON.stringify(value));
  }
});

test('a long value is cut to its limit in code points, never inside a surrogate pair, and passes the strict validator', () => {
  const cut = cleanContextText('😀'.repeat(LIMITS.title.max + 5), LIMITS.title.max)!;
  assert.equal([...cut].length, LIMITS.title.max);
  assert.equal(validateText(cut, LIMITS.title.max), undefined);
  assert.equal(cleanContextText(`${'a'.repeat(199)}😀b`, 200), `${'a'.repeat(199)}😀`);
});

test('a context URL is kept only while it is http(s)', () => {
  assert.equal(cleanContextUrl('https://shop.example/?utm_source=%0A'), 'https://shop.example/?utm_source=%0A');
  for (const url of ['about:srcdoc', 'android-app://com.google.android.gm/', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url', '\n']) {
    assert.equal(cleanContextUrl(url), undefined, url);
  }
  assert.equal(cleanContextUrl(`https://shop.example/${'p'.repeat(LIMITS.url.max)}`)!.length, LIMITS.url.max);
});

test('a phone country is two letters in upper case; UK reads as GB; anything else is none', () => {
  assert.equal(cleanPhoneCountry('gb'), 'GB');
  assert.equal(cleanPhoneCountry(' de '), 'DE');
  assert.equal(cleanPhoneCountry('UK'), 'GB');
  assert.equal(cleanPhoneCountry('uk'), 'GB');
  for (const value of ['GBR', 'G', '41', 'g\u202Eb', '\n', '', 44, null, undefined]) {
    assert.equal(cleanPhoneCountry(value), undefined, JSON.stringify(value));
  }
});
