// Typing and submitting: the exact wire body, success and its events, server field errors, no double submits.
import { expect, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import {
  activeElement,
  errorFor,
  fillTimePassed,
  forgetStorage,
  getButton,
  getByLabel,
  mockProxy,
  renderWidget,
  statusText,
  typeInto,
  waitFor,
} from './helpers.js';

describe('<lead-relay> submitting', () => {
  beforeEach(forgetStorage);
  afterEach(() => history.replaceState(null, '', location.pathname + location.search.replace(/[?&]utm_.*$/, '')));

  it('posts exactly the wire body with an Idempotency-Key, shows success and fires lr-submit then lr-success', async () => {
    const proxy = mockProxy();
    document.title = 'Pricing';
    history.replaceState(null, '', `${location.pathname}${location.search}&utm_source=news&utm_campaign=spring`);
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} phone-country="gb" consent="I agree to be contacted."></lead-relay>`);
    const events: string[] = [];
    el.addEventListener('lr-submit', (e) => events.push(`submit:${JSON.stringify(e.detail)}`));
    await typeInto(getByLabel(el, 'Name'), 'Ada Lovelace');
    await typeInto(getByLabel(el, 'Email'), ' ada@example.com ');
    await typeInto(getByLabel(el, 'Phone'), '020 7946 0018');
    getByLabel(el, 'I agree to be contacted.').click();
    const success = oneEvent(el, 'lr-success');
    fillTimePassed();
    getButton(el, 'Send').click();
    const { detail } = await success;

    const { requests } = await proxy.requests();
    expect(requests).to.have.length(1);
    const [request] = requests;
    expect(request.headers['idempotency-key']).to.match(/^[0-9a-f-]{36}$/);
    expect(request.headers['content-type']).to.contain('application/json');
    const { elapsedMs, ...body } = request.body;
    expect(elapsedMs).to.be.a('number').and.to.be.at.least(0);
    expect(body).to.deep.equal({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: '020 7946 0018',
      phoneCountry: 'GB',
      consent: { given: true, text: 'I agree to be contacted.' },
      page: { url: location.href, title: 'Pricing' },
      utm: { utm_source: 'news', utm_campaign: 'spring' },
      hp: '',
    });
    expect(events).to.deep.equal([`submit:${JSON.stringify({ name: 'Ada Lovelace', email: 'ada@example.com', phone: '020 7946 0018' })}`]);
    expect(detail).to.deep.equal({ status: 'created', conversationId: 'conversation-' + /\d+$/.exec(String(localStorage.getItem('leadrelay:lead-token')))![0] });
    await el.updateComplete;
    expect(statusText(el)).to.equal('Thank you! We will get back to you soon.');
    expect(activeElement(el)?.getAttribute('role')).to.equal('status');
  });

  it('sends the stored lead token with the next submission from the same browser', async () => {
    const proxy = mockProxy();
    localStorage.setItem('leadrelay:lead-token', 'earlier-token');
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="email"></lead-relay>`);
    await typeInto(getByLabel(el, 'Email'), 'grace@example.com');
    const success = oneEvent(el, 'lr-success');
    fillTimePassed();
    await sendKeys({ press: 'Enter' });
    await success;
    const { requests } = await proxy.requests();
    expect(requests[0].body.leadToken).to.equal('earlier-token');
    expect(Object.keys(requests[0].body).sort()).to.deep.equal(['elapsedMs', 'email', 'hp', 'leadToken', 'page']);
    expect(localStorage.getItem('leadrelay:lead-token')).to.match(/^lead-token-\d+$/);
  });

  it('shows a 400 invalid_field answer on the fields it names, keeps what was typed and fires lr-error', async () => {
    const proxy = mockProxy();
    await proxy.respond({
      status: 400,
      body: { error: { code: 'invalid_field', message: 'Phone is not a number.', fields: { phone: 'invalid_phone' } } },
    });
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url}></lead-relay>`);
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    await typeInto(getByLabel(el, 'Phone'), '+44 12345');
    const failed = oneEvent(el, 'lr-error');
    fillTimePassed();
    getButton(el, 'Send').click();
    const { detail } = await failed;
    await el.updateComplete;
    expect(detail).to.deep.equal({ code: 'invalid_field', message: 'Phone is not a number.', fields: { phone: 'invalid_phone' } });
    const phone = getByLabel(el, 'Phone');
    expect(phone.getAttribute('aria-invalid')).to.equal('true');
    expect(errorFor(el, phone)).to.equal('Enter a phone number with digits only, like +1 555 123 4567.');
    expect(getByLabel(el, 'Email').hasAttribute('aria-invalid')).to.equal(false);
    expect(getByLabel(el, 'Email').value).to.equal('ada@example.com');
    expect(activeElement(el)).to.equal(phone);
    expect(statusText(el)).to.contain('Some fields need your attention.');
  });

  it('sends once when Send is pressed again while the first send is on its way', async () => {
    const proxy = mockProxy();
    await proxy.respond({ status: 201, delayMs: 300, body: { status: 'created', leadToken: 't', conversationId: 'c' } });
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="email"></lead-relay>`);
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    const success = oneEvent(el, 'lr-success');
    fillTimePassed();
    getButton(el, 'Send').click();
    await el.updateComplete;
    const busy = getButton(el, 'Sending…');
    expect(busy.getAttribute('aria-disabled')).to.equal('true');
    busy.click();
    busy.click();
    await success;
    const { requests, attempts } = await proxy.requests();
    expect(attempts).to.equal(1);
    expect(requests).to.have.length(1);
  });

  it('lets the page cancel lr-submit, and then sends nothing', async () => {
    const proxy = mockProxy();
    const el = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="email"></lead-relay>`);
    el.addEventListener('lr-submit', (event) => event.preventDefault());
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    const submitted = oneEvent(el, 'lr-submit');
    getButton(el, 'Send').click();
    await submitted;
    await el.updateComplete;
    expect((await proxy.requests()).attempts).to.equal(0);
    await waitFor(() => getButton(el, 'Send'), 'the form to be idle again');
  });
});
