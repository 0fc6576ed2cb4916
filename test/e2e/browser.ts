// Chromium for the end-to-end tests (playwright-core, Debian's /usr/bin/chromium) and the steps a visitor takes on a demo page.
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

const { CHROMIUM, CHROMIUM_FLAGS } = (await import('../../web-test-runner.config.mjs' as string)) as {
  CHROMIUM: string;
  CHROMIUM_FLAGS: string[];
};

export const SCREENSHOTS = 'test-results/screenshots';

export async function launchChromium(): Promise<Browser> {
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}

/** What a visitor types into the widget; fields left undefined are not on that page's form. */
export interface Visitor {
  name: string;
  email: string;
  phone?: string;
  message: string;
}

let counter = 0;
/** A visitor with a unique email, so each test finds its own lead. */
export function buildVisitor(overrides: Partial<Visitor> = {}): Visitor {
  counter += 1;
  const tag = `${Date.now().toString(36)}${counter}`;
  return { name: `Ada Lovelace ${counter}`, email: `ada.${tag}@example.com`, message: `Hello from the e2e test ${tag}`, ...overrides };
}

/** Collects CSP violations, console errors, failed requests and page errors, so a test can assert there were none. */
export function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    // A failed request is reported below with its URL; the console line about it says less.
    if (/^Failed to load resource/.test(message.text())) return;
    if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

/** Type into the widget the way a person does (key by key), send it, and wait for the success message. */
export async function fillAndSend(widget: Locator, visitor: Visitor, consent = false): Promise<void> {
  await widget.getByRole('textbox', { name: /^Name/ }).pressSequentially(visitor.name);
  await widget.getByRole('textbox', { name: /^Email/ }).pressSequentially(visitor.email);
  if (visitor.phone) await widget.getByRole('textbox', { name: /^Phone/ }).pressSequentially(visitor.phone);
  await widget.getByRole('textbox', { name: /^Message/ }).pressSequentially(visitor.message);
  if (consent) await widget.getByRole('checkbox').check();
  await widget.locator('[part=button]').click();
  await widget.getByText(/Thank you/).waitFor({ timeout: 15_000 });
}

/** The inbox card of the contact with this email, once the page's inbox shows it. */
export async function inboxContact(page: Page, email: string, role: 'lead' | 'user'): Promise<Locator> {
  const card = page.locator(`demo-inbox .contact[data-role=${role}]`, { hasText: email });
  await card.waitFor({ timeout: 15_000 });
  return card;
}
