// Every piece of text the widget shows, in every state and both themes, at 4.5:1 or more (WCAG 2 AA, normal text):
// computed styles in Chromium, with the backgrounds and any opacity of the element and its ancestors composited.
import { expect, html } from '@open-wc/testing';
import type { LeadRelay } from '../../src/index.js';
import { forgetStorage, renderWidget } from './helpers.js';

type Rgba = [number, number, number, number];

function parseColor(text: string): Rgba {
  const match = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(text);
  if (!match) throw new Error(`cannot read colour ${text}`);
  return [Number(match[1]), Number(match[2]), Number(match[3]), match[4] === undefined ? 1 : Number(match[4])];
}

/** `top` painted over `bottom` (source-over). */
function over(top: Rgba, bottom: Rgba): Rgba {
  const alpha = top[3] + bottom[3] * (1 - top[3]);
  if (alpha === 0) return [0, 0, 0, 0];
  const channel = (i: number) => (top[i]! * top[3] + bottom[i]! * bottom[3] * (1 - top[3])) / alpha;
  return [channel(0), channel(1), channel(2), alpha];
}

function parentOf(element: Element): Element | null {
  return element.parentElement ?? ((element.getRootNode() as ShadowRoot).host ?? null);
}

/** What a pixel of `paint` (drawn inside `element`, above its background) looks like on screen: each ancestor's
 * background under it, each ancestor's opacity applied to its whole group, the white page at the bottom. */
function seen(element: Element | null, paint: Rgba): Rgba {
  if (!element) return over(paint, [255, 255, 255, 1]);
  const style = getComputedStyle(element);
  const painted = over(paint, parseColor(style.backgroundColor));
  return seen(parentOf(element), [painted[0], painted[1], painted[2], painted[3] * Number(style.opacity)]);
}

function luminance([r, g, b]: Rgba): number {
  const linear = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

function ratio(a: Rgba, b: Rgba): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** Drawn: not hidden, and taking room (a text node's own box: its parent may be a `display: contents` slot). */
function visible(element: Element, content: Node): boolean {
  const range = document.createRange();
  range.selectNodeContents(content);
  const box = content === element ? element.getBoundingClientRect() : range.getBoundingClientRect();
  return getComputedStyle(element).visibility === 'visible' && box.width > 1 && box.height > 1;
}

/** Every element showing text in the widget (text nodes' parents, and filled inputs), with its contrast. */
function textContrasts(el: LeadRelay): { what: string; ratio: number }[] {
  const root = el.shadowRoot!;
  const holders = new Map<Element, Node>();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.textContent?.trim() && node.parentElement && !node.parentElement.closest('style')) holders.set(node.parentElement, node);
  }
  for (const control of root.querySelectorAll<HTMLInputElement>('[part=input]')) if (control.value) holders.set(control, control);
  return [...holders]
    .filter(([element, content]) => visible(element, content) && !element.closest('.hp'))
    .map(([element]) => element)
    .map((element) => ({
      what: `${element.tagName.toLowerCase()}${element.className ? '.' + element.className : ''} "${(element.textContent || (element as HTMLInputElement).value).trim().slice(0, 30)}"`,
      ratio: ratio(seen(element, parseColor(getComputedStyle(element).color)), seen(element, [0, 0, 0, 0])),
    }));
}

const STATES = ['idle', 'focused', 'invalid', 'submitting', 'success', 'queued', 'error'] as const;

describe('<lead-relay> contrast', () => {
  beforeEach(forgetStorage);

  for (const theme of ['light', 'dark'] as const) {
    for (const state of STATES) {
      // `submitting` is also the disabled look: the button is aria-disabled while a submission is on its way.
      it(`${state}${state === 'submitting' ? ' (busy, aria-disabled button)' : ''}, ${theme} theme: every text at 4.5:1 or more`, async () => {
        const preview = state === 'focused' ? undefined : state === 'idle' ? undefined : state;
        const el = await renderWidget(
          html`<lead-relay proxy="https://proxy.example" theme=${theme} consent="I agree to be contacted." preview-state=${preview ?? ''}></lead-relay>`,
        );
        if (!preview) el.removeAttribute('preview-state');
        await el.updateComplete;
        // Filled fields, so their text is measured too (not in the done states: the form is hidden under the box).
        for (const control of el.shadowRoot!.querySelectorAll<HTMLInputElement>('[part=input]')) control.value = 'Ada Lovelace';
        if (state === 'focused') el.shadowRoot!.querySelector<HTMLInputElement>('#lr-email')!.focus();
        await Promise.all(el.shadowRoot!.getAnimations().map((animation) => animation.finished));
        const measured = textContrasts(el);
        expect(measured.length, 'text was found to measure').to.be.greaterThan(state === 'success' || state === 'queued' ? 0 : 5);
        if (state === 'submitting') expect(measured.map((item) => item.what).join(' ')).to.contain('Sending');
        if (state === 'error' || state === 'invalid') expect(measured.some((item) => item.what.includes('summary'))).to.equal(true);
        const low = measured.filter((item) => item.ratio < 4.5).map((item) => `${item.what}: ${item.ratio.toFixed(2)}:1`);
        expect(low, `below 4.5:1 in ${state}, ${theme}`).to.deep.equal([]);
      });
    }
  }
});
