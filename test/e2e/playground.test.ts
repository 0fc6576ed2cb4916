// The playground in Chromium: controls drive attributes, --lr-* properties and the snippet; screenshots of every state.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDemo, type RunningDemo } from '../../demo/demo-server.js';
import { parseQuestionsFile, type ChoiceQuestion } from '../../src/protocol/questions.js';
import { SCREENSHOTS, buildVisitor, fillAndSend, inboxContact, launchChromium, watchForProblems } from './browser.js';

let demo: RunningDemo;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[];

const STATES = ['idle', 'invalid', 'submitting', 'error', 'success', 'queued'];

before(async () => {
  demo = await startDemo({ port: 0, minFillMs: 0 });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(demo.url).origin });
  page = await context.newPage();
  problems = watchForProblems(page);
  await page.goto(demo.url);
});

after(async () => {
  await context?.close();
  await browser?.close();
  await demo?.close();
});

const live = () => page.locator('lead-relay#live');
const snippetText = async () => (await page.locator('#snippet-code').textContent()) ?? '';

test('the controls set the attributes of the live widget and the snippet writes the same markup', async () => {
  await page.getByLabel('Heading').fill('Talk to "sales"');
  await page.getByLabel('Show phone').uncheck();
  await page.getByLabel('Require name').check();
  await page.getByLabel('Locale').selectOption('de');
  await page.getByLabel(/^Consent text/).fill('Ich bin einverstanden.');

  assert.equal(await live().getAttribute('heading'), 'Talk to "sales"');
  assert.equal(await live().getAttribute('fields'), 'name email message');
  assert.equal(await live().getAttribute('required'), 'name');
  assert.equal(await live().getAttribute('locale'), 'de');
  // The widget shows it: German labels and the consent checkbox.
  await live().getByRole('textbox', { name: /^E-Mail/ }).waitFor();
  await live().getByRole('checkbox', { name: /Ich bin einverstanden/ }).waitFor();
  assert.equal(await live().getByRole('textbox', { name: /^Telefon/ }).count(), 0);

  await page.getByRole('tab', { name: 'Script tag' }).click();
  const snippet = await snippetText();
  assert.match(snippet, /<script type="module" src="[^"]+\/leadrelay\.js"><\/script>/);
  assert.match(snippet, /heading="Talk to &quot;sales&quot;"/);
  assert.match(snippet, /fields="name email message"/);
  assert.match(snippet, /locale="de"/);
  assert.match(snippet, /consent="Ich bin einverstanden\."/);

  await page.getByRole('tab', { name: 'npm' }).click();
  assert.match(await snippetText(), /import \{ convertLead \} from 'leadrelay';/);
  await page.getByRole('tab', { name: 'Classic script' }).click();
  assert.match(await snippetText(), /<script src="[^"]+\/leadrelay\.iife\.js" defer><\/script>/);

  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByText('Copied to the clipboard.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await snippetText());

  await page.getByRole('button', { name: 'Reset all' }).click();
  await page.waitForFunction(() => !document.querySelector('#live')!.hasAttribute('heading'));
  assert.equal(await live().getAttribute('locale'), null);
});

test('the first tab is the prerendered snippet for the current settings, with the note to make it again', async () => {
  await page.getByRole('tab', { name: 'Prerendered' }).click();
  assert.equal(await page.getByRole('tab', { name: 'Prerendered' }).getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('[role=tab]').first().textContent(), 'Prerendered');
  await page.getByLabel('Locale').selectOption('de');
  await page.waitForFunction(() => document.querySelector('#snippet-code')?.textContent?.includes('Kontakt aufnehmen'));
  const snippet = await snippetText();
  assert.match(snippet, /<lead-relay proxy="\/api\/leadrelay" locale="de"[^>]*><template shadowrootmode="open">/);
  assert.match(snippet, /<form part="form" method="post" action="\/api\/leadrelay\/leads"/);
  // The installed package's command (`npx -p leadrelay`): a bare `npx leadrelay-render` would fetch whatever has that name.
  assert.match(snippet, /npx -p leadrelay leadrelay-render --proxy \/api\/leadrelay --locale de/);
  assert.doesNotMatch(snippet, /npx leadrelay-render/);
  assert.match(snippet, /add to style-src: 'sha256-[\w+/=]+'/);
  assert.ok(await page.locator('#prerender-note').isVisible());
  assert.match((await page.locator('#prerender-note').textContent()) ?? '', /Make it again/);
  // New settings, a new snippet.
  await page.getByLabel('Locale').selectOption('fr');
  await page.waitForFunction(() => /locale="fr"/.test(document.querySelector('#snippet-code')?.textContent ?? ''));
  await page.getByRole('button', { name: 'Reset all' }).click();
  await page.waitForFunction(() => !document.querySelector('#live')!.hasAttribute('locale'));
});

test('the theme controls set --lr-* custom properties on every widget and in the snippet', async () => {
  await page.getByRole('tab', { name: 'Script tag' }).click();
  await page.getByLabel(/^Radius/).fill('14');
  await page.getByLabel(/^Spacing/).fill('1.5');
  await page.getByLabel(/^Accent/).fill('#c2185b');
  await page.getByLabel(/^Font/).selectOption('serif');

  for (const id of ['live', 'state-success']) {
    const properties = await page.evaluate((selector) => {
      const style = getComputedStyle(document.getElementById(selector)!);
      return ['--lr-radius', '--lr-spacing', '--lr-accent', '--lr-on-accent'].map((name) => style.getPropertyValue(name).trim());
    }, id);
    // A custom accent brings a text colour that reads on it (white on this dark pink).
    assert.deepEqual(properties, ['14px', '1.5rem', '#c2185b', '#ffffff']);
  }
  // Inside the shadow root the button really takes the accent.
  const background = await live().locator('[part=button]').evaluate((button) => getComputedStyle(button).backgroundColor);
  assert.equal(background, 'rgb(194, 24, 91)');
  const snippet = await snippetText();
  assert.match(snippet, /--lr-radius: 14px;/);
  assert.match(snippet, /--lr-accent: #c2185b;/);
  assert.match(snippet, /--lr-font: [^;]*Georgia/);
  await page.getByRole('button', { name: 'Reset all' }).click();
  await page.waitForFunction(() => getComputedStyle(document.getElementById('live')!).getPropertyValue('--lr-radius') === '');
});

test('the gallery shows every state side by side, screenshotted in light, dark and Arabic', async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  // Something in the inbox, so the screenshot shows the whole demo at work.
  const visitor = buildVisitor({ phone: '+1 415 555 0100', name: 'Grace Hopper' });
  await fillAndSend(live(), visitor);
  await inboxContact(page, visitor.email, 'lead');

  for (const state of STATES) {
    assert.equal(await page.locator(`#state-${state}`).getAttribute('preview-state'), state);
  }
  const gallery = page.locator('#gallery');
  assert.equal(await gallery.locator('[aria-invalid=true]').count() > 0, true, 'the invalid state shows no invalid field');
  await gallery.locator('#state-success').getByText(/Thank you/).waitFor();
  await gallery.locator('#state-queued').getByText(/saved/).waitFor();
  await gallery.locator('#state-submitting [part=button][aria-disabled=true]').waitFor();

  await page.screenshot({ path: `${SCREENSHOTS}/playground-light.png`, fullPage: true });
  await gallery.screenshot({ path: `${SCREENSHOTS}/gallery-light.png` });

  await page.locator('.segmented label', { hasText: 'Dark' }).click();
  await page.waitForFunction(() => document.querySelector('#gallery-surface')?.getAttribute('data-theme') === 'dark');
  assert.equal(await page.locator('#state-idle').getAttribute('theme'), 'dark');
  await gallery.screenshot({ path: `${SCREENSHOTS}/gallery-dark.png` });

  await page.locator('.segmented label', { hasText: 'Auto' }).click();
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${SCREENSHOTS}/playground-dark.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });

  await page.getByLabel('Locale').selectOption('ar');
  await gallery.locator('#state-idle [part=base][dir=rtl]').waitFor();
  await gallery.screenshot({ path: `${SCREENSHOTS}/gallery-arabic.png` });
  await page.getByRole('button', { name: 'Reset all' }).click();

  // After a success, "Start over" gives a fresh form with the same settings.
  await page.getByRole('button', { name: 'Start over' }).click();
  await live().getByRole('textbox', { name: /^Name/ }).waitFor();
  assert.equal(await live().getAttribute('proxy'), '/api/leadrelay');
  // The README's picture: the form ready to fill, the lead it sent in the inbox. docs/demo.png is committed, so it is
  // rewritten only on request (UPDATE_DOCS_SCREENSHOT=1); a normal run leaves the working tree clean.
  await page.evaluate(() => scrollTo(0, 0));
  await page.screenshot({ path: process.env.UPDATE_DOCS_SCREENSHOT ? 'docs/demo.png' : `${SCREENSHOTS}/demo.png` });

  // A phone: one column, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'the playground scrolls sideways on a phone');
  await page.screenshot({ path: `${SCREENSHOTS}/playground-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1440, height: 900 });
  assert.deepEqual(problems, []);
});

// Every tab's snippet, as the Copy button puts it on the clipboard.
async function everySnippet(): Promise<Record<string, string>> {
  const snippets: Record<string, string> = {};
  for (const name of ['Prerendered', 'Script tag', 'Classic script', 'npm']) {
    await page.getByRole('tab', { name }).click();
    if (name === 'Prerendered') await page.waitForFunction(() => document.querySelector('#snippet-code')?.textContent?.includes('</lead-relay>'));
    snippets[name] = await snippetText();
  }
  return snippets;
}

test('the snippets load the widget from the site itself, never from a public CDN under a name this package does not own', async () => {
  const snippets = await everySnippet();
  for (const [tab, text] of Object.entries(snippets)) {
    assert.doesNotMatch(text, /jsdelivr|unpkg|https?:\/\//, `${tab}: a third-party URL in the snippet`);
    assert.doesNotMatch(text, /npx leadrelay-render/, `${tab}: a bare npx command`);
  }
  for (const tab of ['Prerendered', 'Script tag']) {
    assert.match(snippets[tab]!, /<script type="module" src="\/leadrelay\/leadrelay\.js"><\/script>/);
    assert.match(snippets[tab]!, /copy node_modules\/leadrelay\/dist\/ to \/leadrelay\//);
  }
  assert.match(snippets['Classic script']!, /<script src="\/leadrelay\/leadrelay\.iife\.js" defer><\/script>/);
  assert.match(snippets['Classic script']!, /copy node_modules\/leadrelay\/dist\/ to \/leadrelay\//);
  await page.getByRole('tab', { name: 'Prerendered' }).click();
});

test('the prerendered snippet sits in a fixed-height box that scrolls, and Copy still takes all of it', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await page.getByRole('tab', { name: 'Prerendered' }).click();
    await page.waitForFunction(() => document.querySelector('#snippet-code')?.textContent?.includes('add to style-src'));
    const box = page.locator('#snippet-panel pre');
    const size = await box.evaluate((element) => ({ height: element.clientHeight, content: element.scrollHeight, tabIndex: element.tabIndex }));
    // Less than half a phone screen, however long the snippet: it used to be 2.5 screens of wrapped CSS.
    assert.ok(size.height <= 844 / 2, `the snippet box is ${size.height}px tall`);
    assert.ok(size.content > size.height, 'the box holds more than it shows, so it must scroll');
    assert.equal(size.tabIndex, 0, 'a keyboard can reach the box to scroll it');
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, await snippetText());
    assert.match(copied, /<\/lead-relay>[\s\S]*add to style-src: 'sha256-/);
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 });
  }
});

/** The boxes of `selector`'s matches, in page coordinates. */
const boxes = (selector: string) =>
  page.locator(selector).evaluateAll((elements) =>
    elements.map((element) => {
      const { left, top, right, bottom } = element.getBoundingClientRect();
      return { left, top: top + scrollY, right, bottom: bottom + scrollY };
    }),
  );

test('on a phone the nav is one row and the snippet tabs neither wrap nor push the page sideways', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    const links = await boxes('.nav a');
    assert.equal(links.length, 3);
    assert.equal(new Set(links.map((link) => Math.round(link.top))).size, 1, `nav links on more than one row: ${JSON.stringify(links)}`);
    const tabs = await page.locator('[role=tab]').evaluateAll((elements) =>
      elements.map((element) => ({ top: Math.round(element.getBoundingClientRect().top), lines: element.getClientRects().length, height: element.clientHeight, lineHeight: parseFloat(getComputedStyle(element).lineHeight) })),
    );
    assert.equal(new Set(tabs.map((tab) => tab.top)).size, 1, 'the tabs wrap onto two rows');
    for (const tab of tabs) assert.ok(tab.height < tab.lineHeight * 2, `a tab's label wraps: ${JSON.stringify(tab)}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0);
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 });
  }
});

