// End to end in Chromium: each demo page's widget → proxy → emulator, seen in the inbox and in /_emulator/state; sign-in merges.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDemo, type RunningDemo } from '../../demo/demo-server.js';
import { startEmulator } from '../../src/emulator/index.js';
import { SCRIPT_TAG_CSP } from '../../demo/pages.js';
import { SCREENSHOTS, buildVisitor, fillAndSend, inboxContact, launchChromium, watchForProblems, type Visitor } from './browser.js';

interface StateContact {
  id: string;
  role: string;
  email: string;
  phone: string | null;
  name: string | null;
  external_id: string | null;
  custom_attributes: Record<string, unknown>;
}
interface StateConversation {
  id: string;
  source: { body: string };
  contacts: { contacts: { id: string }[] };
}

let demo: RunningDemo;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  // A test types faster than a person: the proxy's minimum fill time would call it a bot.
  demo = await startDemo({ port: 0, minFillMs: 0 });
  browser = await launchChromium();
});

after(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await demo?.close();
});

/** A fresh visitor's browser (its own localStorage), wide enough for the three-column playground. */
async function openPage(path: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
  contexts.push(context);
  const page = await context.newPage();
  const problems = watchForProblems(page);
  await page.goto(new URL(path, demo.url).href);
  return { page, problems };
}

async function emulatorState(): Promise<{ contacts: StateContact[]; conversations: StateConversation[] }> {
  const response = await fetch(`${demo.emulatorUrl}/_emulator/state`);
  return (await response.json()) as { contacts: StateContact[]; conversations: StateConversation[] };
}

/** The lead in the emulator with this email and the conversation it started; fails when either is missing. */
async function leadInEmulator(visitor: Visitor): Promise<{ contact: StateContact; conversation: StateConversation }> {
  const state = await emulatorState();
  const contact = state.contacts.find((candidate) => candidate.email === visitor.email);
  assert.ok(contact, `no contact with ${visitor.email} in the emulator`);
  const conversation = state.conversations.find((candidate) => candidate.contacts.contacts.some((ref) => ref.id === contact.id));
  assert.ok(conversation, `no conversation for ${visitor.email}`);
  return { contact, conversation };
}

/** Sign in with the page's "Sign in as…" panel and wait for its answer. */
async function signIn(page: Page, userId: string, email: string): Promise<string> {
  const panel = page.locator('demo-sign-in');
  await panel.getByLabel('User id').fill(userId);
  await panel.getByLabel('Email').fill(email);
  await panel.getByRole('button', { name: /Sign in/ }).click();
  const result = panel.locator('.sign-in__result');
  await page.waitForFunction(() => document.querySelector('demo-sign-in .sign-in__result')?.textContent?.trim());
  return (await result.textContent()) ?? '';
}

async function assertMergedInto(userId: string, visitor: Visitor, leadId: string): Promise<StateContact> {
  const state = await emulatorState();
  assert.equal(state.contacts.find((contact) => contact.id === leadId), undefined, 'the lead is still a contact of its own');
  const user = state.contacts.find((contact) => contact.external_id === userId);
  assert.ok(user, `no user with external_id ${userId}`);
  assert.equal(user.role, 'user');
  const conversation = state.conversations.find((candidate) => candidate.source.body.includes(visitor.message));
  assert.ok(conversation?.contacts.contacts.some((ref) => ref.id === user.id), "the lead's conversation did not move to the user");
  return user;
}

test('the playground widget sends a lead that reaches the inbox and the emulator, and signing in turns it into a new user', async () => {
  const { page, problems } = await openPage('/');
  await page.locator('demo-backend [data-backend=emulator]').waitFor();
  const visitor = buildVisitor({ phone: '+44 20 7946 0958' });
  await fillAndSend(page.locator('lead-relay#live'), visitor);

  const card = await inboxContact(page, visitor.email, 'lead');
  assert.match((await card.textContent()) ?? '', /\+442079460958/);
  assert.match((await card.locator('.conversation').textContent()) ?? '', new RegExp(visitor.message));
  const { contact, conversation } = await leadInEmulator(visitor);
  assert.equal(contact.role, 'lead');
  assert.equal(contact.phone, '+442079460958');
  assert.equal(contact.name, visitor.name);
  assert.match(conversation.source.body, new RegExp(visitor.message));
  await page.locator('#event-log', { hasText: 'lr-success' }).waitFor();

  const userId = `user-${visitor.email.split('@')[0]}`;
  const answer = await signIn(page, userId, `${userId}@users.example.com`);
  assert.match(answer, /^Created user/);
  const userCard = await inboxContact(page, userId, 'user');
  assert.match((await userCard.locator('.conversation').textContent()) ?? '', new RegExp(visitor.message));
  assert.equal(await page.locator('demo-inbox .contact[data-role=lead]', { hasText: visitor.email }).count(), 0, 'the inbox still shows the lead');
  await assertMergedInto(userId, visitor, contact.id);
  assert.deepEqual(problems, []);
});

