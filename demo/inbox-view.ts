// The demo's side panel on every page: <demo-backend> (which Intercom), <demo-inbox> (what reached it), <demo-sign-in>.
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { BackendInfo, SignInAnswer } from './demo-api.js';
import type { Inbox, InboxContact, InboxConversation } from './inbox-model.js';

const POLL_MS = 1000;

/** Elements styled by the page's stylesheet (demo.css): no shadow root. */
class LightElement extends LitElement {
  protected override createRenderRoot(): HTMLElement {
    return this;
  }
}

let backendInfo: Promise<BackendInfo> | undefined;
/** GET /demo-api/backend, once per page. */
export function loadBackend(): Promise<BackendInfo> {
  backendInfo ??= fetch('/demo-api/backend').then((response) => response.json() as Promise<BackendInfo>);
  return backendInfo;
}

/** A badge saying which Intercom the proxy talks to: the emulator or the real one. */
export class DemoBackend extends LightElement {
  static override properties = { info: { state: true } };
  private info?: BackendInfo;

  override connectedCallback(): void {
    super.connectedCallback();
    loadBackend().then((info) => (this.info = info), () => undefined);
  }

  override render(): TemplateResult {
    if (!this.info) return html`<span class="badge">Connecting…</span>`;
    // One line that may be cut short on a phone (so the top bar keeps its height): the title holds all of it.
    return html`<span class="badge badge--${this.info.kind}" data-backend=${this.info.kind} title=${`Backend: ${this.info.label}`}
      ><span class="badge__dot" aria-hidden="true"></span>Backend: ${this.info.label}</span
    >`;
  }
}

const isSet = ([, value]: [string, unknown]) => value !== null && value !== undefined && value !== '';

/** LeadRelay's own attributes (page, UTM, submission reference), folded away: details, not what the lead said. */
function attributeRows(attributes: Record<string, unknown>): TemplateResult[] {
  return Object.entries(attributes)
    .filter((entry) => entry[0].startsWith('leadrelay_') && isSet(entry))
    .map(([name, value]) => html`<dt>${name.replace(/^leadrelay_/, '')}</dt><dd>${String(value)}</dd>`);
}

/**
 * The site's own questions' answers (every other custom attribute), shown open with their Intercom type as stored:
 * a number is a number, a tick a boolean, a date Unix seconds, ticked boxes one string.
 */
function answerRows(attributes: Record<string, unknown>): TemplateResult[] {
  return Object.entries(attributes)
    .filter((entry) => !entry[0].startsWith('leadrelay_') && isSet(entry))
    .map(
      ([name, value]) =>
        html`<dt>${name}</dt><dd data-attribute=${name}>${String(value)} <span class="attribute-type">${typeof value === 'string' ? 'text' : typeof value}</span></dd>`,
    );
}

function renderConversation(conversation: InboxConversation): TemplateResult {
  return html`<li class="conversation" data-conversation-id=${conversation.id}>
    <p class="conversation__title">Conversation #${conversation.id}</p>
    <ol class="messages">
      ${conversation.messages.map(
        (message) => html`<li class="message message--${message.author}">
          <span class="message__author">${message.authorName ?? message.author}</span>
          <span class="message__text">${message.text}</span>
        </li>`,
      )}
    </ol>
  </li>`;
}

function renderContact(contact: InboxContact): TemplateResult {
  const attributes = attributeRows(contact.customAttributes);
  const answers = answerRows(contact.customAttributes);
  return html`<li class="contact" data-contact-id=${contact.id} data-role=${contact.role}>
    <div class="contact__head">
      <span class="role role--${contact.role}">${contact.role}</span>
      <strong class="contact__name">${contact.name || contact.email || contact.phone || 'Anonymous'}</strong>
    </div>
    <dl class="contact__facts">
      ${contact.email ? html`<dt>Email</dt><dd>${contact.email}</dd>` : nothing}
      ${contact.phone ? html`<dt>Phone</dt><dd>${contact.phone}</dd>` : nothing}
      ${contact.externalId ? html`<dt>External id</dt><dd>${contact.externalId}</dd>` : nothing}
      ${contact.companies.map((company) => html`<dt>Company</dt><dd class="contact__company" title=${company.companyId}>${company.name}</dd>`)}
      <dt>Contact id</dt><dd class="mono">${contact.id}</dd>
    </dl>
    ${answers.length ? html`<dl class="contact__answers" aria-label="Answers">${answers}</dl>` : nothing}
    ${attributes.length
      ? html`<details class="contact__attributes"><summary>LeadRelay attributes (${attributes.length})</summary><dl>${attributes}</dl></details>`
      : nothing}
    ${contact.conversations.length ? html`<ul class="conversations">${repeat(contact.conversations, (conversation) => conversation.id, renderConversation)}</ul>` : nothing}
  </li>`;
}