test('every card in "Every state" starts its text at the same distance from its edge', async () => {
  await page.locator('#state-success').getByText(/Thank you/).waitFor();
  // The left edge of the first line of text in each card, from the card's own left edge.
  const insets = await page.locator('#gallery lead-relay').evaluateAll((widgets) =>
    widgets.map((widget) => {
      const host = widget.getBoundingClientRect().left;
      const walker = document.createTreeWalker(widget.shadowRoot!, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent?.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const rect = range.getClientRects()[0];
        if (rect && rect.width > 0 && getComputedStyle(node.parentElement!).visibility !== 'hidden') return [widget.id, Math.round(rect.left - host)];
      }
      return [widget.id, -1];
    }),
  );
  const first = insets[0]![1];
  for (const [id, inset] of insets) assert.equal(inset, first, `${id} starts its text ${inset}px in, the idle card ${first}px: ${JSON.stringify(insets)}`);
});

const overlaps = (a: { left: number; top: number; right: number; bottom: number }, b: typeof a) =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

for (const viewport of [{ width: 390, height: 844 }, { width: 1440, height: 900 }]) {
  test(`in launcher mode the floating button covers none of the settings (${viewport.width} px)`, async () => {
    await page.setViewportSize(viewport);
    try {
      await page.locator('.segmented label', { hasText: 'Launcher' }).click();
      const button = live().locator('.launcher');
      await button.waitFor();
      // Bring the theme controls to the bottom of the window, where a page's floating button sits.
      for (const selector of ['input[name=accent]', '#spacing', 'select[name=font]']) {
        await page.locator(selector).evaluate((element) => element.scrollIntoView({ block: 'end' }));
        const [launcher] = await boxes('lead-relay#live >> .launcher');
        assert.ok(launcher, 'no launcher button');
        const controls = await boxes('#controls input, #controls select, #controls textarea, #controls .segmented, #controls label');
        const covered = controls.filter((control) => overlaps(control, launcher));
        assert.deepEqual(covered, [], `the launcher button covers ${covered.length} settings with ${selector} at the bottom`);
      }
      // It still floats in a corner: the preview's, so a designer sees where it goes.
      const [surface] = await boxes('#stage-surface');
      const [launcher] = await boxes('lead-relay#live >> .launcher');
      assert.ok(overlaps(surface!, launcher!), 'the launcher button is outside the preview');
    } finally {
      await page.locator('.segmented label', { hasText: 'Inline' }).click();
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });
}

test('on a wide screen the settings stay in view while the page scrolls past the preview and the snippet', async () => {
  await page.evaluate(() => scrollTo(0, 0));
  const [grid] = await boxes('.playground');
  const [stage] = await boxes('.stage');
  // Scroll to the bottom of the grid (the snippet and the inbox): the settings are still on screen.
  await page.evaluate((y) => scrollTo(0, y), grid!.bottom - 900);
  const controls = await page.locator('#controls').evaluate((element) => {
    const { top, bottom } = element.getBoundingClientRect();
    return { top, bottom };
  });
  assert.ok(grid!.bottom - 900 > stage!.top + 100, 'the page did not scroll far enough to tell');
  assert.ok(controls.top >= 0 && controls.bottom <= 900, `the settings are off screen: ${JSON.stringify(controls)}`);
  await page.evaluate(() => scrollTo(0, 0));
});

// Your questions: the editor, the preview (live and every state, in every locale), the file, and a lead that sends them.
const questionCard = (name: string) => page.locator(`#question-list .question[data-name=${name}]`);
/** The names of the questions the live widget draws, in its order. */
const liveQuestionNames = () =>
  live().locator('[name=company_name], [name=interest], [name=team_size]').evaluateAll((elements) => elements.map((element) => (element as HTMLInputElement).name));
const questionsStatus = () => page.locator('#questions-status');

async function addQuestion(type: string): Promise<void> {
  await page.getByLabel('New question').selectOption(type);
  await page.getByRole('button', { name: 'Add question' }).click();
}

test('a designer adds, reorders and removes questions, sees them live in every state and locale, and copies the file', async () => {
  await addQuestion('select');
  await addQuestion('number');
  await addQuestion('text');
  await questionsStatus().getByText('In the preview: 3 questions.').waitFor();
  assert.equal(await live().getAttribute('form'), 'default');
  await live().getByRole('combobox', { name: /^Interested in/ }).waitFor();
  await live().getByRole('spinbutton', { name: /^Team size/ }).waitFor();
  await live().getByRole('textbox', { name: /^Company/ }).waitFor();
  assert.deepEqual(await liveQuestionNames(), ['interest', 'team_size', 'company_name']);
  // Every state draws them: the forms on screen, and the done states over their (hidden) form.
  for (const state of ['idle', 'invalid', 'submitting', 'error']) {
    await page.locator(`#state-${state}`).getByRole('combobox', { name: /^Interested in/ }).waitFor();
  }
  for (const state of ['success', 'queued']) await page.locator(`#state-${state} select[name=interest]`).waitFor({ state: 'attached' });

  // Reorder: the company first.
  await page.getByRole('button', { name: 'Move "Company" up' }).click();
  await page.getByRole('button', { name: 'Move "Company" up' }).click();
  await page.waitForFunction(() => {
    const names = [...(document.querySelector('#live')?.shadowRoot?.querySelectorAll<HTMLInputElement>('[name=company_name], [name=interest], [name=team_size]') ?? [])].map((e) => e.name);
    return names.join() === 'company_name,interest,team_size';
  });

  // A label per locale, seen when the preview's locale changes.
  const company = questionCard('company_name');
  await company.getByText('Label in other languages').click();
  await company.getByRole('textbox', { name: 'German' }).fill('Firma');
  await company.getByRole('textbox', { name: 'Arabic' }).fill('الشركة');
  await page.getByLabel('Locale').selectOption('de');
  await live().getByRole('textbox', { name: /^Firma/ }).waitFor();
  await page.locator('#state-error').getByRole('textbox', { name: /^Firma/ }).waitFor();
  await page.getByLabel('Locale').selectOption('ar');
  await live().locator('[part=base][dir=rtl]').getByRole('textbox', { name: /^الشركة/ }).waitFor();
  await page.locator('#state-idle').getByRole('textbox', { name: /^الشركة/ }).waitFor();
  await page.getByLabel('Locale').selectOption('');

  // Remove one: gone from the preview and the file.
  await page.getByRole('button', { name: 'Remove "Team size"' }).click();
  await questionsStatus().getByText('In the preview: 2 questions.').waitFor();
  await page.waitForFunction(() => !document.querySelector('#live')?.shadowRoot?.querySelector('[name=team_size]') && document.querySelector('#live')?.shadowRoot?.querySelector('[name=interest]'));
  assert.deepEqual(await liveQuestionNames(), ['company_name', 'interest']);

  // The file, copied, is one the proxy reads; the snippet names its form.
  await page.getByRole('button', { name: 'Copy file', exact: true }).click();
  await page.locator('#copy-questions-status').getByText('Copied to the clipboard.').waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const definition = parseQuestionsFile(JSON.parse(copied));
  const form = definition.forms.default!;
  assert.deepEqual(form.questions.map((question) => question.name), ['company_name', 'interest']);
  assert.deepEqual(form.questions[0]!.label, { en: 'Company', de: 'Firma', ar: 'الشركة' });
  assert.equal((form.questions[0] as { company?: boolean }).company, true);
  assert.deepEqual((form.questions[1] as ChoiceQuestion).options.map((option) => option.value), ['Sales', 'Support', 'Partnership']);
  await page.getByRole('tab', { name: 'Script tag' }).click();
  assert.match(await snippetText(), /<lead-relay[^>]*\bform="default"/);
  assert.match(await snippetText(), /LEADRELAY_QUESTIONS=questions\.json/);
  await page.getByRole('tab', { name: 'Prerendered' }).click();
  await page.waitForFunction(() => document.querySelector('#snippet-code')?.textContent?.includes('name="questions"'));
  const prerendered = await snippetText();
  assert.match(prerendered, /<select[^>]*name="interest"/);
  assert.match(prerendered, /--form default --questions questions\.json/);
});

test('a bad change names the question and leaves the preview as it was', async () => {
  const interest = questionCard('interest');
  await interest.getByRole('textbox', { name: /^Options/ }).fill('');
  await questionsStatus().getByText(/Question "interest" is a select question without options/).waitFor();
  assert.equal(await live().locator('select[name=interest] option[value=Support]').count(), 1, 'the preview lost its last good questions');
  await interest.getByRole('textbox', { name: /^Options/ }).fill('Sales\nSupport');
  await questionsStatus().getByText('In the preview: 2 questions.').waitFor();
  // Typing a label: the preview follows, and the card's buttons are named by it.
  await interest.getByRole('textbox', { name: 'Label', exact: true }).fill('Topic');
  await live().getByRole('combobox', { name: /^Topic/ }).waitFor();
  await page.getByRole('button', { name: 'Remove "Topic"' }).waitFor();
});

test('a lead sent from the preview lands with its answers as attributes and its company, in the inbox and in Intercom', async () => {
  // A new lead, not the one an earlier test's submission left this browser with.
  await page.getByRole('button', { name: 'Forget this browser' }).click();
  await page.waitForFunction(() => document.querySelector('#live')?.shadowRoot?.querySelector('[name=interest]'));
  await live().getByRole('textbox', { name: /^Company/ }).fill('Acme Rockets');
  await live().getByRole('combobox', { name: /^Topic/ }).selectOption('Support');
  const visitor = buildVisitor({ name: 'Katherine Johnson' });
  await fillAndSend(live(), visitor);
  const card = await inboxContact(page, visitor.email, 'lead');
  assert.equal((await card.locator('.contact__company').textContent())?.trim(), 'Acme Rockets');
  assert.match((await card.locator('dd[data-attribute=interest]').textContent()) ?? '', /^Support\b/);
  assert.match((await card.locator('dd[data-attribute=company_name]').textContent()) ?? '', /^Acme Rockets\b/);
  assert.match((await card.locator('.message').first().textContent()) ?? '', /Topic: Support/);

  const state = (await (await fetch(`${demo.emulatorUrl}/_emulator/state`)).json()) as {
    contacts: { email: string; custom_attributes: Record<string, unknown>; companies: { data: { id: string }[] } }[];
    companies: { id: string; name: string }[];
  };
  const contact = state.contacts.find((candidate) => candidate.email === visitor.email);
  assert.ok(contact, 'no lead in the emulator');
  assert.equal(contact.custom_attributes.interest, 'Support');
  assert.equal(contact.custom_attributes.company_name, 'Acme Rockets');
  const [attached] = contact.companies.data;
  assert.equal(state.companies.find((candidate) => candidate.id === attached?.id)?.name, 'Acme Rockets');

  // Reset all takes the questions out of the editor, the proxy and the preview.
  await page.getByRole('button', { name: 'Reset all' }).click();
  await questionsStatus().getByText('No questions: the built-in fields only.').waitFor();
  await page.waitForFunction(() => !document.querySelector('#live')!.hasAttribute('form'));
  assert.equal(await page.locator('#question-list .question').count(), 0);
  assert.equal(await page.locator('#questions-file').isVisible(), false);
  const served = (await (await fetch(new URL('/demo-api/questions', demo.url))).json()) as { file: unknown };
  assert.equal(served.file, null);
});
