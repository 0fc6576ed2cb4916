// The classic-script bundle: defines <lead-relay> and window.LeadRelay, and runs calls queued before it loaded.
import { expect } from '@open-wc/testing';
import { loadClassicBundle, waitFor } from './helpers.js';

type Global = { LeadRelay?: { q: unknown; storeLeadToken?: (token: string) => void; readLeadToken?: () => string } };

describe('dist/leadrelay.iife.js (needs `npm run build`)', () => {
  it('runs calls queued before it loaded, then runs later pushes at once', async () => {
    localStorage.clear();
    const page = window as unknown as Global;
    // What a tag manager snippet does before the bundle arrives.
    page.LeadRelay = page.LeadRelay || { q: [] };
    (page.LeadRelay.q as unknown[][]).push(['storeLeadToken', 'queued-before-load']);
    await loadClassicBundle();
    await waitFor(() => localStorage.getItem('leadrelay:lead-token') === 'queued-before-load', 'the queued call to run');
    expect(customElements.get('lead-relay')).to.be.a('function');
    expect(page.LeadRelay!.readLeadToken!()).to.equal('queued-before-load');
    (page.LeadRelay!.q as { push(call: unknown[]): void }).push(['resetLead']);
    await waitFor(() => localStorage.getItem('leadrelay:lead-token') === null, 'a later push to run');
  });
});
