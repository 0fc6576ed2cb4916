// Launcher mode: a button that opens the form in a modal dialog (loaded on first open), closed with Escape.
import { expect, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { activeElement, forgetStorage, getButton, getByLabel, renderWidget, waitFor } from './helpers.js';

describe('<lead-relay mode="launcher">', () => {
  beforeEach(forgetStorage);

  it('opens the form in a modal dialog, closes on Escape, returns focus and keeps what was typed', async () => {
    const el = await renderWidget(html`<lead-relay proxy="/mock-proxy/launcher" mode="launcher" fields="email"></lead-relay>`);
    expect(el.shadowRoot!.querySelector('form')).to.equal(null);
    const launcher = getButton(el, 'Contact us');
    expect(launcher.getAttribute('aria-haspopup')).to.equal('dialog');
    launcher.focus();
    await sendKeys({ press: 'Enter' });
    const dialog = await waitFor(() => el.shadowRoot!.querySelector('dialog[open]'), 'the dialog to open');
    expect(dialog.matches(':modal')).to.equal(true);
    await expect(el).to.be.accessible();
    getByLabel(el, 'Email').focus();
    await sendKeys({ type: 'ada@example.com' });
    await sendKeys({ press: 'Escape' });
    await waitFor(() => !el.shadowRoot!.querySelector('dialog'), 'the dialog to close');
    expect(activeElement(el)).to.equal(getButton(el, 'Contact us'));
    getButton(el, 'Contact us').click();
    await waitFor(() => el.shadowRoot!.querySelector('dialog[open]'), 'the dialog to open again');
    expect(getByLabel(el, 'Email').value).to.equal('ada@example.com');
  });

  it('floats the launcher at the bottom-end corner in the accent colour, on the left in Arabic, with a focus ring', async () => {
    const el = await renderWidget(html`<lead-relay proxy="/mock-proxy/launcher" mode="launcher" style="--lr-accent: rgb(1, 2, 3)"></lead-relay>`);
    const launcher = getButton(el, 'Contact us');
    const style = getComputedStyle(launcher);
    expect(style.position).to.equal('fixed');
    expect(style.backgroundColor).to.equal('rgb(1, 2, 3)');
    expect(style.boxShadow).to.not.equal('none');
    expect(style.borderRadius).to.not.equal('0px');
    const ltr = launcher.getBoundingClientRect();
    expect(ltr.left).to.be.greaterThan(innerWidth / 2);
    expect(ltr.top).to.be.greaterThan(innerHeight / 2);
    launcher.focus();
    await sendKeys({ press: 'Shift' });
    expect(launcher.matches(':focus-visible')).to.equal(true);
    expect(getComputedStyle(launcher).boxShadow).to.contain('rgb(11, 87, 208)');

    el.locale = 'ar';
    await el.updateComplete;
    const rtl = getButton(el, 'اتصل بنا').getBoundingClientRect();
    expect(rtl.right).to.be.lessThan(innerWidth / 2);
  });
});
