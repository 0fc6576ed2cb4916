// Browser test helpers: a scenario on the mock proxy, polling with a deadline, and finding things as a person would.
import { fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/index.js';
import type { LeadRelay } from '../../src/index.js';
import { LIMITS } from '../../src/protocol/wire.js';

export interface RecordedRequest {
  headers: Record<string, string>;
  body: Record<string, unknown>;
  status: number;
}

export interface ScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** A fresh scenario on the mock proxy; `url` goes in the widget's `proxy` attribute. */
export function mockProxy(origin = location.origin) {
  const base = `${origin}/mock-proxy/${crypto.randomUUID()}`;
  const control = (change: object) =>
    fetch(`${base.replace(origin, location.origin)}/_control`, { method: 'POST', body: JSON.stringify(change) });
  return {
    url: base,
    respond: (...responses: ScriptedResponse[]) => control({ responses }),
    goDown: () => control({ down: true }),
    comeBack: () => control({ down: false }),
    async requests(): Promise<{ requests: RecordedRequest[]; attempts: number }> {
      return (await fetch(`${base.replace(origin, location.origin)}/_requests`)).json();
    },
  };
}

/** Poll `check` until it returns something truthy; fail after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 8000): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}

/** How far each window's clock (`Date.now`) has been moved forward by `fillTimePassed`. */
const clockAhead = new WeakMap<Window, number>();

/**
 * Move the page's clock (`Date.now`, which the widget reads) forward by the minimum fill time, as if the visitor had
 * spent that long on the form, so pressing Send next does not wait it out for real: the widget holds a submission until
 * LIMITS.minFillMs has passed since the first interaction. `win` is another same-origin window (an iframe's page).
 */
export function fillTimePassed(win: Window = window): void {
  const PageDate = (win as unknown as { Date: DateConstructor }).Date;
  if (!clockAhead.has(win)) {
    const realNow = PageDate.now.bind(PageDate);
    PageDate.now = () => realNow() + clockAhead.get(win)!;
  }
  clockAhead.set(win, (clockAhead.get(win) ?? 0) + LIMITS.minFillMs);
}

/** Render a widget and wait until it (and its locale pack) has rendered. */
export async function renderWidget(template: ReturnType<typeof html>): Promise<LeadRelay> {
  const el = await fixture<LeadRelay>(template);
  await el.updateComplete;
  return el;
}

function root(el: LeadRelay): ShadowRoot {
  return el.shadowRoot!;
}

/** The form control whose label reads `text` (as a screen reader would find it). */
export function getByLabel(el: LeadRelay, text: string): HTMLInputElement {
  for (const label of root(el).querySelectorAll('label')) {
    if (label.textContent?.trim() === text && label.control) return label.control as HTMLInputElement;
  }
  throw new Error(`no control labelled "${text}"`);
}

export function getButton(el: LeadRelay, text: string): HTMLButtonElement {
  const button = [...root(el).querySelectorAll('button')].find((b) => b.textContent?.trim() === text);
  if (!button) throw new Error(`no button "${text}"`);
  return button;
}

/** The element with role=status that is shown (the live region or the success/queued message). */
export function statusText(el: LeadRelay): string {
  return [...root(el).querySelectorAll('[role=status]')].map((node) => node.textContent?.trim()).join(' ').trim();
}

/** The error message tied to a control by aria-describedby. */
export function errorFor(el: LeadRelay, control: HTMLElement): string | undefined {
  const id = control.getAttribute('aria-describedby');
  return id ? root(el).getElementById(id)?.textContent?.trim() : undefined;
}

/** Focus a field and type into it with real key events. */
export async function typeInto(control: HTMLElement, text: string): Promise<void> {
  control.focus();
  await sendKeys({ type: text });
}

/**
 * Wait for the CSS transitions in the widget to finish (the button fades back from its busy look in 0.2 s), so axe
 * judges the colours a visitor sees at rest rather than a frame of the fade.
 */
export async function transitionsDone(el: LeadRelay): Promise<void> {
  await Promise.all(root(el).getAnimations().map((animation) => animation.finished.catch(() => undefined)));
}

export function activeElement(el: LeadRelay): Element | null {
  return root(el).activeElement;
}

export function forgetStorage(): void {
  localStorage.clear();
  sessionStorage.clear();
}

/** Load the classic script-tag bundle (`npm run build` makes it) the way a page does, and wait for it. */
export function loadClassicBundle(): Promise<unknown> {
  const script = document.createElement('script');
  script.src = '/dist/leadrelay.iife.js';
  const loaded = new Promise((resolve, reject) => {
    script.onload = resolve;
    script.onerror = reject;
  });
  document.head.append(script);
  return loaded;
}
