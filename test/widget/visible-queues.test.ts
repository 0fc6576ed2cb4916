// Queues the visitor and the page can see: a 202 is a success that says it is on its way, an unreachable proxy is not
// called "offline", a submission an earlier page left is reported where it is sent, convertLead failures fire an
// event (queued calls too), and the thank-you box keeps the form's height.
import { expect, html, oneEvent } from '@open-wc/testing';
import { convertLead } from '../../src/index.js';
import { installGlobal } from '../../src/widget/global-queue.js';
import { fillTimePassed, forgetStorage, getButton, getByLabel, mockProxy, renderWidget, statusText, typeInto, waitFor } from './helpers.js';

describe('<lead-relay> visible queues', () => {
  beforeEach(forgetStorage);
  afterEach(() => delete (navigator as { onLine?: boolean }).onLine);

  it('a 202 (the proxy holds it for delivery) is a success that says the message is on its way', async () => {
    const proxy = mockProxy();
    await proxy.respond({ status: 202, body: { status: 'queued', leadToken: 'lead-token-q' } });
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="email"></lead-relay>`);
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    const success = oneEvent(el, 'lr-success');
    let queuedEvents = 0;
    el.addEventListener('lr-queued', () => (queuedEvents += 1));
    fillTimePassed();
    getButton(el, 'Send').click();
    expect((await success).detail).to.deep.equal({ status: 'queued', conversationId: undefined });
    await el.updateComplete;
    const done = el.shadowRoot!.querySelector('.done')!;
    expect(done.querySelector('slot')!.textContent).to.equal('Thank you! We will get back to you soon.');
    expect(done.querySelector('div')!.textContent).to.equal('Your message is on its way to our team.');
    expect(queuedEvents, 'lr-queued means "waiting in this browser", which it is not').to.equal(0);
    expect(localStorage.getItem('leadrelay:outbox')).to.equal(null);
  });

  it('an online visitor whose proxy does not answer is told the server did not answer, not that they are offline', async () => {
    const proxy = mockProxy();
    await proxy.goDown();
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="email"></lead-relay>`);
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    const queued = oneEvent(el, 'lr-queued');
    fillTimePassed();
    getButton(el, 'Send').click();
    expect((await queued).detail.reason).to.equal('unreachable');
    await el.updateComplete;
    expect(statusText(el)).to.equal('Our server did not answer. Your message is saved on this device and will be sent automatically.');
    expect(statusText(el)).not.to.contain('offline');
  });

  it('a visitor whose browser is offline is told so', async () => {
    const proxy = mockProxy();
    await proxy.goDown();
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="email"></lead-relay>`);
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => false });
    const queued = oneEvent(el, 'lr-queued');
    fillTimePassed();
    getButton(el, 'Send').click();
    expect((await queued).detail.reason).to.equal('offline');
    await el.updateComplete;
    expect(statusText(el)).to.contain('You seem to be offline.');
  });

  it('a submission an earlier page left in the outbox is reported on the page that sends it (resent), the form untouched', async () => {
    const proxy = mockProxy();
    const key = crypto.randomUUID();
    const body = { email: 'grace@example.com', hp: '', elapsedMs: 4000 };
    localStorage.setItem('leadrelay:outbox', JSON.stringify([{ key, proxy: proxy.url, body, at: Date.now() }]));
    const events: CustomEvent[] = [];
    const listener = (event: Event) => events.push(event as CustomEvent);
    document.addEventListener('lr-success', listener);
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="email"></lead-relay>`);
    await waitFor(() => events.length > 0, 'lr-success for the resent submission');
    document.removeEventListener('lr-success', listener);
    expect(events[0]!.detail).to.deep.equal({ status: 'created', conversationId: events[0]!.detail.conversationId, resent: true });
    expect(events[0]!.detail.conversationId).to.match(/^conversation-/);
    expect(events[0]!.target).to.equal(el);
    const { requests } = await proxy.requests();
    expect(requests.map((request) => request.headers['idempotency-key'])).to.deep.equal([key]);
    await el.updateComplete;
    expect(getButton(el, 'Send')).to.exist; // this page's own form is still the form
    expect(localStorage.getItem('leadrelay:outbox')).to.equal(null);
  });

  it('a failed convertLead fires lr-convert-error on window, awaited and queued with LeadRelay.q.push alike', async () => {
    localStorage.setItem('leadrelay:lead-token', 'lead-token-1');
    const proxy = mockProxy();
    const refusal = { status: 401, body: { error: { code: 'identity_unverified', message: 'The user hash does not match.' } } };
    await proxy.respond(refusal, refusal);
    const failures: CustomEvent[] = [];
    const listener = (event: Event) => failures.push(event as CustomEvent);
    addEventListener('lr-convert-error', listener);
    try {
      const identity = { userId: 'u-1', userHash: 'a'.repeat(64) };
      const rejection = await convertLead({ proxy: proxy.url, identity }).catch((error: unknown) => error);
      expect(rejection).to.include({ code: 'identity_unverified', status: 401 });
      expect(failures.map((event) => event.detail)).to.deep.equal([
        { code: 'identity_unverified', status: 401, message: 'The user hash does not match.' },
      ]);

      // The classic script's queue: nobody awaits this call, so the event is the page's only way to hear of it.
      const page = globalThis as { LeadRelay?: unknown };
      const before = page.LeadRelay;
      page.LeadRelay = { q: [['convertLead', { proxy: proxy.url, identity }]] };
      installGlobal({ convertLead });
      await waitFor(() => failures.length === 2, 'lr-convert-error for the queued call');
      expect(failures[1]!.detail.code).to.equal('identity_unverified');
      page.LeadRelay = before;
    } finally {
      removeEventListener('lr-convert-error', listener);
    }
  });

  it('the thank-you box keeps the form\'s height, and fills a height the page reserves instead of leaving it blank', async () => {
    const proxy = mockProxy();
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url}></lead-relay>`);
    const formHeight = el.getBoundingClientRect().height;
    expect(formHeight).to.be.greaterThan(300);
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    const success = oneEvent(el, 'lr-success');
    fillTimePassed();
    getButton(el, 'Send').click();
    await success;
    await el.updateComplete;
    expect(el.getBoundingClientRect().height).to.equal(formHeight);
    const done = el.shadowRoot!.querySelector('.done')!;
    const root = el.shadowRoot!.querySelector('.root')!;
    const padding = parseFloat(getComputedStyle(root).paddingTop) + parseFloat(getComputedStyle(root).paddingBottom);
    expect(done.getBoundingClientRect().height).to.be.closeTo(formHeight - padding, 1);

    // A page that reserves more than the form needs (min-height on the element): the box fills it.
    el.style.minHeight = `${Math.round(formHeight) + 200}px`;
    const reserved = el.getBoundingClientRect().height;
    expect(root.getBoundingClientRect().height).to.be.closeTo(reserved, 1);
    expect(done.getBoundingClientRect().height).to.be.closeTo(reserved - padding, 1);
  });
});