/** What reached (emulated) Intercom, polled every second while the page is visible. */
export class DemoInbox extends LightElement {
  static override properties = { inbox: { state: true }, failed: { state: true } };
  private inbox?: Inbox;
  private failed = false;
  private timer?: ReturnType<typeof setTimeout>;
  /** The last answer's text, to tell whether the inbox changed. */
  private lastAnswer?: string;

  // A submission or a sign-in shows up at once, not at the next tick.
  private readonly refresh = () => void this.poll();

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('lr-success', this.refresh);
    addEventListener('lr-converted', this.refresh);
    void this.poll();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('lr-success', this.refresh);
    removeEventListener('lr-converted', this.refresh);
    clearTimeout(this.timer);
  }

  /** Fetch now (after a submission or a sign-in the page asks for it) and keep polling. */
  async poll(): Promise<void> {
    clearTimeout(this.timer);
    try {
      const response = await fetch('/demo-api/inbox', { cache: 'no-store' });
      if (!response.ok) throw new Error(String(response.status));
      // Drawn again only when something changed: a poll a second must not keep the page's main thread busy.
      const text = await response.text();
      if (text !== this.lastAnswer) this.inbox = JSON.parse(text) as Inbox;
      this.lastAnswer = text;
      this.failed = false;
    } catch {
      this.failed = true;
    }
    if (this.isConnected && this.inbox?.available !== false) this.timer = setTimeout(() => void this.poll(), document.hidden ? POLL_MS * 5 : POLL_MS);
  }

  override render(): TemplateResult {
    const contacts = this.inbox?.contacts ?? [];
    return html`<section class="panel inbox" aria-labelledby="inbox-title">
      <header class="panel__head">
        <h2 id="inbox-title">Inbox</h2>
        <span class="panel__meta">${this.inbox?.available === false ? '' : `${contacts.length} contact${contacts.length === 1 ? '' : 's'}`}</span>
      </header>
      <p class="panel__hint">What reached Intercom, live: each contact with its role, phone, attributes and conversations.</p>
      ${this.failed ? html`<p class="notice notice--error" role="alert">The demo server is not answering. Is <code>npm start</code> still running?</p>` : nothing}
      ${this.inbox?.available === false ? html`<p class="notice">${this.inbox.note}</p>` : nothing}
      ${this.inbox?.available && contacts.length === 0 ? html`<p class="empty">Nothing yet. Send the form and watch the lead arrive here.</p>` : nothing}
      <ul class="contacts" aria-live="polite" aria-label="Contacts">
        ${repeat(contacts, (contact) => contact.id, renderContact)}
      </ul>
    </section>`;
  }
}

type ConvertLead = (options: { proxy: string; identity: SignInAnswer['identity'] }) => Promise<unknown>;

/** "Sign in as…": asks the demo server for a user hash, then runs convertLead() so the merge shows in the inbox. */
export class DemoSignIn extends LightElement {
  static override properties = { result: { state: true }, busy: { state: true } };
  /** The convertLead to run; default: `window.LeadRelay.convertLead` (the script-tag bundles set it). */
  convertLead?: ConvertLead;
  /** The resetLead to run for "Forget this browser"; default: `window.LeadRelay.resetLead`. */
  resetLead?: () => void;
  private result?: { ok: boolean; text: string };
  private busy = false;

