// The <lead-relay> element: its properties, its one state value, and render().
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { LeadField } from '../protocol/wire.js';
import type { SendOutcome } from '../client/proxy-client.js';
import { emit } from './events.js';
import { renderConsent, renderField } from './field-templates.js';
import { FIELD_SPECS, requiredFields, shownFields, type FieldErrors, type LeadValues } from './fields.js';
import { LocalizeController } from './localize-controller.js';
import { en, type MessageKey, type Messages } from './messages.js';
import { OutboxController } from './outbox-controller.js';
import { styles } from './lead-relay.styles.js';

type Submission = typeof import('./submission.js');

/** Where a submission is. One value, so the form can never be "submitting" and "failed" at once. */
export type LeadState = 'idle' | 'submitting' | 'success' | 'error' | 'queued';
/** What `preview-state` can force: the states, plus `invalid` (idle with every check failing). */
export type PreviewState = LeadState | 'invalid';

/**
 * A lead form that posts to a LeadRelay proxy, keeps what was typed, and never loses a submission.
 *
 * @summary A lead-capture form for Intercom, through your LeadRelay proxy.
 * @tag lead-relay
 *
 * @slot heading - Replaces the heading (default: the `heading` attribute or "Get in touch").
 * @slot description - Text under the heading.
 * @slot success - Shown once the submission is accepted, instead of the success message.
 * @slot consent - Rich label for the consent checkbox (links, emphasis); the `consent` attribute is still the text sent.
 *
 * @event {CustomEvent<LeadSubmitDetail>} lr-submit - Before sending, with the filled values; cancel it to stop the send.
 * @event {CustomEvent<LeadSuccessDetail>} lr-success - The proxy accepted the lead: `{status, conversationId}`.
 * @event {CustomEvent<LeadErrorDetail>} lr-error - The proxy refused it: `{code, message, fields?}`; the typed data stays.
 * @event {CustomEvent<LeadQueuedDetail>} lr-queued - The proxy could not be reached; the submission waits in the outbox.
 *
 * @csspart base - The box around everything (background, padding).
 * @csspart form - The form.
 * @csspart heading - The default heading.
 * @csspart field - One field: label, control and error message.
 * @csspart label - A field's label.
 * @csspart input - A text input or the message textarea.
 * @csspart error - A field's error message.
 * @csspart button - The submit button.
 * @csspart status - The live region (sending, error summary, saved-for-later) and the success message.
 * @csspart launcher - The floating button in `launcher` mode.
 * @csspart dialog - The dialog in `launcher` mode.
 * @csspart close - The dialog's close button.
 *
 * @cssproperty --lr-accent - Button and checkbox colour.
 * @cssproperty --lr-on-accent - Text on the accent colour.
 * @cssproperty --lr-text - Text colour.
 * @cssproperty --lr-background - Background of the form.
 * @cssproperty --lr-field-background - Background of inputs.
 * @cssproperty --lr-border - Input border colour.
 * @cssproperty --lr-error - Error text and invalid border colour.
 * @cssproperty --lr-radius - Corner radius.
 * @cssproperty --lr-font - Font shorthand (default: inherited from the page).
 * @cssproperty --lr-spacing - Space between fields and around the form.
 * @cssproperty --lr-focus-ring - box-shadow of the focus ring.
 */
export class LeadRelay extends LitElement {
  static override styles = styles;
  // Declared here rather than with decorators: the decorator helper costs bytes on every visitor's page.
  static override properties = {
    proxy: {},
    fields: {},
    required: {},
    phoneCountry: { attribute: 'phone-country' },
    locale: {},
    heading: {},
    submitLabel: { attribute: 'submit-label' },
    successMessage: { attribute: 'success-message' },
    consent: {},
    mode: { reflect: true },
    theme: { reflect: true },
    previewState: { attribute: 'preview-state' },
    strings: { type: Object },
    state: { state: true, attribute: false },
    consentGiven: { state: true, attribute: false },
    errors: { state: true, attribute: false },
    failure: { state: true, attribute: false },
    dialog: { state: true, attribute: false },
    limits: { state: true, attribute: false },
    open: { state: true, attribute: false },
  };

