// Attributes changed on a live element: removing `fields` or `required` falls back to the defaults.
import { expect, html, oneEvent } from '@open-wc/testing';
import { fillTimePassed, forgetStorage, getButton, getByLabel, mockProxy, renderWidget, statusText, typeInto, waitFor } from './helpers.js';

describe('<lead-relay> attributes on a live element', () => {
  beforeEach(forgetStorage);

  it('removing fields and required shows the default fields, email required, and still submits', async () => {
    const proxy = mockProxy();
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="phone" required="phone"></lead-relay>`);
    expect(() => getByLabel(el, 'Email')).to.throw();
    el.removeAttribute('fields');
    el.removeAttribute('required');
    await el.updateComplete;
    expect(el.fields).to.equal(null);
    const labels = [...el.shadowRoot!.querySelectorAll('label')].map((label) => label.textContent?.trim());
    expect(labels).to.deep.equal(['Name', 'Email', 'Phone', 'Message']);
    expect(getByLabel(el, 'Email').required).to.equal(true);
    expect(getByLabel(el, 'Phone').required).to.equal(false);

    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    const success = oneEvent(el, 'lr-success');
    fillTimePassed();
    getButton(el, 'Send').click();
    await success;
    await waitFor(() => statusText(el).includes('Thank you'), 'the success message');
    const { requests } = await proxy.requests();
    expect(requests).to.have.length(1);
    expect(requests[0].body.email).to.equal('ada@example.com');
  });
});
