// A form on a site the proxy does not allow: the readable 403 origin_not_allowed becomes lr-error and a clear message
// in the visitor's language, and nothing waits in the outbox (it would never be accepted).
import { expect, html, oneEvent } from '@open-wc/testing';
import { enLater } from '../../src/widget/messages-later.js';
import ar from '../../src/widget/locales/ar.js';
import de from '../../src/widget/locales/de.js';
import es from '../../src/widget/locales/es.js';
import fr from '../../src/widget/locales/fr.js';
import { fillTimePassed, forgetStorage, getButton, getByLabel, mockProxy, renderWidget, statusText, typeInto, waitFor } from './helpers.js';

/** The proxy on another origin (localhost vs 127.0.0.1), refusing this page as the real proxy does: 403 with CORS headers. */
async function refusingProxy() {
  const other = location.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
  const proxy = mockProxy(`${location.protocol}//${other}:${location.port}`);
  const refusal = { status: 403, body: { error: { code: 'origin_not_allowed', message: 'This proxy does not accept forms from this site.' } } };
  await proxy.respond(refusal, refusal, refusal);
  return proxy;
}

describe('<lead-relay> on a site the proxy does not allow', () => {
  beforeEach(forgetStorage);

  it('fires lr-error origin_not_allowed, says the form is not set up for this site, and queues nothing', async () => {
    const proxy = await refusingProxy();
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="email"></lead-relay>`);
    let queued = 0;
    el.addEventListener('lr-queued', () => (queued += 1));
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    const failed = oneEvent(el, 'lr-error');
    fillTimePassed();
    getButton(el, 'Send').click();
    const { detail } = await failed;
    expect(detail.code).to.equal('origin_not_allowed');
    await el.updateComplete;
    expect(statusText(el)).to.equal(enLater.origin_not_allowed);
    expect(statusText(el)).to.match(/not set up for this site/);
    expect(statusText(el)).not.to.match(/offline/i);
    expect(queued).to.equal(0);
    expect(localStorage.getItem('leadrelay:outbox')).to.equal(null);
    expect((await proxy.requests()).attempts).to.equal(1, 'a refusal is not retried');
  });

  for (const [locale, pack, label, send] of [
    ['de', de, 'E-Mail', 'Senden'],
    ['es', es, 'Correo electrónico', es.submit],
    ['fr', fr, fr.email, fr.submit],
    ['ar', ar, ar.email, ar.submit],
  ] as const) {
    it(`says so in the visitor's language (${locale})`, async () => {
      const proxy = await refusingProxy();
      const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="email" locale=${locale}></lead-relay>`);
      await waitFor(() => el.shadowRoot!.querySelector('label')?.textContent?.trim() === label, `the ${locale} labels`);
      await typeInto(getByLabel(el, label), 'ada@example.com');
      const failed = oneEvent(el, 'lr-error');
      fillTimePassed();
      getButton(el, send).click();
      expect((await failed).detail.code).to.equal('origin_not_allowed');
      await el.updateComplete;
      expect(statusText(el)).to.equal(pack.origin_not_allowed);
      expect(pack.origin_not_allowed).not.to.equal(enLater.origin_not_allowed);
      expect(localStorage.getItem('leadrelay:outbox')).to.equal(null);
    });
  }
});
