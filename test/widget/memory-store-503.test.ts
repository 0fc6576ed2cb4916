// What the proxy on the memory store answers while Intercom is down (503, Retry-After, upstream_unavailable; never
// 202): the widget keeps the submission in its outbox and delivers it once, with the same key, when Intercom is back.
import { expect, html, oneEvent } from '@open-wc/testing';
import { fillTimePassed, forgetStorage, getButton, getByLabel, mockProxy, renderWidget, statusText, typeInto } from './helpers.js';

/** The proxy's answer (src/proxy/routes/leads.ts, notQueued) when it cannot deliver now and keeps no durable queue. */
const intercomDown = {
  status: 503,
  headers: { 'Retry-After': '1', 'Content-Type': 'application/json' },
  body: JSON.stringify({
    error: { code: 'upstream_unavailable', message: 'Intercom cannot take this submission now and this proxy keeps no durable queue.' },
  }),
};

describe('<lead-relay> against a memory-store proxy while Intercom is down', () => {
  beforeEach(forgetStorage);

  it('keeps the submission in the outbox on 503 and delivers it exactly once when Intercom is back', async () => {
    const proxy = mockProxy();
    // The first try and ky's two retries all meet the outage.
    await proxy.respond(intercomDown, intercomDown, intercomDown);
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="name email"></lead-relay>`);
    await typeInto(getByLabel(el, 'Name'), 'Grace');
    await typeInto(getByLabel(el, 'Email'), 'grace@example.com');
    const queued = oneEvent(el, 'lr-queued');
    fillTimePassed();
    getButton(el, 'Send').click();
    const { detail } = await queued;
    await el.updateComplete;
    expect(statusText(el)).to.contain('Your message is saved on this device');
    const outbox = JSON.parse(localStorage.getItem('leadrelay:outbox')!);
    expect(outbox).to.have.length(1);
    expect(outbox[0].key).to.equal(detail.idempotencyKey);
    expect(outbox[0].body.email).to.equal('grace@example.com');
    expect((await proxy.requests()).requests.map((r) => r.status)).to.deep.equal([503, 503, 503]);

    // Intercom is back: the proxy's next answer is the default 201.
    const success = oneEvent(el, 'lr-success');
    window.dispatchEvent(new Event('online'));
    await success;
    const { requests } = await proxy.requests();
    expect(requests.map((r) => r.status)).to.deep.equal([503, 503, 503, 201]);
    expect(new Set(requests.map((r) => r.headers['idempotency-key']))).to.deep.equal(new Set([detail.idempotencyKey]));
    expect(localStorage.getItem('leadrelay:outbox')).to.equal(null);

    window.dispatchEvent(new Event('online'));
    await el.updateComplete;
    expect((await proxy.requests()).requests.filter((r) => r.status === 201)).to.have.length(1);
  });
});
