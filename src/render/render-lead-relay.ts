// Node only (`leadrelay/render`): the prerendered snippet, <lead-relay> drawn by Lit's SSR from the element's own code.
//
// The form it draws is a real form, `<form method="post" action="${proxy}/leads">`, that works before and without
// JavaScript. Its field names are the wire names of POST /leads (src/protocol/wire.ts), sent as
// application/x-www-form-urlencoded:
//   name, email, phone, message   the fields shown (text; empty ones are sent empty)
//   consent                       only when the consent box is ticked; its value is the consent text
//   hp                            the honeypot (hidden off-screen; people leave it empty)
//   locale                        hidden: the form's language (en, de, es, fr, ar), for the answer page
//   success_url                   hidden, only with the `success-url` attribute: where to go after a 303
//   phoneCountry                  hidden, only with the `phone-country` attribute
//   page                          hidden, only with the `page` option: the page's path or URL (see below)
//   <question name>               with the `questions` option: each question of the form under its name (a ticked
//                                 checkbox `on`, checkboxes the name once per ticked box; hidden ones are not drawn)
//   form, questions               hidden, with `questions`: the form's name and the hash of its definition
// There is no elapsedMs on this path: the fill time needs JavaScript.
import { createHash } from 'node:crypto';
import { LitElementRenderer, render } from '@lit-labs/ssr';
import { collectResult } from '@lit-labs/ssr/lib/render-result.js';
import { html, unsafeStatic } from 'lit/static-html.js';
import { LeadRelay } from '../widget/lead-relay.js';
import { baseLocale, loadMessages } from '../widget/messages.js';
import { addQuestionsMarkup, questionsForRender } from './render-questions.js';

/** Every attribute <lead-relay> reads, as written in HTML. */
export const LEAD_RELAY_ATTRIBUTES = [
  'proxy',
  'fields',
  'required',
  'phone-country',
  'locale',
  'heading',
  'submit-label',
  'success-message',
  'success-url',
  'consent',
  'mode',
  'theme',
  'preview-state',
  'strings',
  'id',
  'form',
  'captcha',
  'turnstile-site-key',
] as const;
export type LeadRelayAttribute = (typeof LEAD_RELAY_ATTRIBUTES)[number];
export type LeadRelayAttributes = Partial<Record<LeadRelayAttribute, string>> & {
  proxy: string;
  /**
   * Not an attribute: the page the snippet goes on (`/contact.html`, or its full URL), posted as a hidden `page`
   * field so a lead sent without JavaScript records its page. Browsers tell a proxy on another origin only the
   * site's origin (their default Referrer-Policy), and the proxy records no page rather than that one.
   */
  page?: string;
  /**
   * Not an attribute: the proxy's questions file (its parsed JSON, as `LEADRELAY_QUESTIONS` holds it). The form the
   * `form` attribute names (the default one without it) is drawn into the snippet and works without JavaScript.
   */
  questions?: unknown;
};

/** The snippet, and what a page under a Content-Security-Policy must allow for it. */
export interface PrerenderedLeadRelay {
  html: string;
  /** Sources to add to `style-src` (the hash of the snippet's one `<style>` element), e.g. `'sha256-…'`. */
  styleSrc: string[];
}

// The server has no page: the element learns its locale from the attribute, which renderLeadRelay always sets.
// Lit's SSR skips controllers' hostUpdate, so the locale is picked here, before render().
LitElementRenderer.renderOptions.push((element) => {
  if (element instanceof LeadRelay) element.l10n.hostUpdate();
  return undefined;
});

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Lit's SSR markers are for hydration, which the element does not do (it swaps the prerendered nodes instead). */
function stripMarkers(text: string): string {
  return text.replace(/<!--\/?lit-(?:part|node)[^>]*-->/g, '').replace(/<template shadowroot="open" /, '<template ');
}

/**
 * The element's form is `novalidate` because it shows its own messages; without JavaScript nobody would, so the
 * snippet's form lets the browser refuse an empty required field or an unticked required consent box itself.
 */