test('the script-tag page works under its strict CSP: the classic bundle sends the lead with its consent, with no violation', async () => {
  const response = await fetch(new URL('/script-tag.html', demo.url));
  // The strict policy, and the hash of the prerendered snippet's one <style>: nothing else inline is allowed.
  const styles = [...(await response.text()).matchAll(/<template shadowrootmode="open"><style>([\s\S]*?)<\/style>/g)].map((match) => match[1]!);
  assert.equal(styles.length, 1, 'the page holds the prerendered snippet');
  const hash = createHash('sha256').update(styles[0]!).digest('base64');
  assert.equal(response.headers.get('content-security-policy'), `${SCRIPT_TAG_CSP}; style-src 'self' 'sha256-${hash}'`);
  const { page, problems } = await openPage('/script-tag.html');
  // The page is en-GB: a number typed without + is read as a UK number.
  const visitor = buildVisitor({ phone: '020 7946 0123' });
  await fillAndSend(page.locator('lead-relay#contact-sales'), visitor, true);

  await inboxContact(page, visitor.email, 'lead');
  const { contact } = await leadInEmulator(visitor);
  assert.equal(contact.phone, '+442079460123');
  assert.equal(contact.custom_attributes.leadrelay_consent, true);
  assert.match(String(contact.custom_attributes.leadrelay_page_url), /\/script-tag\.html$/);
  await page.screenshot({ path: `${SCREENSHOTS}/script-tag-page.png`, fullPage: true });
  assert.deepEqual(problems, []);
});

test('the npm app page sends a lead with the bundled import, and signing in as an existing user merges into that user', async () => {
  const first = await openPage('/');
  const earlier = buildVisitor();
  await fillAndSend(first.page.locator('lead-relay#live'), earlier);
  const userId = `user-${earlier.email.split('@')[0]}`;
  assert.match(await signIn(first.page, userId, earlier.email), /^Created user/);

  const { page, problems } = await openPage('/app.html');
  const visitor = buildVisitor();
  await fillAndSend(page.locator('lead-relay#app-question'), visitor);
  await inboxContact(page, visitor.email, 'lead');
  const { contact } = await leadInEmulator(visitor);
  assert.match(String(contact.custom_attributes.leadrelay_page_url), /\/app\.html$/);

  assert.match(await signIn(page, userId, earlier.email), /^Merged/);
  const user = await assertMergedInto(userId, visitor, contact.id);
  const card = await inboxContact(page, userId, 'user');
  assert.equal(await card.locator('.conversation').count(), 2, 'the user should hold both conversations');
  assert.equal(await card.getAttribute('data-contact-id'), user.id);
  await page.screenshot({ path: `${SCREENSHOTS}/app-page.png`, fullPage: true });
  assert.deepEqual(problems, []);
});

