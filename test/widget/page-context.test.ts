// Attacker's tests in a real browser: a crafted link (`?utm_source=%0A`, U+202E, U+0085, a UTM value cut inside a
// surrogate pair), a page title with control and bidi characters, and `<html lang="en-UK">` must not stop the
// visitor's submission. What the widget sends has to pass the proxy's strict text rules for every context value,
// which the old widget's values did not (the proxy answered 400 on fields the visitor never sees).
import { expect, html, oneEvent } from '@open-wc/testing';
import { LIMITS, UTM_KEYS, validateText, validateUrl } from '../../src/protocol/wire.js';
import { fillTimePassed, forgetStorage, getButton, getByLabel, mockProxy, renderWidget, statusText, typeInto } from './helpers.js';

/** The page-context values in a sent body must all be text the proxy's strict validators accept. */
function expectStrictlyValid(body: Record<string, unknown>): void {
  const page = (body.page ?? {}) as Record<string, unknown>;
  for (const key of ['url', 'referrer'] as const) {
    if (page[key] !== undefined) expect(validateUrl(page[key]), `page.${key}`).to.equal(undefined);
  }
  if (page.title !== undefined) expect(validateText(page.title, LIMITS.title.max), 'page.title').to.equal(undefined);
  for (const [key, value] of Object.entries((body.utm ?? {}) as Record<string, unknown>)) {
    expect(UTM_KEYS as readonly string[]).to.include(key);
    expect(validateText(value, LIMITS.utmValue.max), key).to.equal(undefined);
  }
}

describe('<lead-relay> on a page whose URL, title and language carry crafted values', () => {
  const before = { title: document.title, lang: document.documentElement.lang, url: location.href };
  beforeEach(forgetStorage);
  afterEach(() => {
    document.title = before.title;
    document.documentElement.lang = before.lang;
    history.replaceState(null, '', before.url);
  });

  async function submitAndRead(proxy: ReturnType<typeof mockProxy>, el: Awaited<ReturnType<typeof renderWidget>>, phone?: string) {
    await typeInto(getByLabel(el, 'Name'), 'Ada Lovelace');
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    if (phone) await typeInto(getByLabel(el, 'Phone'), phone);
    const success = oneEvent(el, 'lr-success');
    fillTimePassed();
    getButton(el, 'Send').click();
    await success;
    await el.updateComplete;
    expect(statusText(el)).to.equal('Thank you! We will get back to you soon.');
    const { requests } = await proxy.requests();
    expect(requests).to.have.length(1);
    return requests[0]!.body;
  }

  it('cleans crafted utm_* values: a control-only value is left out, the others lose their controls', async () => {
    const proxy = mockProxy();
    // 199 letters and an emoji: 201 UTF-16 units, so a cut at 200 units would leave half the emoji.
    const cut = `${'a'.repeat(199)}😀`;
    const query = `utm_source=%0A&utm_medium=%E2%80%AEliame&utm_campaign=spring%C2%85&utm_term=%00%07&utm_content=${encodeURIComponent(cut)}`;
    history.replaceState(null, '', `${location.pathname}?${query}`);
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="name,email"></lead-relay>`);
    const body = await submitAndRead(proxy, el);
    expect(body.name).to.equal('Ada Lovelace');
    expect(body.email).to.equal('ada@example.com');
    expect(body.utm).to.deep.equal({ utm_medium: 'liame', utm_campaign: 'spring', utm_content: cut });
    expectStrictlyValid(body);
  });

  it('cleans a title with control and bidi characters and never cuts it inside a surrogate pair', async () => {
    const proxy = mockProxy();
    document.title = 'Pricing\u202E gnirts\u0007 plans\u2066';
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="name,email"></lead-relay>`);
    const body = await submitAndRead(proxy, el);
    expect((body.page as Record<string, unknown>).title).to.equal('Pricing gnirts plans');
    expectStrictlyValid(body);

    const second = mockProxy();
    forgetStorage();
    document.title = `${'t'.repeat(LIMITS.title.max - 1)}😀😀`;
    el.remove();
    const other = await renderWidget(html`<lead-relay proxy=${second.url} fields="name,email"></lead-relay>`);
    const next = await submitAndRead(second, other);
    expect((next.page as Record<string, unknown>).title).to.equal(`${'t'.repeat(LIMITS.title.max - 1)}😀`);
    expectStrictlyValid(next);
  });

  it('reads <html lang="en-UK"> as the phone country GB', async () => {
    const proxy = mockProxy();
    document.documentElement.lang = 'en-UK';
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="name,email,phone"></lead-relay>`);
    const body = await submitAndRead(proxy, el, '020 7946 0018');
    expect(body.phone).to.equal('020 7946 0018');
    expect(body.phoneCountry).to.equal('GB');
  });
  it('leaves out a referrer that is no http(s) URL (an app link, as Gmail on Android sends)', async () => {
    const proxy = mockProxy();
    // document.referrer cannot be set; an own getter on this document shadows Document.prototype's.
    Object.defineProperty(document, 'referrer', { configurable: true, get: () => 'android-app://com.google.android.gm/' });
    try {
      const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="name,email"></lead-relay>`);
      const body = await submitAndRead(proxy, el);
      const page = body.page as Record<string, unknown>;
      expect(page.referrer).to.equal(undefined);
      expect(page.url).to.equal(location.href);
      expectStrictlyValid(body);
    } finally {
      delete (document as unknown as Record<string, unknown>).referrer;
    }
  });
});
