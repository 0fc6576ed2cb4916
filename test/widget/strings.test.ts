// Sentences that load after first paint (states, errors): shown for preview-state, overridable, translated.
import { expect, html, oneEvent } from '@open-wc/testing';
import { fillTimePassed, forgetStorage, getButton, getByLabel, mockProxy, renderWidget, statusText, typeInto, waitFor } from './helpers.js';

describe('<lead-relay> strings loaded after first paint', () => {
  beforeEach(forgetStorage);

  it('preview-state fetches the English sentences it needs: success, queued, the error summary', async () => {
    const success = await renderWidget(html`<lead-relay proxy="/p" preview-state="success"></lead-relay>`);
    expect(statusText(success)).to.equal('Thank you! We will get back to you soon.');
    const queued = await renderWidget(html`<lead-relay proxy="/p" preview-state="queued"></lead-relay>`);
    expect(statusText(queued)).to.contain('saved on this device');
    const invalid = await renderWidget(html`<lead-relay proxy="/p" fields="email" preview-state="invalid"></lead-relay>`);
    expect(statusText(invalid).replace(/\s+/g, ' ')).to.equal('Please correct the following: Email: Fill in this field.');
  });

  it('per-string overrides and locale packs apply to those sentences too', async () => {
    const el = await renderWidget(
      html`<lead-relay proxy="/p" preview-state="submitting" strings='{"submitting":"One moment"}'></lead-relay>`,
    );
    expect(getButton(el, 'One moment').getAttribute('aria-disabled')).to.equal('true');
    const german = await renderWidget(html`<lead-relay proxy="/p" locale="de" fields="email" preview-state="invalid"></lead-relay>`);
    expect(getByLabel(german, 'E-Mail')).to.exist;
    const summary = await waitFor(() => statusText(german).replace(/\s+/g, ' '), 'the German summary');
    expect(summary).to.equal('Bitte korrigieren Sie Folgendes: E-Mail: Bitte füllen Sie dieses Feld aus.');
  });

  it('an error code without a sentence of its own reads as the generic error, in the page language', async () => {
    const proxy = mockProxy();
    await proxy.respond({ status: 422, body: { error: { code: 'upstream_rejected', message: 'Intercom said no.' } } });
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} locale="de" fields="email"></lead-relay>`);
    await typeInto(getByLabel(el, 'E-Mail'), 'ada@example.com');
    const failed = oneEvent(el, 'lr-error');
    fillTimePassed();
    getButton(el, 'Senden').click();
    expect((await failed).detail.code).to.equal('upstream_rejected');
    await el.updateComplete;
    expect(statusText(el)).to.equal('Ihre Nachricht wurde nicht gesendet. Prüfen Sie Ihre Verbindung und senden Sie erneut.');
    expect(getByLabel(el, 'E-Mail').value).to.equal('ada@example.com');
  });

  it('a Spanish form is drawn in Spanish from its first frame: English labels never flash first', async () => {
    const el = document.createElement('lead-relay');
    el.proxy = '/p';
    el.locale = 'es';
    const seen: string[] = [];
    document.body.append(el);
    try {
      // The shadow root exists from connection; record every label text the element ever draws.
      const record = () => seen.push(...[...el.shadowRoot!.querySelectorAll('label')].map((label) => label.textContent!.trim()));
      new MutationObserver(record).observe(el.shadowRoot!, { subtree: true, childList: true, characterData: true });
      await el.updateComplete;
      record();
      expect(getByLabel(el, 'Correo electrónico')).to.exist;
      expect(seen).to.include('Correo electrónico');
      expect(seen.filter((text) => ['Name', 'Email', 'Phone', 'Message'].includes(text))).to.deep.equal([]);
    } finally {
      el.remove();
    }
  });
});