test('when the English sentences cannot be fetched, Send names the file in lr-error and posts the form without JavaScript: one lead', async () => {
  const context = await browser.newContext({ colorScheme: 'light' });
  contexts.push(context);
  const page = await context.newPage();
  // A bare page on the demo's origin with the ESM bundle and its lazy chunks; the English pack's request fails.
  const pageUrl = new URL('/e2e-missing-english.html', demo.url).href;
  await page.route(pageUrl, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>
        <script type="module" src="/dist/leadrelay.js"></script></head>
        <body><lead-relay proxy="/api/leadrelay" fields="email"></lead-relay></body></html>`,
    }),
  );
  let blocked = 0;
  await page.route('**/dist/leadrelay-en-*.js', (route) => {
    blocked += 1;
    return route.abort('internetdisconnected');
  });
  await page.goto(pageUrl);
  const widget = page.locator('lead-relay');
  const visitor = buildVisitor();
  await widget.getByRole('textbox', { name: 'Email' }).pressSequentially(visitor.email);
  const failed = page.evaluate(
    () => new Promise<{ code: string; file?: string }>((resolve) => document.addEventListener('lr-error', (event) => resolve((event as CustomEvent).detail))),
  );
  await widget.locator('[part=button]').click();
  const detail = await failed;
  assert.equal(detail.code, 'chunk_load_failed');
  assert.match(detail.file ?? '', /\/dist\/leadrelay-en-[\w-]+\.js$/);
  assert.ok(blocked >= 1, 'the English pack was requested');
  await page.getByText('Thank you! We will get back to you soon.').waitFor({ timeout: 15_000 });
  await leadInEmulator(visitor);
});

// The embedding pages are what people copy: loading them must move nothing (CLS 0), on a phone and on a wide screen.
// The scripts and the backend answer are held until the page has painted, so the widget and the badge are drawn into a
// page already on screen, as on a slow connection, whatever this machine's speed.
for (const path of ['/script-tag.html', '/app.html']) {
  for (const viewport of [{ width: 390, height: 844 }, { width: 1440, height: 900 }]) {
    test(`${path} moves nothing while it loads (${viewport.width} px): the widget's and the badge's places are held`, async () => {
      const context = await browser.newContext({ viewport, colorScheme: 'light' });
      contexts.push(context);
      const page = await context.newPage();
      let release!: () => void;
      const painted = new Promise<void>((resolve) => (release = resolve));
      await page.route(/\/(dist\/leadrelay\.iife\.js|assets\/app\.js|assets\/inbox-view\.js|demo-api\/backend)$/, async (route) => {
        await painted;
        await route.continue();
      });
      await page.addInitScript(`window.shifts = [];
        new PerformanceObserver((list) => { for (const entry of list.getEntries()) window.shifts.push({ value: entry.value,
          sources: entry.sources.map((source) => source.node && (source.node.nodeName + '.' + source.node.className)) }); })
          .observe({ type: 'layout-shift', buffered: true });`);
      await page.goto(new URL(path, demo.url).href, { waitUntil: 'commit' });
      await page.waitForFunction(() => performance.getEntriesByType('paint').some((entry) => entry.name === 'first-contentful-paint'));
      release();
      await page.waitForFunction(() => document.querySelector('lead-relay')?.shadowRoot?.querySelector('form'));
      await page.locator('demo-backend [data-backend]').waitFor();
      await page.waitForFunction(() => /contact/.test(document.querySelector('demo-inbox .panel__meta')?.textContent ?? ''));
      const shifts = await page.evaluate(`(async () => {
        for (let frame = 0; frame < 3; frame += 1) await new Promise(requestAnimationFrame);
        return window.shifts;
      })()`);
      assert.deepEqual(shifts, []);
    });
  }
}

// The playground's questions endpoint (demo server only): what it refuses, and that a refusal leaves the proxy as it was.
const putQuestions = (file: unknown, headers: Record<string, string> = {}, base = demo.url) =>
  fetch(new URL('/demo-api/questions', base), { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ file }) });
const servedQuestions = async (base = demo.url) => {
  const response = await fetch(new URL('/api/leadrelay/questions?form=default', base));
  return response.ok ? ((await response.json()) as { questions: { name: string; type: string }[] }).questions : [];
};

test('PUT /demo-api/questions gives the demo proxy the file; a bad file, a type clash or another origin is refused and changes nothing', async () => {
  const number = { questions: [{ name: 'seats_demo', type: 'number', label: 'Seats', integer: true }] };
  const applied = await putQuestions(number);
  assert.equal(applied.status, 200);
  assert.deepEqual((await servedQuestions()).map((question) => question.type), ['number']);

  const bad = await putQuestions({ questions: [{ name: 'seats_demo', type: 'select', label: 'Seats' }] });
  assert.equal(bad.status, 400);
  const badError = ((await bad.json()) as { error: { code: string; message: string } }).error;
  assert.equal(badError.code, 'invalid_questions');
  assert.match(badError.message, /Question "seats_demo" is a select question without options/);

  // The emulator holds seats_demo as an integer now: a text question under that attribute would queue every lead.
  const clash = await putQuestions({ questions: [{ name: 'seats_demo', type: 'text', label: 'Seats' }] });
  assert.equal(clash.status, 409);
  const clashError = ((await clash.json()) as { error: { code: string; message: string } }).error;
  assert.equal(clashError.code, 'not_applied');
  assert.match(clashError.message, /"seats_demo" as integer/);

  // Another page (a site the designer visits, or a DNS name rebound to loopback) may not change it.
  const foreign = await putQuestions({ questions: [{ name: 'other', type: 'text', label: 'Other' }] }, { origin: 'https://attacker.example' });
  assert.equal(foreign.status, 403);
  assert.equal(((await foreign.json()) as { error: { code: string } }).error.code, 'foreign_origin');

  assert.deepEqual((await servedQuestions()).map((question) => `${question.name}:${question.type}`), ['seats_demo:number']);
  const cleared = await putQuestions(null, { origin: new URL(demo.url).origin });
  assert.equal(cleared.status, 200);
  assert.deepEqual(await servedQuestions(), []);
});

test('against a real Intercom workspace the playground refuses to try questions: each would create a data attribute there', async () => {
  // A workspace stands in for the real one: the demo calls it Intercom because INTERCOM_ACCESS_TOKEN is set.
  const workspace = await startEmulator({ port: 0 });
  const real = await startDemo({ port: 0, env: { INTERCOM_ACCESS_TOKEN: 'workspace-token', INTERCOM_BASE_URL: workspace.url } });
  try {
    assert.equal(real.backend.kind, 'intercom');
    const response = await putQuestions({ questions: [{ name: 'seats_demo', type: 'number', label: 'Seats' }] }, {}, real.url);
    assert.equal(response.status, 409);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'emulator_only');
    assert.deepEqual(await servedQuestions(real.url), []);
    const created = (await (await fetch(`${workspace.url}/_emulator/requests`)).json()) as { requests: { method: string; path: string; body?: unknown }[] };
    assert.equal(created.requests.some((request) => request.method === 'POST' && request.path.includes('data_attributes') && JSON.stringify(request.body ?? '').includes('seats_demo')), false);
  } finally {
    await real.close();
    await workspace.close();
  }
});
