// axe in every state, light and dark, English and Arabic; keyboard-only use; right-to-left layout.
import { expect, html, oneEvent } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import type { PreviewState } from '../../src/index.js';
import { activeElement, errorFor, fillTimePassed, forgetStorage, getByLabel, mockProxy, renderWidget, statusText, transitionsDone } from './helpers.js';

const STATES: PreviewState[] = ['idle', 'invalid', 'submitting', 'success', 'error', 'queued'];

describe('<lead-relay> accessibility', () => {
  beforeEach(forgetStorage);
  afterEach(() => emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' }));

  for (const scheme of ['light', 'dark'] as const) {
    for (const locale of ['en', 'ar']) {
      it(`has no axe violations in any state (${scheme}, ${locale})`, async () => {
        await emulateMedia({ colorScheme: scheme });
        for (const state of STATES) {
          const el = await renderWidget(
            html`<lead-relay proxy="/mock-proxy/axe" locale=${locale} preview-state=${state} consent="I agree."></lead-relay>`,
          );
          expect(getComputedStyle(el.shadowRoot!.querySelector('.root')!).colorScheme, state).to.equal(scheme);
          await expect(el, `${state} (${scheme}, ${locale})`).to.be.accessible();
        }
      });
    }
  }

  it('can be filled and sent with the keyboard alone: focus goes to the first invalid field, then to the success message', async () => {
    const proxy = mockProxy();
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="name email message" required="name email"></lead-relay>`);
    el.tabIndex = -1;
    el.focus(); // start just before the form, as a person tabbing through the page would
    el.removeAttribute('tabindex');
    await sendKeys({ press: 'Tab' });
    expect(activeElement(el)).to.equal(getByLabel(el, 'Name'));
    await sendKeys({ type: 'Ada' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Tab' });
    expect(activeElement(el)).to.equal(getByLabel(el, 'Message'));
    await sendKeys({ type: 'Hello' });
    await sendKeys({ press: 'Tab' });
    expect(activeElement(el)?.textContent?.trim()).to.equal('Send');
    await sendKeys({ press: 'Enter' });
    const email = getByLabel(el, 'Email');
    await el.updateComplete;
    expect(activeElement(el)).to.equal(email);
    expect(email.getAttribute('aria-invalid')).to.equal('true');
    expect(errorFor(el, email)).to.equal('Fill in this field.');
    expect(statusText(el)).to.contain('Please correct the following:');
    await transitionsDone(el);
    await expect(el).to.be.accessible();

    await sendKeys({ type: 'ada@example.com' });
    const success = oneEvent(el, 'lr-success');
    fillTimePassed();
    await sendKeys({ press: 'Enter' });
    await success;
    await el.updateComplete;
    expect(activeElement(el)?.textContent?.trim()).to.equal('Thank you! We will get back to you soon.');
  });

  it('checks a field again when the visitor leaves it after the first submit', async () => {
    const el = await renderWidget(html`<lead-relay proxy="/mock-proxy/blur" fields="email"></lead-relay>`);
    const email = getByLabel(el, 'Email');
    email.focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(errorFor(el, email)).to.equal('Fill in this field.');
    await sendKeys({ type: 'not-an-email' });
    await sendKeys({ press: 'Tab' });
    await el.updateComplete;
    await el.updateComplete;
    expect(errorFor(el, email)).to.equal('Enter an email address like name@example.com.');
  });

  it('lays Arabic out right to left with Arabic labels', async () => {
    const el = await renderWidget(html`<lead-relay proxy="/mock-proxy/rtl" locale="ar"></lead-relay>`);
    const form = el.shadowRoot!.querySelector('form')!;
    expect(getComputedStyle(form).direction).to.equal('rtl');
    expect(getByLabel(el, 'البريد الإلكتروني').type).to.equal('email');
    const text = document.createRange();
    text.selectNodeContents(getByLabel(el, 'الاسم').labels![0]);
    const label = text.getBoundingClientRect();
    const box = form.getBoundingClientRect();
    expect(box.right - label.right).to.be.below(label.left - box.left); // the label text hugs the right edge
  });

  it('follows the theme attribute over the system scheme, and honours reduced motion', async () => {
    await emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
    const el = await renderWidget(html`<lead-relay proxy="/x" theme="dark"></lead-relay>`);
    const root = el.shadowRoot!.querySelector('.root')!;
    expect(getComputedStyle(root).colorScheme).to.equal('dark');
    expect(getComputedStyle(root).backgroundColor).to.equal('rgb(27, 27, 31)');
    expect(getComputedStyle(el.shadowRoot!.querySelector('button')!).transitionDuration).to.equal('0s');
    el.theme = 'light';
    await emulateMedia({ colorScheme: 'dark' });
    await el.updateComplete;
    expect(getComputedStyle(root).backgroundColor).to.equal('rgb(255, 255, 255)');
  });

  it('takes the locale from the page language and lets the page override single strings', async () => {
    const el = await renderWidget(html`<div lang="de-AT"><lead-relay proxy="/x" .strings=${{ submit: 'Demo anfragen' }}></lead-relay></div>`);
    const widget = el.querySelector('lead-relay')!;
    await widget.updateComplete;
    expect(getByLabel(widget, 'E-Mail').type).to.equal('email');
    expect(widget.shadowRoot!.querySelector('button')!.textContent!.trim()).to.equal('Demo anfragen');
  });
});
