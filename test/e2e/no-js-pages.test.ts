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

async function axeViolations(html: string, colorScheme: 'light' | 'dark'): Promise<string[]> {
  // axe runs as a script, so this context has JavaScript; the page itself has none.
  const context = await browser.newContext({ colorScheme });
  try {
    const page = await context.newPage();
    await page.setContent(html);
    await page.addScriptTag({ path: AXE });
    const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as AxeResult;
    return result.violations.map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
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
      for (const scheme of ['light', 'dark'] as const) {
        assert.deepEqual(await axeViolations(thanks.html, scheme), [], `thank-you page, ${scheme}`);
        assert.deepEqual(await axeViolations(refusal.html, scheme), [], `what-to-fix page, ${scheme}`);
      }
    });
  }
});
