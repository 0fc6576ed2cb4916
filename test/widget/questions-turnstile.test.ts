// captcha="turnstile": no request to Cloudflare before the visitor first interacts; a fresh token on each new send;
// after 422 captcha_failed a new challenge and what was typed kept. Offline: the script element the widget adds is
// caught before it reaches the document (so nothing is fetched) and a stand-in `window.turnstile` plays Cloudflare.
import { expect, html, oneEvent } from '@open-wc/testing';
import type { LeadRelay } from '../../src/index.js';
import { TURNSTILE_SCRIPT } from '../../src/widget/turnstile.js';
import { errorFor, fillTimePassed, forgetStorage, getButton, getByLabel, mockProxy, renderWidget, statusText, typeInto, waitFor } from './helpers.js';

interface Stub {
  scripts: string[];
  calls: string[];
  options: Record<string, unknown>[];
  restore(): void;
}

/**
 * Catch scripts added to <head>: Cloudflare's becomes the stand-in below (one per page, as the real script is); a
 * token per execute, counted, handed to the callback of the widget executed.
 */
function stubTurnstile(): Stub {
  const stub: Stub = { scripts: [], calls: [], options: [], restore: () => undefined };
  const append = HTMLHeadElement.prototype.append;
  let tokens = 0;
  const widgets: Record<string, Record<string, unknown>> = {};
  HTMLHeadElement.prototype.append = function (this: HTMLHeadElement, ...nodes: (Node | string)[]) {
    const script = nodes.find((node): node is HTMLScriptElement => node instanceof HTMLScriptElement && node.src.startsWith('https://challenges.cloudflare.com/'));
    if (!script) return append.apply(this, nodes);
    stub.scripts.push(script.src);
    (window as unknown as { turnstile: unknown }).turnstile = {
      render(container: HTMLElement, options: Record<string, unknown>) {
        stub.calls.push('render');
        stub.options.push(options);
        expect(container.isConnected).to.equal(true);
        const id = `widget-${Object.keys(widgets).length + 1}`;
        widgets[id] = options;
        return id;
      },
      execute(id: string) {
        stub.calls.push(`execute:${id}`);
        tokens += 1;
        const callback = widgets[id].callback as (token: string) => void;
        setTimeout(() => callback(`token-${tokens}`));
      },
      reset(id: string) {
        stub.calls.push(`reset:${id}`);
      },
    };
    setTimeout(() => script.onload?.(new Event('load')));
  };
  stub.restore = () => {
    HTMLHeadElement.prototype.append = append;
    delete (window as unknown as { turnstile?: unknown }).turnstile;
  };
  return stub;
}

const cloudflareRequests = () =>
  performance.getEntriesByType('resource').filter((entry) => entry.name.includes('challenges.cloudflare.com')).length +
  document.querySelectorAll('script[src*="challenges.cloudflare.com"]').length;

describe('<lead-relay captcha="turnstile">', () => {
  // For the whole file (each test file has a page of its own), as Cloudflare's script stays once a page loaded it.
  const stub = stubTurnstile();
  beforeEach(() => {
    forgetStorage();
    stub.calls = [];
    stub.options = [];
  });

  // First in this file: the page has not loaded Cloudflare's script yet.
  it('makes no request to Cloudflare on page load; loads the script (explicit rendering) on the first interaction', async () => {
    const el = await renderWidget(html`<lead-relay proxy=${mockProxy().url} fields="name email" captcha="turnstile" turnstile-site-key="1x00000000000000000000AA"></lead-relay>`);
    await new Promise((resolve) => setTimeout(resolve, 400)); // past afterPaint, when the outbox and draft are read
    expect(stub.scripts).to.deep.equal([]);
    expect(cloudflareRequests()).to.equal(0);
    getByLabel(el, 'Name').focus();
    await waitFor(() => stub.calls.includes('render'), 'the widget to be rendered');
    expect(stub.scripts).to.deep.equal([TURNSTILE_SCRIPT]);
    expect(TURNSTILE_SCRIPT).to.equal('https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit');
    // Run only when a send asks for a token, drawn only if Cloudflare needs the visitor, with the page's site key.
    expect(stub.options[0]).to.include({ sitekey: '1x00000000000000000000AA', execution: 'execute', appearance: 'interaction-only' });
    expect(stub.calls).to.deep.equal(['render']);
  });

  it('sends a fresh token with each new submission; on 422 captcha_failed challenges again and keeps what was typed', async () => {
    const proxy = mockProxy();
    const el: LeadRelay = await renderWidget(html`<lead-relay proxy=${proxy.url} fields="name email" captcha="turnstile" turnstile-site-key="k"></lead-relay>`);
    await typeInto(getByLabel(el, 'Name'), 'Ada');
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    await proxy.respond({ status: 422, body: { error: { code: 'captcha_failed', message: 'The security check did not go through.' } } });
    const failed = oneEvent(el, 'lr-error');
    fillTimePassed();
    getButton(el, 'Send').click();
    expect((await failed).detail.code).to.equal('captcha_failed');
    await el.updateComplete;
    expect(statusText(el)).to.contain('The security check did not go through. Send again to retry it.');
    expect(getByLabel(el, 'Name').value).to.equal('Ada');
    expect(getByLabel(el, 'Email').value).to.equal('ada@example.com');
    expect(errorFor(el, getByLabel(el, 'Email'))).to.equal(undefined);

    const success = oneEvent(el, 'lr-success');
    fillTimePassed();
    getButton(el, 'Send').click();
    await success;
    const { requests } = await proxy.requests();
    expect(requests.map((request) => request.body.captchaToken)).to.deep.equal(['token-1', 'token-2']);
    // A new challenge for the second send: the used widget is reset before it runs again.
    expect(stub.calls).to.deep.equal(['render', 'execute:widget-2', 'reset:widget-2', 'execute:widget-2']);
    // One script for the page, loaded by the first form: not again.
    expect(stub.scripts).to.have.length(1);
    expect(requests[1].body).to.include({ name: 'Ada', email: 'ada@example.com' });
  });
});