function letBrowserValidate(text: string): string {
  return text.replace(/(<form part="form"[^>]*?) novalidate(?:="[^"]*")?/, '$1');
}

/** The same rules, fewer bytes: the bundle's CSS is minified the same way (rollup.config.mjs). */
function minifyStyle(text: string): string {
  return text.replace(/<style>([^<]*)<\/style>/, (_, css: string) => `<style>${css.replace(/\s*\n\s*/g, ' ').replace(/\s*([{};:,>])\s*/g, '$1').trim()}</style>`);
}

/** A path (`/contact.html`) or an http(s) URL, in URL characters only (RFC 3986): it is written into the page's HTML. */
const URL_CHARS = "[A-Za-z0-9\\-._~!$&'()*+,;=:@%/?#\\[\\]]*";
const PAGE_PATH = new RegExp(`^/(?!/)${URL_CHARS}$`);
const PAGE_URL = new RegExp(`^https?://[A-Za-z0-9.\\-]+(?::\\d+)?(?:/${URL_CHARS})?$`);
function checkPage(page: string): void {
  const ok = PAGE_PATH.test(page) || PAGE_URL.test(page);
  if (!ok) throw new TypeError('`page` must be the page\'s path, e.g. /contact.html, or its full http(s) URL');
}

/** Right after the form's opening tag: a field the proxy reads, not one the element draws. */
function addPageField(text: string, page: string): string {
  return text.replace(/(<form part="form"[^>]*>)/, `$1<input type="hidden" name="page" value="${escapeAttribute(page)}">`);
}

function check(attributes: LeadRelayAttributes): void {
  if (attributes.page !== undefined) checkPage(attributes.page);
  for (const name of Object.keys(attributes)) {
    if (name === 'page' || name === 'questions') continue;
    if (!(LEAD_RELAY_ATTRIBUTES as readonly string[]).includes(name)) {
      throw new TypeError(`<lead-relay> has no attribute "${name}" (it has: ${LEAD_RELAY_ATTRIBUTES.join(', ')})`);
    }
  }
  if (!attributes.proxy) throw new TypeError('`proxy` is required: the base URL of your LeadRelay proxy');
  if (attributes.strings !== undefined) JSON.parse(attributes.strings); // a SyntaxError names the problem
}

/**
 * The snippet and its CSP sources. `locale` defaults to `en` and is always written out: the prerendered words are in
 * that language, and the element keeps them.
 */
export async function prerenderLeadRelay(attributes: LeadRelayAttributes): Promise<PrerenderedLeadRelay> {
  check(attributes);
  // No trailing slash: the form's action is `${proxy}/leads` (the widget's own calls tolerate one; a form cannot).
  const { page, questions: file, ...elementAttributes } = attributes;
  const questions = file === undefined ? undefined : questionsForRender(file, attributes.form);
  const all: Record<string, string | undefined> = {
    ...elementAttributes,
    proxy: attributes.proxy.replace(/\/+$/, ''),
    locale: attributes.locale || 'en',
    ...(questions ? { form: questions.form.name } : {}),
  };
  await loadMessages(baseLocale(all.locale)); // the pack, so the first render has this language's words
  const written = Object.entries(all)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`)
    .join('');
  const rendered = await collectResult(
    render(questions ? html`<lead-relay${unsafeStatic(written)} .questionsForm=${questions.form} .questionsView=${questions.view}></lead-relay>` : html`<lead-relay${unsafeStatic(written)}></lead-relay>`),
  );
  const minified = minifyStyle(letBrowserValidate(stripMarkers(rendered))).replace(/<lead-relay\s+/, '<lead-relay ');
  const drawn = questions ? addQuestionsMarkup(minified, questions) : minified;
  const snippet = page === undefined ? drawn : addPageField(drawn, page);
  const styles = [...snippet.matchAll(/<style>([^<]*)<\/style>/g)].map((match) => match[1]);
  const styleSrc = styles.map((css) => `'sha256-${createHash('sha256').update(css).digest('base64')}'`);
  return { html: snippet, styleSrc };
}

/** `<lead-relay …><template shadowrootmode="open">…</template></lead-relay>`, in the `locale`'s words. */
export async function renderLeadRelay(attributes: LeadRelayAttributes): Promise<string> {
  return (await prerenderLeadRelay(attributes)).html;
}