  /** Base URL of the LeadRelay proxy; the form posts to `${proxy}/leads`. Required. */
  proxy = '';
  /** Fields to show, space-separated, any of `name email phone message`. Email is added if neither email nor phone is. */
  fields = 'name email phone message';
  /** Required fields, space-separated. Default: the first of email/phone shown. One of email or phone is always needed. */
  required = '';
  /** ISO country for phone numbers typed without `+` (default: the region of the page's language, e.g. `en-GB` → GB). */
  phoneCountry = '';
  /** `en`, `de`, `es`, `fr` or `ar` (default: the nearest `lang` attribute, then the browser's language). */
  locale = '';
  /** Heading text. */
  heading = '';
  /** Submit button text. */
  submitLabel = '';
  /** Text shown after a successful submission. */
  successMessage = '';
  /** Text of a required consent checkbox; when set, `{given, text}` is sent with the lead. */
  consent = '';
  /** `inline` (default) or `launcher`: a floating button that opens the form in a dialog. */
  mode: 'inline' | 'launcher' = 'inline';
  /** `light`, `dark`, or `auto` (default: follows prefers-color-scheme). */
  theme: 'light' | 'dark' | 'auto' = 'auto';
  /** Force a state for design review: idle, invalid, submitting, success, error or queued. */
  previewState?: PreviewState;
  /** Per-string overrides, by message key (JSON in the attribute), e.g. `{"submit":"Request a demo"}`. */
  strings?: Partial<Messages>;

  private state: LeadState = 'idle';
  private values: LeadValues = {};
  private consentGiven = false;
  private errors: FieldErrors = {};
  private failure?: MessageKey;
  private dialog?: typeof import('./launcher.js');
  private open = false;
  /** maxlength per field; arrives with the submit code on first interaction (validation enforces the same limits). */
  private limits?: Record<LeadField, number>;

  private readonly l10n = new LocalizeController(this);
  private readonly outbox = new OutboxController(this);
  private startedAt = 0;
  private submitted = false;
  private pendingKey = '';
  private submission?: Promise<Submission>;

  override connectedCallback(): void {
    super.connectedCallback();
    const draft = this.outbox.readDraft();
    if (draft) ({ values: this.values, consent: this.consentGiven, startedAt: this.startedAt } = draft);
  }

  /** @internal Also waits for the locale pack, so tests and pages see translated text after `updateComplete`. */
  protected override async getUpdateComplete(): Promise<boolean> {
    const done = await super.getUpdateComplete();
    await this.l10n.ready;
    return (await super.getUpdateComplete()) && done;
  }

  private get shown(): LeadField[] {
    return shownFields(this.fields);
  }

  private get requiredShown(): LeadField[] {
    return requiredFields(this.required, this.shown);
  }

  /** The state to draw: the real one, or the one `preview-state` forces. */
  private view(): { state: LeadState; errors: FieldErrors; failure?: MessageKey } {
    const preview = this.previewState;
    if (!preview) return { state: this.state, errors: this.errors, failure: this.failure };
    const errors: FieldErrors = {};
    if (preview === 'invalid') {
      for (const field of this.requiredShown) errors[field] = 'required';
      if (this.consent) errors.consent = 'consent_required';
    }
    return { state: preview === 'invalid' ? 'idle' : preview, errors, failure: preview === 'error' ? 'error' : undefined };
  }

  override render(): TemplateResult {
    const { t } = this.l10n;
    const view = this.view();
    const done = view.state === 'success' || view.state === 'queued';
    const content = html`<div class="root" part="base" lang=${this.l10n.lang} dir=${this.l10n.dir}>
      ${done ? this.renderDone(view.state) : this.renderForm(view.state, view.errors, view.failure)}
    </div>`;
    if (this.mode !== 'launcher') return content;
    return html`<button part="launcher" class="launcher" type="button" aria-haspopup="dialog" @click=${this.openDialog}>
        ${t('launcher')}</button
      >${this.open && this.dialog ? this.dialog.renderDialog(content, t('close'), this.closeDialog) : nothing}`;
  }

