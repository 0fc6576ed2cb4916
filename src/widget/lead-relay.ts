// The <lead-relay> element: its properties, its one state value, and render().
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { LIMITS, type LeadField, type LeadRequest } from '../protocol/wire.js';
import { readLeadToken } from '../client/lead-session.js';
import { preloadClient, type SendOutcome } from '../client/proxy-client.js';
import { emit } from './events.js';
import { FIELD_SPECS, filledValues, requiredFields, shownFields, validateForm, type FieldErrors, type LeadValues } from './fields.js';
import { LocalizeController } from './localize-controller.js';
import { en, type MessageKey, type Messages } from './messages.js';
import { OutboxController } from './outbox-controller.js';
import { defaultPhoneCountry, readPageContext, readUtm } from './page-context.js';
import { styles } from './lead-relay.styles.js';

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
 * @cssproperty --lr-muted - Secondary text colour.
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

  /** Base URL of the LeadRelay proxy; the form posts to `${proxy}/leads`. Required. */
  @property() proxy = '';
  /** Fields to show, space-separated, any of `name email phone message`. Email is added if neither email nor phone is. */
  @property() fields = 'name email phone message';
  /** Required fields, space-separated. Default: the first of email/phone shown. One of email or phone is always needed. */
  @property() required = '';
  /** ISO country for phone numbers typed without `+` (default: the region of the page's language, e.g. `en-GB` → GB). */
  @property({ attribute: 'phone-country' }) phoneCountry = '';
  /** `en`, `de`, `es`, `fr` or `ar` (default: the nearest `lang` attribute, then the browser's language). */
  @property() locale = '';
  /** Heading text. */
  @property() heading = '';
  /** Submit button text. */
  @property({ attribute: 'submit-label' }) submitLabel = '';
  /** Text shown after a successful submission. */
  @property({ attribute: 'success-message' }) successMessage = '';
  /** Text of a required consent checkbox; when set, `{given, text}` is sent with the lead. */
  @property() consent = '';
  /** `inline` (default) or `launcher`: a floating button that opens the form in a dialog. */
  @property({ reflect: true }) mode: 'inline' | 'launcher' = 'inline';
  /** `light`, `dark`, or `auto` (default: follows prefers-color-scheme). */
  @property({ reflect: true }) theme: 'light' | 'dark' | 'auto' = 'auto';
  /** Force a state for design review: idle, invalid, submitting, success, error or queued. */
  @property({ attribute: 'preview-state' }) previewState?: PreviewState;
  /** Per-string overrides, by message key (JSON in the attribute), e.g. `{"submit":"Request a demo"}`. */
  @property({ type: Object }) strings?: Partial<Messages>;

  @state() private state: LeadState = 'idle';
  @state() private values: LeadValues = {};
  @state() private consentGiven = false;
  @state() private errors: FieldErrors = {};
  @state() private failure?: MessageKey;
  @state() private dialog?: typeof import('./launcher.js');
  @state() private open = false;

  private readonly l10n = new LocalizeController(this);
  private readonly outbox = new OutboxController(this);
  private startedAt = 0;
  private submitted = false;
  private pendingKey = '';

  override connectedCallback(): void {
    super.connectedCallback();
    const draft = this.outbox.readDraft();
    if (draft) ({ values: this.values, consent: this.consentGiven, startedAt: this.startedAt } = draft);
  }

  protected override async getUpdateComplete(): Promise<boolean> {
    const done = await super.getUpdateComplete();
    await this.l10n.ready;
    return (await super.getUpdateComplete()) && done;
  }

  private get shown(): LeadField[] {
    return shownFields(this.fields);
  }

  /** The state to draw: the real one, or the one `preview-state` forces. */
  private view(): { state: LeadState; errors: FieldErrors; failure?: MessageKey } {
    const preview = this.previewState;
    if (!preview) return { state: this.state, errors: this.errors, failure: this.failure };
    const errors = preview === 'invalid' ? validateForm({}, this.shown, requiredFields(this.required, this.shown), { asked: !!this.consent, given: false }) : {};
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
    const required = requiredFields(this.required, this.shown);
    const problems = Object.entries(errors) as [LeadField | 'consent', MessageKey][];
    const showSummary = problems.length > 0 && (this.submitted || !!this.previewState);
    return html`<form part="form" novalidate @submit=${this.submit} @input=${this.onInput} @focusout=${this.onBlur} @focusin=${this.touch}>
      <slot name="heading"><h2 part="heading" id="lr-heading">${this.heading || t('heading')}</h2></slot>
      <slot name="description"></slot>
      ${this.shown.map((field) => this.renderField(field, required.includes(field), errors[field]))}
      ${this.consent ? this.renderConsent(errors.consent) : nothing}
      <div class="hp" aria-hidden="true"><input name="hp" tabindex="-1" autocomplete="off" /></div>
      <button part="button" type="submit" aria-disabled=${busy ? 'true' : nothing}>
        ${busy ? t('submitting') : this.submitLabel || t('submit')}
      </button>
      <div class="status" part="status" role="status">
        ${failure ? html`<p class="summary">${t(failure)}</p>` : nothing}
        ${showSummary && !failure ? html`<p class="summary">${t('summary')}</p>` : nothing}
        ${showSummary
          ? html`<ul class="summary">
              ${problems.map(([field, code]) => html`<li><a href="#lr-${field}" @click=${this.jump}>${field === 'consent' ? '' : t(field) + ': '}${t(code)}</a></li>`)}
            </ul>`
          : nothing}
      </div>
    </form>`;
  }

  private renderField(field: LeadField, required: boolean, error?: MessageKey): TemplateResult {
    const spec = FIELD_SPECS[field];
    const id = `lr-${field}`;
    const attrs = { error: error ? 'true' : nothing, describedby: error ? `${id}-error` : nothing };
    const control =
      spec.type === 'textarea'
        ? html`<textarea part="input" id=${id} name=${field} maxlength=${spec.max} ?required=${required} aria-invalid=${attrs.error} aria-describedby=${attrs.describedby} .value=${this.values[field] ?? ''}></textarea>`
        : html`<input part="input" id=${id} name=${field} type=${spec.type} autocomplete=${spec.autocomplete ?? nothing} inputmode=${spec.inputmode ?? nothing} maxlength=${spec.max} ?required=${required} aria-invalid=${attrs.error} aria-describedby=${attrs.describedby} .value=${this.values[field] ?? ''} />`;
    return html`<div class="field" part="field">
      <label part="label" for=${id}>${this.l10n.t(field)}</label>${control}
      ${error ? html`<p class="error" part="error" id="${id}-error">${this.l10n.t(error)}</p>` : nothing}
    </div>`;
  }

  private renderConsent(error?: MessageKey): TemplateResult {
    return html`<div class="field" part="field">
      <label class="consent" part="label"><input type="checkbox" id="lr-consent" name="consent" required .checked=${this.consentGiven} aria-invalid=${error ? 'true' : nothing} aria-describedby=${error ? 'lr-consent-error' : nothing} /><slot name="consent">${this.consent}</slot></label>
      ${error ? html`<p class="error" part="error" id="lr-consent-error">${this.l10n.t(error)}</p>` : nothing}
    </div>`;
  }

  /** First interaction: start the fill clock and fetch ky while the visitor types. */
  private touch(): void {
    if (this.startedAt) return;
    this.startedAt = Date.now();
    preloadClient();
  }

  private onInput(event: Event): void {
    const target = event.target as HTMLInputElement;
    if (target.name === 'hp') return;
    this.touch();
    if (target.name === 'consent') this.consentGiven = target.checked;
    else this.values = { ...this.values, [target.name]: target.value };
    this.outbox.saveDraft({ values: this.values, consent: this.consentGiven, startedAt: this.startedAt });
  }

  /** After the first submit, each field is checked again as the visitor leaves it. */
  private onBlur(event: FocusEvent): void {
    const name = (event.target as HTMLInputElement).name as LeadField | 'consent';
    if (!this.submitted || !name || name === ('hp' as string)) return;
    const code = this.validate()[name];
    if (code !== this.errors[name]) this.errors = { ...this.errors, [name]: code };
    if (!code) delete this.errors[name];
  }

  private validate(): FieldErrors {
    return validateForm(this.values, this.shown, requiredFields(this.required, this.shown), { asked: !!this.consent, given: this.consentGiven });
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
    this.touch();
    this.submitted = true;
    this.failure = undefined;
    this.errors = this.validate();
    const first = Object.keys(this.errors)[0];
    if (first) {
      this.state = 'idle';
      await this.updateComplete;
      return this.focusControl(`lr-${first}`);
    }
    const values = filledValues(this.values, this.shown);
    if (!emit(this, 'lr-submit', values, true)) return;
    this.pendingKey = newKey();
    this.state = 'submitting';
    await this.outbox.submit({ key: this.pendingKey, proxy: this.proxy, body: this.buildBody(values), at: Date.now() });
  }

  /** The `POST /leads` body: only shown, filled fields, plus the visit's context. */
  private buildBody(values: LeadValues): LeadRequest {
    const hp = this.renderRoot.querySelector<HTMLInputElement>('input[name=hp]')?.value ?? '';
    const body: LeadRequest = { ...values, hp, elapsedMs: Date.now() - this.startedAt };
    const country = this.phoneCountry || defaultPhoneCountry();
    if (values.phone && country) body.phoneCountry = country.toUpperCase();
    if (this.consent) body.consent = { given: this.consentGiven, text: this.consent.slice(0, LIMITS.consentText.max) };
    body.page = readPageContext();
    const utm = readUtm();
    if (utm) body.utm = utm;
    const leadToken = readLeadToken();
    if (leadToken) body.leadToken = leadToken;
    return body;
  }

  /** The outbox reports every send; only the one this form is waiting for changes what it shows. */
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
      this.errors = {};
      for (const [field, code] of Object.entries(error.fields ?? {})) if (code && field in FIELD_SPECS) this.errors[field as LeadField] = code;
      this.failure = (error.code in en ? error.code : 'error') as MessageKey;
      this.state = 'error';
      emit(this, 'lr-error', { code: error.code, message: error.message, fields: error.fields });
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('state' as keyof LeadRelay)) {
      if (this.state === 'success' || this.state === 'queued') this.renderRoot.querySelector<HTMLElement>('.done')?.focus();
      const first = Object.keys(this.errors)[0];
      if (this.state === 'error' && first) this.focusControl(`lr-${first}`);
    }
    if (changed.has('open' as keyof LeadRelay) && this.open) this.renderRoot.querySelector('dialog')?.showModal();
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

/** A v4 UUID; `crypto.randomUUID` only exists on secure pages, and lead forms live on plain http too. */
function newKey(): string {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'lead-relay': LeadRelay;
  }
}

// Guarded: importing in Node (server rendering) or twice (two bundles on one page) must not throw.
if (globalThis.customElements && !customElements.get('lead-relay')) customElements.define('lead-relay', LeadRelay);
