// The take-over: what a visitor types into the prerendered form before the script arrives is kept and sent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Route } from 'playwright-core';
import { renderLeadRelay } from '../../src/render/render-lead-relay.js';
import { buildVisitor, launchChromium, watchForProblems } from './browser.js';
import { MODULE_SCRIPT, PHONE, articlePage, startPrerenderSite, type PrerenderSite } from './prerender-site.js';

let site: PrerenderSite;
let browser: Browser;

before(async () => {
  site = await startPrerenderSite(); // the proxy's real minimum fill time
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

interface StateContact {
  email: string;
  name: string | null;
}
interface StateConversation {
  source: { body: string };
}

async function emulatorState(): Promise<{ contacts: StateContact[]; conversations: StateConversation[] }> {
  return (await fetch(`${site.emulatorUrl}/_emulator/state`)).json() as Promise<{ contacts: StateContact[]; conversations: StateConversation[] }>;
}

for (const locale of ['en', 'de'] as const) {
  test(`a visitor who types and ticks consent while the script is held back (${locale}) keeps it all and focus, and the submission carries it`, async () => {
    // A required consent box too: if the ticked box were not taken over, the widget would refuse to send.
    const consent = locale === 'en' ? 'I agree to be contacted.' : 'Ich bin einverstanden.';
    const form = await renderLeadRelay({ proxy: site.proxyUrl, locale, consent });
    site.page(`/held-${locale}.html`, articlePage(form, { head: MODULE_SCRIPT, lang: locale }));
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/dist/leadrelay.js', async (route: Route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${site.url}/held-${locale}.html`, { waitUntil: 'commit' });

    const visitor = buildVisitor();
    const widget = page.locator('lead-relay');
    const labels = locale === 'de' ? { name: 'Name', email: 'E-Mail', message: 'Nachricht' } : { name: 'Name', email: 'Email', message: 'Message' };
    await widget.getByRole('textbox', { name: labels.name, exact: true }).pressSequentially(visitor.name);
    await widget.getByRole('textbox', { name: labels.email, exact: true }).pressSequentially(visitor.email);
    await widget.getByRole('checkbox').check();
    await widget.getByRole('textbox', { name: labels.message, exact: true }).pressSequentially(visitor.message);
    assert.equal(await page.evaluate(() => customElements.get('lead-relay')), undefined, 'the script was held back while typing');

    release();
    await page.waitForFunction(() => {
      const root = document.querySelector('lead-relay')?.shadowRoot;
      return !!customElements.get('lead-relay') && !!root?.querySelector('form') && !root.querySelector('style');
    });
    const after = await page.evaluate(() => {
      const root = document.querySelector('lead-relay')!.shadowRoot!;
      const [name, email, message] = ['name', 'email', 'message'].map((field) => root.querySelector<HTMLInputElement>(`[name=${field}]`)!.value);
      const consentGiven = root.querySelector<HTMLInputElement>('#lr-consent')!.checked;
      return { name, email, message, consentGiven, focused: root.activeElement?.id };
    });
    assert.deepEqual(after, { name: visitor.name, email: visitor.email, message: visitor.message, consentGiven: true, focused: 'lr-message' });

    await widget.locator('[part=button]').click();
    await widget.locator('.done').waitFor({ timeout: 15_000 });
    const state = await emulatorState();
    const contacts = state.contacts.filter((contact) => contact.email === visitor.email);
    assert.equal(contacts.length, 1);
    assert.equal(contacts[0].name, visitor.name);
    assert.equal(state.conversations.filter((conversation) => conversation.source.body.includes(visitor.message)).length, 1);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('autofill: every field set at once and Send pressed in the same moment gives one lead, no error, no 422', async () => {
  site.page('/autofill.html', articlePage(await renderLeadRelay({ proxy: site.proxyUrl }), { head: MODULE_SCRIPT }));
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  const problems = watchForProblems(page);
  await page.goto(`${site.url}/autofill.html`);
  await page.waitForFunction(() => !!customElements.get('lead-relay') && !document.querySelector('lead-relay')?.shadowRoot?.querySelector('style'));
  const visitor = buildVisitor();
  const answersBefore = site.proxyAnswers.length;
  // What browser autofill does: every field's value set and an input event each, in one go; then Send, in the same
  // task (0 ms after the first interaction, well within 300 ms).
  await page.evaluate(`(() => {
    const root = document.querySelector('lead-relay').shadowRoot;
    const fill = { name: ${JSON.stringify(visitor.name)}, email: ${JSON.stringify(visitor.email)}, message: ${JSON.stringify(visitor.message)} };
    for (const [name, value] of Object.entries(fill)) {
      const control = root.querySelector('[name=' + name + ']');
      control.value = value;
      control.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    }
    root.querySelector('[part=button]').click();
  })()`);
  await page.locator('lead-relay .done').waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('lead-relay [part=error], lead-relay .summary').count(), 0, 'no error shown');
  const answers = site.proxyAnswers.slice(answersBefore).filter((answer) => answer.method === 'POST');
  assert.deepEqual(answers.map((answer) => answer.status), [201], 'one POST /leads, accepted');
  const state = await emulatorState();
  assert.equal(state.contacts.filter((contact) => contact.email === visitor.email).length, 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a browser that does not parse declarative shadow DOM gets today\'s widget (the template stays inert)', async () => {
  // innerHTML does not attach declarative shadow roots: the same markup an old browser's parser leaves behind.
  site.page('/no-dsd.html', articlePage('<div id="slot"></div>', { head: MODULE_SCRIPT }));
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  const problems = watchForProblems(page);
  await page.goto(`${site.url}/no-dsd.html`);
  await page.evaluate(`document.querySelector('#slot').innerHTML = ${JSON.stringify(await renderLeadRelay({ proxy: site.proxyUrl }))}`);
  await page.locator('lead-relay').getByRole('button', { name: 'Send' }).waitFor();
  const shape = await page.evaluate(() => {
    const element = document.querySelector('lead-relay')!;
    return { template: element.firstElementChild?.localName, forms: element.shadowRoot!.querySelectorAll('form').length };
  });
  assert.deepEqual(shape, { template: 'template', forms: 1 });
  assert.deepEqual(problems, []);
  await context.close();
});


test('a German form keeps its prerendered words while its pack is held back, past the 1.5 s an unrendered form waits', async () => {
  site.page('/pack-held.html', articlePage(await renderLeadRelay({ proxy: site.proxyUrl, locale: 'de' }), { head: MODULE_SCRIPT, lang: 'de' }));
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await page.clock.install();
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/dist/leadrelay-de-*.js', async (route: Route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${site.url}/pack-held.html`);
  await page.waitForFunction(() => (document.querySelector('lead-relay') as { hasUpdated?: boolean } | null)?.hasUpdated === true);
  await page.clock.fastForward(3000); // past the element's 1.5 s wait for a pack (mock time: no sleeping)
  const heading = page.locator('lead-relay [part=heading]');
  assert.equal(await heading.textContent(), 'Kontakt aufnehmen');
  assert.equal(await page.evaluate(() => !!document.querySelector('lead-relay')!.shadowRoot!.querySelector('style')), true, 'still the prerendered nodes');
  await page.locator('lead-relay').getByRole('textbox', { name: 'E-Mail', exact: true }).pressSequentially('ada@example.com');

  release();
  await page.waitForFunction(() => !document.querySelector('lead-relay')!.shadowRoot!.querySelector('style'));
  assert.equal(await heading.textContent(), 'Kontakt aufnehmen');
  assert.equal(await page.locator('lead-relay [name=email]').inputValue(), 'ada@example.com');
  await context.close();
});