  private renderDone(state: LeadState): TemplateResult {
    const text = state === 'queued' ? this.l10n.t('queued') : this.successMessage || this.l10n.t('success');
    return html`<div class="done" part="status" role="status" tabindex="-1">
      ${state === 'queued' ? text : html`<slot name="success">${text}</slot>`}
    </div>`;
  }

  private renderForm(state: LeadState, errors: FieldErrors, failure?: MessageKey): TemplateResult {
    const { t } = this.l10n;
    const busy = state === 'submitting';
    const problems = Object.entries(errors) as [LeadField | 'consent', MessageKey][];
    const listed = problems.length > 0 && (this.submitted || !!this.previewState);
    return html`<form part="form" novalidate @submit=${this.submit} @input=${this.onInput} @focusout=${this.onBlur} @focusin=${this.touch}>
      <slot name="heading"><h2 part="heading" id="lr-heading">${this.heading || t('heading')}</h2></slot>
      <slot name="description"></slot>
      ${this.shown.map((field) => renderField(t, field, this.requiredShown.includes(field), errors[field], this.limits?.[field]))}
      ${this.consent ? renderConsent(t, this.consent, this.consentGiven, errors.consent) : nothing}
      <div class="hp" aria-hidden="true"><input name="hp" tabindex="-1" autocomplete="off" /></div>
      <button part="button" type="submit" aria-disabled=${busy ? 'true' : nothing}>
        ${busy ? t('submitting') : this.submitLabel || t('submit')}
      </button>
      <div class="status" part="status" role="status">${failure || listed ? html`<p class="summary">${t(failure ?? 'summary')}</p>` : nothing}${listed
          ? html`<ul class="summary">
              ${problems.map(([field, code]) => html`<li><a href="#lr-${field}" @click=${this.jump}>${field === 'consent' ? '' : t(field) + ': '}${t(code)}</a></li>`)}
            </ul>`
          : nothing}</div>
    </form>`;
  }

  /** First interaction: start the fill clock and fetch the submit code (and ky) while the visitor types. */
  private touch(): Promise<Submission> {
    if (!this.submission) {
      this.startedAt ||= Date.now();
      this.submission = import('./submission.js');
      this.submission.then(
        (module) => {
          this.limits = module.FIELD_MAX;
          module.preloadSend();
        },
        () => (this.submission = undefined),
      );
    }
    return this.submission;
  }

  private onInput(event: Event): void {
    const target = event.target as HTMLInputElement;
    if (target.name === 'hp') return;
    void this.touch();
    if (target.name === 'consent') this.consentGiven = target.checked;
    else this.values = { ...this.values, [target.name]: target.value };
    this.outbox.saveDraft({ values: this.values, consent: this.consentGiven, startedAt: this.startedAt });
  }

  /** After the first submit, each field is checked again as the visitor leaves it. */
  private async onBlur(event: FocusEvent): Promise<void> {
    const name = (event.target as HTMLInputElement).name as LeadField | 'consent';
    if (!this.submitted || !name || !(name in FIELD_SPECS || name === 'consent')) return;
    const code = this.validate(await this.touch())[name];
    const { [name]: before, ...rest } = this.errors;
    if (code !== before) this.errors = code ? { ...rest, [name]: code } : rest;
  }

  private validate(module: Submission): FieldErrors {
    return module.validateForm(this.values, this.shown, this.requiredShown, { asked: !!this.consent, given: this.consentGiven });
  }

  private jump(event: Event): void {
    event.preventDefault();
    this.focusControl((event.currentTarget as HTMLAnchorElement).hash.slice(1));
  }

  private focusControl(id: string): void {
    this.renderRoot.querySelector<HTMLElement>(`#${id}`)?.focus();
  }