  private api<T extends 'convertLead' | 'resetLead'>(name: T): DemoSignIn[T] {
    return this[name] ?? ((globalThis as { LeadRelay?: Partial<Pick<DemoSignIn, T>> }).LeadRelay?.[name] as DemoSignIn[T]);
  }

  private async signIn(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const convertLead = this.api('convertLead');
    if (!convertLead) {
      this.result = { ok: false, text: 'convertLead() is not in this build of LeadRelay yet.' };
      return;
    }
    this.busy = true;
    try {
      const response = await fetch('/demo-api/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: data.get('userId'), email: data.get('email') }),
      });
      const answer = (await response.json()) as SignInAnswer & { error?: { message: string } };
      if (!response.ok) throw new Error(answer.error?.message ?? `HTTP ${response.status}`);
      const { proxy } = await loadBackend();
      const result = (await convertLead({ proxy, identity: answer.identity })) as { status?: string; contactId?: string; converted?: boolean; reason?: string } | undefined;
      this.result = { ok: true, text: describeConversion(result) };
    } catch (error) {
      this.result = { ok: false, text: `Sign-in failed: ${(error as Error).message}` };
    } finally {
      this.busy = false;
      document.querySelector<DemoInbox>('demo-inbox')?.poll();
    }
  }

  private forget(): void {
    this.api('resetLead')?.();
    this.result = { ok: true, text: 'This browser forgot its lead: the next submission creates a new one.' };
  }

  override render(): TemplateResult {
    return html`<section class="panel sign-in" aria-labelledby="sign-in-title">
      <header class="panel__head"><h2 id="sign-in-title">Sign in as…</h2></header>
      <p class="panel__hint">
        Plays your app's sign-in: the demo server computes the user hash, then the page calls
        <code>convertLead()</code>. Watch the lead become the user in the inbox.
      </p>
      <form class="sign-in__form" @submit=${this.signIn}>
        <label>User id <input name="userId" autocomplete="off" value="user-42" /></label>
        <label>Email <input name="email" type="email" autocomplete="off" value="ada@example.com" /></label>
        <div class="row">
          <button class="button button--primary" type="submit" ?disabled=${this.busy}>${this.busy ? 'Signing in…' : 'Sign in and convert the lead'}</button>
          <button class="button" type="button" @click=${this.forget}>Forget this browser</button>
        </div>
      </form>
      <p class="sign-in__result ${this.result && !this.result.ok ? 'notice notice--error' : ''}" role="status">${this.result?.text ?? ''}</p>
    </section>`;
  }
}

function describeConversion(result: { status?: string; contactId?: string; converted?: boolean; reason?: string } | undefined): string {
  if (result?.status === 'merged') return `Merged: the lead is now part of user ${result.contactId}.`;
  if (result?.status === 'created') return `Created user ${result.contactId} and merged the lead into it.`;
  if (result?.status === 'converted') return `Converted the Messenger visitor into user ${result.contactId}.`;
  return `Nothing to convert${result?.reason ? ` (${result.reason})` : ''}: send the form first.`;
}

/** In the order they stand on the page, so that one drawn later never pushes down one already drawn. */
const DEMO_ELEMENTS = [
  ['demo-backend', DemoBackend],
  ['demo-sign-in', DemoSignIn],
  ['demo-inbox', DemoInbox],
] as const;

/**
 * Register the demo elements once the page has loaded, each in a task of its own. The panels are the demo's, not the
 * embedding's: they must not add to the main-thread work of the page's first moments, where the widget starts and
 * draws (their places are held in demo.css, so nothing moves when they appear). Resolves once all are defined.
 * Called below, and by app.ts: a bare side-effect import would be tree-shaken.
 */
export async function defineDemoElementsAfterLoad(): Promise<void> {
  if (document.readyState !== 'complete') await new Promise((resolve) => addEventListener('load', resolve, { once: true }));
  for (const [tag, element] of DEMO_ELEMENTS) {
    await new Promise((resolve) => setTimeout(resolve));
    if (!customElements.get(tag)) customElements.define(tag, element);
  }
}

void defineDemoElementsAfterLoad();
