// The <lead-relay> element: its properties, its one state value, and render().
import { LitElement, html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import type { LeadField } from '../protocol/wire.js';
import { emit } from './events.js';
import { renderDone, renderForm } from './form-view.js';
import { requiredFields, shownFields, type FieldErrors, type LeadValues } from './fields.js';
import { LocalizeController } from './localize-controller.js';
import type { LeadState, PreviewState, QuestionsForm, QuestionsView, SubmitCode } from './host.js';
import type { MessageKey, Messages } from './messages.js';
import { OutboxController, afterPaint } from './outbox-controller.js';
import { takeOverPrerendered } from './prerendered.js';
import { styles } from './lead-relay.styles.js';

export type { LeadState, PreviewState } from './host.js';

/** A reactive property that is internal state: no attribute. */
const INTERNAL = { state: true };

/**
 * A lead form that posts to a LeadRelay proxy, keeps what was typed, and never loses a submission.
 *
 * @summary A lead-capture form for Intercom, through your LeadRelay proxy.
 * @tag lead-relay
 *
 * @attr {'turnstile'} captcha - `turnstile`: Cloudflare Turnstile checks each send. Its script loads on the visitor's
 *   first interaction, never with the page. Read by the submit code, so a form without it carries no byte of it.
 * @attr turnstile-site-key - The Turnstile widget's site key (with `captcha="turnstile"`).
 *
 * @slot heading - Replaces the heading (default: the `heading` attribute or "Get in touch").
 * @slot description - Text under the heading.
 * @slot success - Shown once the submission is accepted, instead of the success message.
 * @slot consent - Rich label for the consent checkbox (links, emphasis); the `consent` attribute is still the text sent.
 *
 * @event {CustomEvent<LeadSubmitDetail>} lr-submit - Before sending, with the filled values; cancel it to stop the send.
 * @event {CustomEvent<LeadSuccessDetail>} lr-success - The proxy accepted the lead: `{status, conversationId}`; `status`
 *   `queued` is a 202 (the proxy delivers it shortly; the form says so). `resent: true`: a submission an earlier page
 *   left in the outbox, delivered from this page.
 * @event {CustomEvent<LeadErrorDetail>} lr-error - The proxy refused it: `{code, message, fields?}`; the typed data stays.
 *   `chunk_load_failed` (with `file`): a file of the script could not be fetched; unless this event is cancelled, the
 *   form then posts itself to the proxy as it does without JavaScript.
 * @event {CustomEvent<LeadQueuedDetail>} lr-queued - The proxy could not be reached (`reason`: `offline` or
 *   `unreachable`); the submission waits in this browser's outbox and is sent again later.
 *
 * @csspart base - The box around everything (background, padding).
 * @csspart form - The form.
 * @csspart heading - The default heading.
 * @csspart field - One field: label, control and error message.
 * @csspart label - A field's label (a group's legend, a tick box's label).
 * @csspart input - A text input, a textarea or a select (the site's own questions' too).
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
  // Declared here rather than with decorators: the decorator helper costs bytes on every visitor's page. Internal
  // state is the form state of host.ts (`@internal`): the bundler shortens those names, so never name one in a string.
  static override properties: PropertyDeclarations = {
    proxy: {},
    fields: {},
    required: {},
    phoneCountry: { attribute: 'phone-country' },
    locale: {},
    heading: {},
    submitLabel: { attribute: 'submit-label' },
    successMessage: { attribute: 'success-message' },
    successUrl: { attribute: 'success-url' },
    consent: {},
    mode: { reflect: true },
    theme: { reflect: true },
    previewState: { attribute: 'preview-state' },
    strings: { type: Object },
    form: {},
    sendState: INTERNAL,
    consentGiven: INTERNAL,
    fieldErrors: INTERNAL,
    failure: INTERNAL,
    fieldLimits: INTERNAL,
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
  /** Where the proxy sends a visitor whose browser posted the form without JavaScript (an allowed origin's page). */
  successUrl = '';
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
  /**
   * The form of the proxy's questions file to draw after the built-in fields (`default` for a file of one
   * `{"questions": […]}` list): fetched from `${proxy}/questions`, or baked in by the prerendered snippet. Empty: the
   * built-in fields only, and no request.
   */
  form = '';

  // Internal, not API (`@internal`: not in the manifest or the .d.ts): the form state of host.ts, which the view, the
  // take-over and the code loaded later (submit, questions, Turnstile) read and write through that interface.
  /** @internal */ sendState: LeadState = 'idle';
  /** @internal */ formValues: LeadValues = {};
  /** @internal */ consentGiven = false;
  /** @internal */ fieldErrors: FieldErrors = {};
  /** @internal */ failure?: MessageKey;
  /** @internal maxlength per field; arrives with the submit code on first interaction (validation enforces the same limits). */
  fieldLimits?: Record<LeadField, number>;
  /** Launcher mode's button and dialog: the module is loaded when that mode first renders. */
  private _dialog?: typeof import('./launcher.js');
  private _launcher?: Promise<unknown>;

  /** @internal (the server renderer, src/render/, picks the locale through it) */
  readonly l10n = new LocalizeController(this);
  /** @internal The prerendered snippet's nodes (declarative shadow DOM), on screen until the first render that draws. */
  prerenderedNodes?: ChildNode[];
  /** @internal */ readonly outboxController: OutboxController = new OutboxController(this);
  /** @internal First interaction, ms since epoch (for `elapsedMs`). */ fillStart = 0;
  /** @internal */ submittedOnce = false;
  /** @internal The form's questions, as GET /questions serves them (or the prerendered snippet carries them). */
  questionsForm?: QuestionsForm;
  /** @internal The code that draws questions: loaded only by a form that has some. */
  questionsView?: QuestionsView;
  /** @internal The Idempotency-Key of the submission this form shows the fate of. */ pendingKey = '';
  private _submission?: Promise<SubmitCode>;
  /** The draft an earlier page left, restored just after first paint (see `afterPaint`). */
  private _restoring?: Promise<void>;
  /** @internal What to focus at the end of the next update (the first invalid field, the success message). */
  focusNext = '';

  override connectedCallback(): void {
    super.connectedCallback();
    this._restoring = afterPaint().then(() => {
      // A form with questions: the code that draws them, which takes the definition a prerendered snippet baked in or
      // fetches it (questions-view.ts). Not before first paint; on the server the render entry hands both over.
      if (this.form) void import('./questions-view.js').then((module) => module.attach(this));
      const draft = this.outboxController.readDraft();
      if (!draft) return;
      // Under what the visitor may have typed meanwhile, field by field; the draft's clock started first.
      this.formValues = { ...draft.values, ...this.formValues };
      this.consentGiven ||= draft.consent;
      this.fillStart = draft.startedAt || this.fillStart;
      this.requestUpdate();
    });
  }

  /**
   * @internal Also waits for the restored draft, the locale pack, and the submit code (with the field limits) once it is
   * being fetched, so tests and pages see translated text and the checked form after `updateComplete`.
   */
  protected override async getUpdateComplete(): Promise<boolean> {
    const done = await super.getUpdateComplete();
    await this._restoring;
    await this.l10n.packReady;
    await this._submission?.catch(() => undefined);
    await this._launcher;
    return (await super.getUpdateComplete()) && done;
  }

  /** @internal */
  shown(): LeadField[] {
    return shownFields(this.fields);
  }

  /** @internal */
  requiredShown(): LeadField[] {
    return requiredFields(this.required, this.shown());
  }

  override render(): TemplateResult | typeof nothing {
    const { t, lang, dir, packPending } = this.l10n;
    // A moment, rather than a flash of English (see LocalizeController); and a prerendered form with questions stays
    // on screen until the code that draws them is in (no frame without them).
    if (packPending || (this.prerenderedNodes && this.form && !this.questionsView)) return nothing;
    // The state to draw: the real one, or the one `preview-state` forces (`invalid`: idle with every check failing).
    const preview = this.previewState;
    let state = this.sendState;
    let errors = this.fieldErrors;
    let failure = this.failure;
    if (preview) {
      errors = {};
      if (preview === 'invalid') {
        for (const field of this.requiredShown()) errors[field] = 'required';
        if (this.consent) errors.consent = 'consent_required';
      }
      state = preview === 'invalid' ? 'idle' : preview;
      failure = preview === 'error' ? 'error' : undefined;
    }
    // The done box is drawn over the form, which stays (hidden) under it: the element keeps its height.
    const done = state === 'success' || state === 'queued';
    const content = html`<div class="root" part="base" lang=${lang} dir=${dir}>
      ${done ? renderDone(this, state, failure) : nothing}${renderForm(this, state, errors, done ? undefined : failure)}
    </div>`;
    if (this.mode !== 'launcher') return content;
    // Launcher mode: the button, its dialog and their styles are one small lazy chunk (without ky); the button shows
    // as soon as it is in.
    this._launcher ??= import('./launcher.js').then(
      (module) => {
        this._dialog = module;
        this.requestUpdate();
      },
      () => (this._launcher = undefined),
    );
    return this._dialog ? this._dialog.renderLauncher(this, content, t, dir) : nothing;
  }

  /** @internal First interaction: start the fill clock and fetch the submit code (with ky) while the visitor types. */
  touch(): Promise<SubmitCode> {
    this.fillStart ||= Date.now();
    return this._load();
  }

  /**
   * Fetch the submit code once (with ky and the outbox); it brings the field limits too. A failed fetch is kept, not
   * tried again on every keystroke (the console shows it once, naming the file): Send then posts the form without
   * the script (see `handleSubmit`).
   */
  private _load(): Promise<SubmitCode> {
    // The submit code, and the sentences of the states it leads to (the locale pack, fetched again if it failed).
    return (this._submission ??= Promise.all([import('./submission.js'), this.l10n.loadPack()]).then(([module]) => {
      module.submitReady(this);
      return module;
    }));
  }

  /** @internal */
  handleInput(event: Event): void {
    const target = event.target as HTMLInputElement;
    if (target.name === 'hp') return;
    void this.touch();
    if (target.name === 'consent') this.consentGiven = target.checked;
    else this.formValues = { ...this.formValues, [target.name]: target.value };
    // After the earlier page's draft is restored (merged under this input), so the first keystroke cannot erase it.
    void this._restoring?.then(() =>
      this.outboxController.saveDraft({ values: this.formValues, consent: this.consentGiven, startedAt: this.fillStart }),
    );
  }

  /** @internal After the first submit, each field is checked again as the visitor leaves it. */
  async handleBlur(event: FocusEvent): Promise<void> {
    const name = (event.target as HTMLInputElement).name;
    if (this.submittedOnce && name) (await this.touch()).recheckField(this, name);
  }

  /** @internal */
  handleJump(event: Event): void {
    event.preventDefault();
    this._focus(`#${(event.currentTarget as HTMLAnchorElement).hash.slice(1)}`);
  }

  /** Focus the first element matching `selector` in the shadow root, if there is one. */
  private _focus(selector: string): void {
    this.renderRoot.querySelector<HTMLElement>(selector)?.focus();
  }

  /** @internal */
  async handleSubmit(event: Event): Promise<void> {
    event.preventDefault();
    if (this.sendState === 'submitting') return; // the button stays focusable while busy; a second press does nothing
    this.sendState = 'submitting';
    try {
      const module = await this.touch().catch((error: unknown) => {
        // A file of the script could not be fetched (not served, blocked, offline before it loaded). Say which, then
        // post the form as it posts without JavaScript (it is a real form, aimed at the proxy), unless the page
        // cancels this lr-error. Chromium and Firefox name the file in the error; Safari does not.
        const file = /\S+\.js/.exec(error as string)?.[0];
        if (emit(this, 'lr-error', { code: 'chunk_load_failed', message: `Could not load ${file}`, file }, true)) {
          (event.target as HTMLFormElement).submit();
          return new Promise<never>(() => 0); // the page is leaving; the form stays busy until it has
        }
        this._submission = undefined; // the page stays: the next Send fetches again
        throw error;
      });
      await module.submitForm(this);
    } catch {
      // The page kept the form from posting itself, or storage failed unexpectedly: the form must not stay busy.
      // Say "send again"; what was typed is still on the form.
      this.failure = 'error';
      this.sendState = 'error';
    }
  }

  /** A prerendered snippet already drew the form: the element keeps it on screen until its own first drawing. */
  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    const nodes = this.shadowRoot?.childNodes;
    if (nodes?.length) this.prerenderedNodes = [...nodes];
    const root = super.createRenderRoot();
    this.renderOptions.renderBefore = null; // not before the prerendered nodes: they go in the first update
    return root;
  }

  /** The take-over, in the same update as the first drawing (no blank frame): see prerendered.ts. */
  protected override update(changed: PropertyValues): void {
    if (this.prerenderedNodes && !this.l10n.packPending && (this.questionsView || !this.form)) takeOverPrerendered(this);
    super.update(changed);
  }

  protected override updated(): void {
    // Values are written to the controls only when they differ (a restored draft, a reopened dialog): setting an
    // email input's value while someone types in it moves their caret. Not into a prerendered form still on screen
    // (its values are taken over with it).
    if (!this.prerenderedNodes) {
      for (const control of this.renderRoot.querySelectorAll<HTMLInputElement>('[part=input]')) {
        const value = this.formValues[control.name as LeadField] ?? '';
        if (control.value !== value) control.value = value;
      }
    }
    if (this.focusNext) this._focus(this.focusNext);
    this.focusNext = '';
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lead-relay': LeadRelay;
  }
}

// Guarded: importing in Node (server rendering) or twice (two bundles on one page) must not throw.
if (globalThis.customElements && !customElements.get('lead-relay')) customElements.define('lead-relay', LeadRelay);
