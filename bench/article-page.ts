// The article page of issue 12 (text above and below the form, a phone's viewport) and how CLS is read on it.
import type { Page } from 'playwright-core';

/** The viewport of the measurements (a common phone). */
export const PHONE = { width: 412, height: 823 };

export const ARTICLE_CSS = `body { margin: 0 auto; max-width: 40rem; padding: 1rem; font: 16px/1.5 system-ui, sans-serif }
p { margin: 0 0 1rem }`;

const PARAGRAPH =
  'LeadRelay keeps your Intercom token on your server. This paragraph stands for the article around the form: the ' +
  'text a reader is reading when the form arrives, and which must not move under their eyes.';

/** A page with paragraphs above and below `form`, its CSS at /article.css; `head` holds the script tag, if any. */
export function articlePage(form: string, options: { head?: string; lang?: string } = {}): string {
  const paragraphs = (n: number) => Array.from({ length: n }, () => `<p>${PARAGRAPH}</p>`).join('\n');
  return `<!doctype html><html lang="${options.lang ?? 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Article</title>
<link rel="stylesheet" href="/article.css">${options.head ?? ''}</head>
<body><h1>An article</h1>
${paragraphs(2)}
${form}
${paragraphs(6)}
</body></html>`;
}

/**
 * An init script (`page.addInitScript`): sums layout shifts not caused by input, collects CSP violations, and counts
 * frames in which an inline <lead-relay> shows no form (`blankFrames`), from the page's first byte. A frame drawn while
 * the element's own markup is still on its way (the parser stopped before or inside its `<template shadowrootmode>`,
 * whose shadow root exists from the start tag on: a loaded machine, or the network) is page loading, not a take-over:
 * counted only once the parser has passed the element. A string, because tsx's helpers (`__name`) do not exist in the page.
 */
export const WATCH_LAYOUT = `window.cls = 0; window.violations = [];
window.addShifts = (entries) => { for (const entry of entries) if (!entry.hadRecentInput) window.cls += entry.value; };
window.shifts = new PerformanceObserver((list) => window.addShifts(list.getEntries()));
window.shifts.observe({ type: 'layout-shift', buffered: true });
document.addEventListener('securitypolicyviolation', (event) => window.violations.push(event.violatedDirective + ' ' + event.blockedURI));
window.blankFrames = 0;
const lookForForm = () => {
  const element = document.querySelector('lead-relay');
  const parsed = element && (element.nextSibling || document.readyState !== 'loading');
  if (parsed && element.getAttribute('mode') !== 'launcher' && !element.shadowRoot?.querySelector('form')) window.blankFrames += 1;
  requestAnimationFrame(lookForForm);
};
requestAnimationFrame(lookForForm);`;

/** The element drew its own form (or launcher button): the prerendered nodes and their <style> are gone. */
export async function widgetSettled(page: Page, launcher = false): Promise<void> {
  await page.waitForFunction(
    `(() => { const root = document.querySelector('lead-relay')?.shadowRoot;
      return !!customElements.get('lead-relay') && !!root?.querySelector(${JSON.stringify(launcher ? '.launcher' : 'form')}) && !root.querySelector('style'); })()`,
  );
}

/** CLS so far, CSP violations and blank frames, read three frames after the call with pending entries flushed. */
export async function settledLayout(page: Page): Promise<{ cls: number; violations: string[]; blankFrames: number }> {
  return page.evaluate(`(async () => {
    for (let frame = 0; frame < 3; frame += 1) await new Promise(requestAnimationFrame);
    window.addShifts(window.shifts.takeRecords());
    return { cls: window.cls, violations: window.violations, blankFrames: window.blankFrames };
  })()`);
}
