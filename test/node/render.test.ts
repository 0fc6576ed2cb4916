// leadrelay/render and the leadrelay-render command: the prerendered snippet, its form, its words and its CSP hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LEAD_FIELDS } from '../../src/protocol/wire.js';
import { LEAD_RELAY_ATTRIBUTES, prerenderLeadRelay, renderLeadRelay } from '../../src/render/render-lead-relay.js';
import { LeadRelay } from '../../src/widget/lead-relay.js';

const PROXY = 'https://www.example.com/api/leadrelay';
const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/leadrelay-render.js', import.meta.url));

/** The names of the form's controls, in order. */
function controlNames(html: string): string[] {
  return [...html.matchAll(/<(?:input|textarea)[^>]*\sname="([^"]+)"/g)].map((match) => match[1]);
}

test('the snippet is <lead-relay> with an open declarative shadow root holding a form that posts to ${proxy}/leads', async () => {
  const html = await renderLeadRelay({ proxy: PROXY });
  assert.match(html, /^<lead-relay proxy="https:\/\/www\.example\.com\/api\/leadrelay" locale="en"[^>]*><template shadowrootmode="open"><style>/);
  assert.ok(html.endsWith('</template></lead-relay>'));
  assert.match(html, /<form part="form" method="post" action="https:\/\/www\.example\.com\/api\/leadrelay\/leads"/);
  assert.doesNotMatch(html, /lit-part|lit-node/, 'no hydration markers: the element swaps the nodes, it does not hydrate');
});

test('a proxy URL with a trailing slash still gives the form the action ${proxy}/leads', async () => {
  const html = await renderLeadRelay({ proxy: `${PROXY}/` });
  assert.match(html, /action="https:\/\/www\.example\.com\/api\/leadrelay\/leads"/);
});

test('the form\'s control names are the wire names of POST /leads, plus the honeypot and the hidden locale', async () => {
  const html = await renderLeadRelay({ proxy: PROXY, consent: 'I agree to be contacted' });
  assert.deepEqual(controlNames(html), [...LEAD_FIELDS, 'consent', 'hp', 'locale']);
  assert.match(html, /<input type="checkbox" id="lr-consent" name="consent" value="I agree to be contacted" required\s*\/>/, 'not ticked, its value the text');
  assert.match(html, /<div class="hp" aria-hidden="true"><input name="hp" tabindex="-1"/);
  assert.match(html, /\.hp\{position:absolute;inset-inline-start:-10000px/, 'the honeypot is hidden by the snippet\'s own style');
});

test('success-url and phone-country become hidden fields; fields and required shape the form', async () => {
  const html = await renderLeadRelay({
    proxy: PROXY,
    fields: 'email phone',
    required: 'phone',
    'phone-country': 'de',
    'success-url': 'https://www.example.com/thanks',
  });
  assert.deepEqual(controlNames(html), ['email', 'phone', 'hp', 'locale', 'success_url', 'phoneCountry']);
  assert.match(html, /<input type="hidden" name="success_url" value="https:\/\/www\.example\.com\/thanks" \/>/);
  assert.match(html, /<input type="hidden" name="phoneCountry" value="de" \/>/);
  assert.match(html, /name="phone"[^>]*required/);
  assert.doesNotMatch(html, /name="email"[^>]*required/);
});

test('the words are the locale\'s: German, Arabic right to left; heading and strings override them', async () => {
  const de = await renderLeadRelay({ proxy: PROXY, locale: 'de' });
  assert.match(de, /<h2 part="heading" id="lr-heading">Kontakt aufnehmen<\/h2>/);
  assert.match(de, /<label part="label" for="lr-email">E-Mail<\/label>/);
  assert.match(de, /<input type="hidden" name="locale" value="de" \/>/);
  const ar = await renderLeadRelay({ proxy: PROXY, locale: 'ar' });
  assert.match(ar, /<div class="root" part="base" lang="ar" dir="rtl">/);
  const custom = await renderLeadRelay({ proxy: PROXY, heading: 'Talk to sales', strings: '{"submit":"Book a demo"}', theme: 'dark' });
  assert.match(custom, /id="lr-heading">Talk to sales</);
  assert.match(custom, /Book a demo/);
  assert.match(custom, /^<lead-relay [^>]*theme="dark"/);
});

test('preview-state renders that state (a design review of the success message, prerendered)', async () => {
  const html = await renderLeadRelay({ proxy: PROXY, 'preview-state': 'success', 'success-message': 'Danke!' });
  assert.match(html, /<div class="done" part="status" role="status" tabindex="-1">\s*<slot name="success">Danke!<\/slot>/);
  // The form stays under the box, hidden (the box keeps its height): right after the box, and the style hides it there.
  assert.match(html, /<div class="done"[^]*?<\/div><form part="form"/);
  assert.match(html, /\.done \+ form\{visibility:hidden;\}/);
});

test('launcher mode prerenders no form (its button and dialog need the script), only the element and its style', async () => {
  const html = await renderLeadRelay({ proxy: PROXY, mode: 'launcher' });
  assert.match(html, /^<lead-relay [^>]*mode="launcher"[^>]*><template shadowrootmode="open"><style>[^<]*<\/style><\/template><\/lead-relay>$/);
});

test('attribute values are escaped: a heading cannot inject markup', async () => {
  const html = await renderLeadRelay({ proxy: PROXY, heading: '<img src=x onerror=alert(1)> "quoted"' });
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /heading="&lt;img src=x onerror=alert\(1\)&gt; &quot;quoted&quot;"/);
});

