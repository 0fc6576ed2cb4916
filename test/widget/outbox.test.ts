// Never losing a submission: retries reuse the key, an unreachable proxy means the outbox, and a draft survives.
import { expect, fixtureCleanup, html, oneEvent } from '@open-wc/testing';
import { fillTimePassed, forgetStorage, getButton, getByLabel, mockProxy, renderWidget, statusText, typeInto, waitFor } from './helpers.js';

const created = { status: 'created', leadToken: 'lead-token-x', conversationId: 'conversation-x' };

describe('<lead-relay> delivery', () => {
  beforeEach(forgetStorage);

  it('retries a 503 and a 502 with the same Idempotency-Key, then succeeds', async () => {
    const proxy = mockProxy();
    await proxy.respond({ status: 503, headers: { 'Retry-After': '0' } }, { status: 502 });
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="email"></lead-relay>`);
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    const success = oneEvent(el, 'lr-success');
    fillTimePassed();
    getButton(el, 'Send').click();
    await success;
    const { requests } = await proxy.requests();
    expect(requests.map((r) => r.status)).to.deep.equal([503, 502, 201]);
    const keys = new Set(requests.map((r) => r.headers['idempotency-key']));
    expect(keys.size).to.equal(1);
    expect(localStorage.getItem('leadrelay:outbox')).to.equal(null);
  });

  it('keeps the submission when the proxy is down, says it is saved, and delivers it once on `online`', async () => {
    const proxy = mockProxy();
    await proxy.goDown();
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="name email"></lead-relay>`);
    await typeInto(getByLabel(el, 'Name'), 'Ada');
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    const queued = oneEvent(el, 'lr-queued');
    fillTimePassed();
    getButton(el, 'Send').click();
    const { detail } = await queued;
    await el.updateComplete;
    expect(statusText(el)).to.contain('Your message is saved on this device');
    const outbox = JSON.parse(localStorage.getItem('leadrelay:outbox')!);
    expect(outbox).to.have.length(1);
    expect(outbox[0].key).to.equal(detail.idempotencyKey);
    expect(outbox[0].body.email).to.equal('ada@example.com');
    expect((await proxy.requests()).attempts).to.be.at.least(3); // the first try and ky's two retries

    await proxy.comeBack();
    const success = oneEvent(el, 'lr-success');
    window.dispatchEvent(new Event('online'));
    window.dispatchEvent(new Event('online'));
    await success;
    await el.updateComplete;
    expect(statusText(el)).to.equal('Thank you! We will get back to you soon.');
    const { requests } = await proxy.requests();
    expect(requests).to.have.length(1);
    expect(requests[0].headers['idempotency-key']).to.equal(detail.idempotencyKey);
    expect(localStorage.getItem('leadrelay:outbox')).to.equal(null);
    expect(localStorage.getItem('leadrelay:lead-token')).to.match(/^lead-token-/);

    window.dispatchEvent(new Event('online'));
    await el.updateComplete;
    expect((await proxy.requests()).requests).to.have.length(1);
  });

  it('sends what an earlier page left in the outbox when a widget next connects, with its original key', async () => {
    const proxy = mockProxy();
    await proxy.goDown();
    const first = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="email"></lead-relay>`);
    await typeInto(getByLabel(first, 'Email'), 'grace@example.com');
    const queued = oneEvent(first, 'lr-queued');
    fillTimePassed();
    getButton(first, 'Send').click();
    const { detail } = await queued;
    fixtureCleanup(); // the visitor leaves the page

    await proxy.comeBack();
    await renderWidget(html`<lead-relay proxy=${proxy.url} fields="email"></lead-relay>`);
    const { requests } = await waitFor(async () => {
      const seen = await proxy.requests();
      return seen.requests.length > 0 ? seen : undefined;
    }, 'the outbox to be delivered');
    expect(requests).to.have.length(1);
    expect(requests[0].headers['idempotency-key']).to.equal(detail.idempotencyKey);
    expect(requests[0].body.email).to.equal('grace@example.com');
    await waitFor(() => localStorage.getItem('leadrelay:outbox') === null, 'the outbox to empty');
  });

  it('a refused submission (422) leaves the outbox and keeps the typed data on the form', async () => {
    const proxy = mockProxy();
    await proxy.respond({ status: 422, body: { error: { code: 'spam_suspected', message: 'Too fast.' } } });
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="email"></lead-relay>`);
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    const failed = oneEvent(el, 'lr-error');
    fillTimePassed();
    getButton(el, 'Send').click();
    expect((await failed).detail.code).to.equal('spam_suspected');
    await el.updateComplete;
    expect(statusText(el)).to.equal('We could not accept this message. Wait a moment, then send again.');
    expect(getByLabel(el, 'Email').value).to.equal('ada@example.com');
    expect(localStorage.getItem('leadrelay:outbox')).to.equal(null);
    expect((await proxy.requests()).attempts).to.equal(1);
  });

  it('writes nothing to storage before the visitor interacts, and restores a draft after a reload', async () => {
    const proxy = mockProxy();
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url}></lead-relay>`);
    expect(localStorage.length + sessionStorage.length).to.equal(0);
    await typeInto(getByLabel(el, 'Message'), 'Call me after 5');
    expect(sessionStorage.length).to.equal(1);
    fixtureCleanup(); // reload

    const again = await renderWidget(html`<lead-relay proxy=${proxy.url}></lead-relay>`);
    expect(getByLabel(again, 'Message').value).to.equal('Call me after 5');
    await typeInto(getByLabel(again, 'Email'), 'ada@example.com');
    const success = oneEvent(again, 'lr-success');
    fillTimePassed();
    getButton(again, 'Send').click();
    await success;
    expect((await proxy.requests()).requests[0].body.message).to.equal('Call me after 5');
    expect(sessionStorage.length).to.equal(0);
  });

  it('restores an earlier draft under what the visitor types before it is read, and keeps both', async () => {
    const startedAt = Date.now() - 60_000;
    sessionStorage.setItem(
      `leadrelay:draft:${location.pathname}#`,
      JSON.stringify({ values: { message: 'Call me after 5' }, consent: false, startedAt }),
    );
    const el = document.createElement('lead-relay');
    el.proxy = mockProxy().url;
    document.body.append(el);
    try {
      // The first frame: the form is drawn, the draft (read just after it) is not yet.
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const email = getByLabel(el, 'Email');
      email.value = 'ada@example.com';
      email.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
      await el.updateComplete;
      expect(getByLabel(el, 'Email').value).to.equal('ada@example.com');
      expect(getByLabel(el, 'Message').value).to.equal('Call me after 5');
      await waitFor(() => sessionStorage.getItem(`leadrelay:draft:${location.pathname}#`)?.includes('ada@example.com'), 'the draft to be saved');
      const saved = JSON.parse(sessionStorage.getItem(`leadrelay:draft:${location.pathname}#`)!);
      expect(saved.values).to.deep.equal({ message: 'Call me after 5', email: 'ada@example.com' });
      expect(saved.startedAt).to.equal(startedAt);
    } finally {
      el.remove();
    }
  });
});
