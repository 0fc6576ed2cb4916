// LeadRelay.convertLead from the classic-script bundle: queued before the bundle loads, runs after, clears the lead token.
import { expect } from '@open-wc/testing';
import { loadClassicBundle, mockProxy, waitFor } from './helpers.js';

type Call = [name: string, ...args: unknown[]];
interface PageGlobal {
  LeadRelay?: { q: Call[] | { push(call: Call): void }; convertLead?: (options: object) => Promise<unknown> };
  Intercom?: (command: string) => unknown;
}

const TOKEN_KEY = 'leadrelay:lead-token';
const identity = { userId: 'u-42', userHash: 'f'.repeat(64) };

describe('LeadRelay.convertLead (needs `npm run build`)', () => {
  const page = window as unknown as PageGlobal;
  const converted: CustomEvent[] = [];
  window.addEventListener('lr-converted', (event) => converted.push(event));

  it('a call queued before the bundle loads runs once it has, sends the token and the visitor id, and clears the token', async () => {
    localStorage.clear();
    localStorage.setItem(TOKEN_KEY, 'lead-token-from-the-form');
    page.Intercom = (command) => (command === 'getVisitorId' ? 'visitor-7' : undefined);
    const proxy = mockProxy();
    await proxy.respond({ status: 200, body: { status: 'merged', contactId: '6762f0dd1bb69f9f2193bb83' } });

    // What the page's sign-in code does before the bundle arrives.
    page.LeadRelay = page.LeadRelay || { q: [] };
    (page.LeadRelay.q as Call[]).push(['convertLead', { proxy: proxy.url, identity }]);
    expect(localStorage.getItem(TOKEN_KEY)).to.equal('lead-token-from-the-form');

    await loadClassicBundle();
    await waitFor(() => localStorage.getItem(TOKEN_KEY) === null, 'the queued conversion to clear the lead token');
    const { requests } = await proxy.requests();
    expect(requests).to.have.length(1);
    expect(requests[0]!.body).to.deep.equal({ identity, leadToken: 'lead-token-from-the-form', visitorId: 'visitor-7' });
    expect(converted.map((event) => event.detail)).to.deep.equal([{ status: 'merged', contactId: '6762f0dd1bb69f9f2193bb83' }]);
  });

  it('with no lead token and no Messenger it answers nothing_to_convert without a request', async () => {
    localStorage.clear();
    delete page.Intercom;
    const proxy = mockProxy();
    const result = await page.LeadRelay!.convertLead!({ proxy: proxy.url, identity });
    expect(result).to.deep.equal({ status: 'nothing_to_convert' });
    expect((await proxy.requests()).attempts).to.equal(0);
  });

  it('a refused identity rejects with the wire code and keeps the lead token for a later try', async () => {
    localStorage.setItem(TOKEN_KEY, 'kept-token');
    const proxy = mockProxy();
    await proxy.respond({ status: 401, body: { error: { code: 'identity_unverified', message: 'No.' } } });
    const error = await page.LeadRelay!.convertLead!({ proxy: proxy.url, identity }).then(
      () => undefined,
      (thrown: { code?: string; status?: number }) => thrown,
    );
    expect(error?.code).to.equal('identity_unverified');
    expect(error?.status).to.equal(401);
    expect(localStorage.getItem(TOKEN_KEY)).to.equal('kept-token');
    expect(converted).to.have.length(1);
  });
});

describe('LeadRelay.resetLead', () => {
  it('forgets the lead token, the outbox and every draft, and leaves other keys alone', async () => {
    const { resetLead } = await import('../../src/client/lead-session.js');
    localStorage.setItem(TOKEN_KEY, 'token');
    localStorage.setItem('leadrelay:outbox', '[]');
    localStorage.setItem('someone-else', 'kept');
    sessionStorage.setItem('leadrelay:draft:contact', '{"email":"ada@example.com"}');
    resetLead();
    expect(localStorage.getItem(TOKEN_KEY)).to.equal(null);
    expect(localStorage.getItem('leadrelay:outbox')).to.equal(null);
    expect(sessionStorage.getItem('leadrelay:draft:contact')).to.equal(null);
    expect(localStorage.getItem('someone-else')).to.equal('kept');
  });
});
