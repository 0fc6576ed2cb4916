// The script-tag bundle on a page whose policy is `default-src 'self'; connect-src <proxy>`: renders and submits.
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { LeadRelay } from '../../src/index.js';
import { fillTimePassed, getButton, getByLabel, mockProxy, waitFor } from './helpers.js';

describe('<lead-relay> under a strict Content-Security-Policy', () => {
  it('renders and submits to a proxy on another origin with no CSP violations (needs `npm run build`)', async () => {
    // Another origin for the proxy, so connect-src is what allows the call: localhost vs 127.0.0.1.
    const other = location.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
    const proxy = mockProxy(`${location.protocol}//${other}:${location.port}`);
    const frame = document.createElement('iframe');
    frame.src = `/csp-page?proxy=${encodeURIComponent(proxy.url)}`;
    document.body.append(frame);
    try {
      const page = await waitFor(() => {
        const widget = frame.contentDocument?.querySelector('lead-relay') as LeadRelay | null;
        return widget?.shadowRoot?.querySelector('form') ? widget : undefined;
      }, 'the widget to render in the CSP page');
      const policy = (await fetch(frame.src)).headers.get('content-security-policy');
      expect(policy).to.equal(`default-src 'self'; connect-src ${new URL(proxy.url).origin}`);

      getByLabel(page, 'Email').focus();
      await sendKeys({ type: 'ada@example.com' });
      fillTimePassed(frame.contentWindow!);
      getButton(page, 'Send').click();
      await waitFor(() => page.shadowRoot!.querySelector('.done'), 'the success message');
      const { requests } = await proxy.requests();
      expect(requests).to.have.length(1);
      expect(requests[0].body.email).to.equal('ada@example.com');
      expect((frame.contentWindow as unknown as { cspViolations: string[] }).cspViolations).to.deep.equal([]);
    } finally {
      frame.remove();
    }
  });
});
