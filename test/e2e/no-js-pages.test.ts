// The pages a form posted without JavaScript gets (thank-you, what to fix), checked with axe in Chromium, light and dark, English and Arabic.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startStack, type Stack } from '../proxy/harness.js';
import { launchChromium } from './browser.js';

const SITE = 'https://shop.example';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let stack: Stack;
let browser: Browser;

before(async () => {
  stack = await startStack({ origins: { allowed: [SITE] } });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await stack?.close();
});

/** The page the proxy answers a form post with. */
async function answerPage(fields: Record<string, string>): Promise<{ status: number; html: string }> {
  const response = await stack.send('/leads', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE, referer: `${SITE}/contact` },
    body: new URLSearchParams({ name: 'Ada', message: 'Hello there.', hp: '', ...fields }).toString(),
  });
  return { status: response.status, html: response.text };
}

interface AxeResult {
  violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
}

/** axe's violations on `html`, light then dark: one page (axe injected once), its colour scheme switched between runs. */
async function axeViolations(html: string): Promise<Record<'light' | 'dark', string[]>> {
  // axe runs as a script, so this context has JavaScript; the page itself has none.
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.setContent(html);
    await page.addScriptTag({ path: AXE });
    const found = { light: [] as string[], dark: [] as string[] };
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      assert.equal(await page.evaluate(`matchMedia('(prefers-color-scheme: ${colorScheme})').matches`), true, `the page is in ${colorScheme}`);
      const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as AxeResult;
      found[colorScheme] = result.violations.map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
    }
    return found;
  } finally {
    await context.close();
  }
}

describe('the pages a form posted without JavaScript gets', () => {
  for (const locale of ['en', 'ar']) {
    test(`the thank-you page and the what-to-fix page have no axe violations, light and dark (${locale})`, async () => {
      const thanks = await answerPage({ email: `axe.${locale}.${Date.now()}@example.com`, locale });
      assert.equal(thanks.status, 201);
      const refusal = await answerPage({ email: 'not-an-email', locale });
      assert.equal(refusal.status, 400);
      const [thanksFound, refusalFound] = [await axeViolations(thanks.html), await axeViolations(refusal.html)];
      for (const scheme of ['light', 'dark'] as const) {
        assert.deepEqual(thanksFound[scheme], [], `thank-you page, ${scheme}`);
        assert.deepEqual(refusalFound[scheme], [], `what-to-fix page, ${scheme}`);
      }
    });
  }
});