  private async submit(event: Event): Promise<void> {
    event.preventDefault();
    if (this.state === 'submitting') return; // the button stays focusable while busy; a second press does nothing
    this.state = 'submitting';
    let module: Submission;
    try {
      module = await this.touch();
    } catch {
      // The submit code could not be fetched (offline before it loaded): nothing was saved, so say "send again".
      this.failure = 'error';
      this.state = 'error';
      return;
    }
    this.submitted = true;
    this.failure = undefined;
    this.errors = this.validate(module);
    const first = Object.keys(this.errors)[0];
    const values = module.filledValues(this.values, this.shown);
    if (first || !emit(this, 'lr-submit', values, true)) {
      this.state = 'idle';
      await this.updateComplete;
      return first ? this.focusControl(`lr-${first}`) : undefined;
    }
    this.pendingKey = module.newKey();
    const hp = this.renderRoot.querySelector<HTMLInputElement>('input[name=hp]')?.value ?? '';
    const consent = { text: this.consent, given: this.consentGiven };
    const body = module.buildLeadRequest({ values, hp, startedAt: this.startedAt, phoneCountry: this.phoneCountry, consent });
    await this.outbox.submit({ key: this.pendingKey, proxy: this.proxy, body, at: Date.now() });
  }

  /**
   * The outbox reports every send; only the one this form is waiting for changes what it shows.
   * @internal
   */
  settle(key: string, outcome: SendOutcome): void {
    if (key !== this.pendingKey) return;
    if (outcome.kind === 'accepted') {
      this.pendingKey = '';
      this.state = 'success';
      this.outbox.clearDraft();
      const { response } = outcome;
      emit(this, 'lr-success', { status: response.status, conversationId: 'conversationId' in response ? response.conversationId : undefined });
    } else if (outcome.kind === 'unreachable') {
      if (this.state === 'queued') return;
      this.state = 'queued';
      this.outbox.clearDraft(); // the outbox holds it now
      emit(this, 'lr-queued', { idempotencyKey: key });
    } else {
      this.pendingKey = '';
      const { error } = outcome;
      const errors: FieldErrors = {};
      for (const [field, code] of Object.entries(error.fields ?? {})) if (code && field in FIELD_SPECS) errors[field as LeadField] = code;
      this.errors = errors;
      this.failure = (error.code in en ? error.code : 'error') as MessageKey;
      this.state = 'error';
      emit(this, 'lr-error', { code: error.code, message: error.message, fields: error.fields });
    }
  }

  protected override updated(changed: PropertyValues): void {
    // Values are written to the controls only when they differ (a restored draft, a reopened dialog): setting an
    // email input's value while someone types in it moves their caret.
    for (const control of this.renderRoot.querySelectorAll<HTMLInputElement>('[part=input]')) {
      const value = this.values[control.name as LeadField] ?? '';
      if (control.value !== value) control.value = value;
    }
    if (changed.has('state')) {
      if (this.state === 'success' || this.state === 'queued') this.renderRoot.querySelector<HTMLElement>('.done')?.focus();
      const first = Object.keys(this.errors)[0];
      if (this.state === 'error' && first) this.focusControl(`lr-${first}`);
    }
    if (changed.has('open') && this.open) this.renderRoot.querySelector('dialog')?.showModal();
  }

  private async openDialog(): Promise<void> {
    if (!this.dialog) {
      const module = await import('./launcher.js');
      this.shadowRoot?.adoptedStyleSheets.push(module.launcherStyles.styleSheet!);
      this.dialog = module;
    }
    this.open = true;
  }

  private readonly closeDialog = (): void => {
    this.renderRoot.querySelector('dialog')?.close();
    this.open = false;
    this.renderRoot.querySelector<HTMLElement>('.launcher')?.focus();
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'lead-relay': LeadRelay;
  }
}

// Guarded: importing in Node (server rendering) or twice (two bundles on one page) must not throw.
if (globalThis.customElements && !customElements.get('lead-relay')) customElements.define('lead-relay', LeadRelay);
