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
});