test('unknown attributes, a missing proxy and strings that are not JSON are refused with a message', async () => {
  await assert.rejects(renderLeadRelay({ proxy: PROXY, colour: 'red' } as never), /no attribute "colour"/);
  await assert.rejects(renderLeadRelay({ proxy: '' }), /`proxy` is required/);
  await assert.rejects(renderLeadRelay({ proxy: PROXY, strings: '{submit:' }), SyntaxError);
});

test('styleSrc is the sha256 of the snippet\'s one <style>, as a CSP source', async () => {
  const { html, styleSrc } = await prerenderLeadRelay({ proxy: PROXY, theme: 'dark' });
  const styles = [...html.matchAll(/<style>([^<]*)<\/style>/g)].map((match) => match[1]);
  assert.equal(styles.length, 1);
  assert.deepEqual(styleSrc, [`'sha256-${createHash('sha256').update(styles[0]).digest('base64')}'`]);
});

test('rendering leaves no browser globals behind and needs no window or localStorage', async () => {
  await renderLeadRelay({ proxy: PROXY, locale: 'fr' });
  assert.equal(typeof (globalThis as { window?: unknown }).window, 'undefined');
  assert.equal(typeof (globalThis as { localStorage?: unknown }).localStorage, 'undefined');
});

test('leadrelay-render prints the same snippet as the API, and --csp the style-src to add (needs `npm run build:ts`)', async () => {
  const { stdout, stderr } = await run(process.execPath, [BIN, '--proxy', PROXY, '--locale', 'de', '--fields', 'name email']);
  assert.equal(stdout.trim(), await renderLeadRelay({ proxy: PROXY, locale: 'de', fields: 'name email' }));
  const { styleSrc } = await prerenderLeadRelay({ proxy: PROXY, locale: 'de', fields: 'name email' });
  assert.match(stderr, new RegExp(`add to style-src: ${styleSrc[0].replace(/[+/]/g, '\\$&')}`));
  const csp = await run(process.execPath, [BIN, '--proxy', PROXY, '--csp']);
  assert.equal(csp.stdout.trim(), `style-src ${(await prerenderLeadRelay({ proxy: PROXY })).styleSrc.join(' ')}`);
});

test('leadrelay-render refuses an unknown flag and a flag without a value, exit code 2', async () => {
  for (const args of [['--proxy', PROXY, '--colour', 'red'], ['--proxy']]) {
    const failure = await run(process.execPath, [BIN, ...args]).then(
      () => assert.fail('expected a non-zero exit'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(failure.code, 2);
    assert.match(failure.stderr, /^leadrelay-render: /);
  }
});

test('without JavaScript the browser checks required fields itself: the snippet\'s form is not novalidate', async () => {
  // The element's own form sets noValidate (it shows its own messages); the prerendered one must let the browser
  // refuse an unticked required consent box or an empty required field, or a no-JS post would skip them.
  const html = await renderLeadRelay({ proxy: PROXY, consent: 'I agree to be contacted', required: 'name email' });
  const form = html.match(/<form[^>]*>/)?.[0] ?? '';
  assert.doesNotMatch(form, /novalidate/i);
  assert.match(html, /name="consent"[^>]*required/);
  assert.match(html, /name="email"[^>]*required/);
});

test('the attributes renderLeadRelay and leadrelay-render accept are exactly the element\'s own, plus id', () => {
  const observed = (LeadRelay as unknown as { observedAttributes: string[] }).observedAttributes;
  // captcha and turnstile-site-key are read with getAttribute by the submit code (no property on first paint).
  assert.deepEqual([...LEAD_RELAY_ATTRIBUTES].sort(), [...observed, 'id', 'captcha', 'turnstile-site-key'].sort());
});
