// The element as the modules around it see it: one small documented shape (as Shoelace's FormControlController takes
// a host), so the view, the controllers, the take-over and the lazily loaded code (submit, questions, answers,
// Turnstile) import this file's types and never the element class. Each module takes the narrowest `Pick` it needs.
//
// FormState's members are internal: `@internal` on the element (out of its .d.ts and the custom-elements manifest).
// The bundle shortens exactly the member names of FormState, QuestionsView, Outbox, SubmitCode and PackLoading
// (rollup.config.mjs reads them from this file), as it shortens `_`-named members: never put one in a string, and
// keep them unique in the bundle (no JSON key, storage key or library property may share one).
import type { ReactiveControllerHost, TemplateResult } from 'lit';
import type { QuestionForm } from '../protocol/questions.js';
import type { LeadField } from '../protocol/wire.js';
import type { FieldErrors, LeadValues } from './fields.js';
import type { MessageKey, Messages } from './messages.js';
import type { PendingSubmission } from './outbox.js';

/** Where a submission is. One value, so the form can never be "submitting" and "failed" at once. */
export type LeadState = 'idle' | 'submitting' | 'success' | 'error' | 'queued';
/** What `preview-state` can force: the states, plus `invalid` (idle with every check failing). */
export type PreviewState = LeadState | 'invalid';
/** A sentence by key: the page's override, the locale's, or English's (undefined where none has one). */
export type Translate = (key: MessageKey) => string | undefined;

/** The locale in use and its sentences (LocalizeController). */
export interface Localized {
  readonly lang: string;
  readonly dir: 'rtl' | 'ltr';
  readonly t: Translate;
}

/** The locale pack's loading (LocalizeController), as the element waits for it. */
export interface PackLoading {
  /** True while a language other than English waits for its pack (at most 1.5 s): the element draws nothing then. */
  readonly packPending: boolean;
  /** Settles when the current locale's pack is in, or could not be fetched. */
  readonly packReady: Promise<unknown>;
  /** The current locale's sentences, fetched if they are not here yet; rejects while neither they nor English's can be. */
  loadPack(): Promise<void>;
}

/** What the localize controller reads of its host. */
export interface LocalizeHost extends ReactiveControllerHost, HTMLElement {
  readonly locale: string;
  readonly strings?: Partial<Messages>;
  /** Set while a prerendered form is on screen: its words stay until the pack is in. */
  readonly prerenderedNodes?: unknown;
}

/** What the visitor typed, kept in sessionStorage until the proxy has it. */
export interface Draft {
  values: LeadValues;
  consent: boolean;
  /** First interaction, for `elapsedMs`. */
  startedAt: number;
}

/** The draft and the outbox (OutboxController): the element reads and saves the draft, the submit code the rest. */
export interface Outbox {
  /** Send what waits in the outbox for this form's proxy. */
  readonly flushOutbox: () => void;
  readDraft(): Draft | undefined;
  saveDraft(draft: Draft): void;
  clearDraft(): void;
}

/** The submit code (submission.ts, loaded on first interaction) as the element and the outbox controller call it. */
export interface SubmitCode {
  /** The element has this code: the field limits, and Turnstile's script for a form with `captcha="turnstile"`. */
  submitReady(host: SubmitHost): void;
  /** Send was pressed (the element has set `submitting`). */
  submitForm(host: SubmitHost): Promise<void>;
  /** After the first submit, check the field the visitor just left again. */
  recheckField(host: SubmitHost, name: string): void;
  /** Send a submission (a new one, or one waiting in the outbox) and tell the form. */
  sendSubmission(host: SubmitHost, item: PendingSubmission): Promise<void>;
  /** What waits in the outbox (all proxies). */
  readOutbox(): PendingSubmission[];
}

/** One form of the questions file as GET /questions?form= serves it: its questions and the hash sent back with the answers. */
export type QuestionsForm = QuestionForm & { hash: string };

/** The code that draws questions (questions-view.ts), handed to the element once its chunk is in; the render entry hands the same over on the server. */
export interface QuestionsView {
  drawQuestions(host: QuestionsHost, errors: Record<string, MessageKey | undefined>): TemplateResult;
  /** The label of question `name`; undefined for a built-in field. */
  labelFor(host: QuestionsHost, name: string): string | undefined;
}

/**
 * The form's state and the handlers the view binds: internal members of the element (`@internal`), reactive where
 * the element draws them. The bundle shortens these names (rollup.config.mjs reads them from this interface).
 */
export interface FormState {
  sendState: LeadState;
  /** What was typed, by field name (a question's answer by its name). */
  formValues: LeadValues;
  consentGiven: boolean;
  fieldErrors: FieldErrors;
  /** The sentence the status line says (an error code, `delivering`, `queued`…). */
  failure?: MessageKey;
  /** maxlength per field; arrives with the submit code on first interaction. */
  fieldLimits?: Record<LeadField, number>;
  /** First interaction, ms since epoch (for `elapsedMs`). */
  fillStart: number;
  /** Send was pressed once: fields are checked again as the visitor leaves them. */
  submittedOnce: boolean;
  /** The Idempotency-Key of the submission this form shows the fate of. */
  pendingKey: string;
  /** What to focus at the end of the next update (a selector). */
  focusNext: string;
  questionsForm?: QuestionsForm;
  questionsView?: QuestionsView;
  /** A prerendered snippet's nodes, on screen until the element's first drawing. */
  prerenderedNodes?: ChildNode[];
  readonly l10n: Localized;
  readonly outboxController: Outbox;
  /** The built-in fields shown, and which of them are required. */
  shown(): LeadField[];
  requiredShown(): LeadField[];
  // What the form view binds (called with the element as `this`).
  handleSubmit(event: Event): unknown;
  handleInput(event: Event): unknown;
  handleBlur(event: FocusEvent): unknown;
  handleJump(event: Event): unknown;
  /** First interaction: starts the fill clock and fetches the submit code. */
  touch(): unknown;
}

/** Everything any module reads or writes of the element: its attributes (its public API) and the form state. */
export interface LeadHost extends FormState, ReactiveControllerHost, HTMLElement {
  readonly proxy: string;
  readonly form: string;
  readonly consent: string;
  readonly phoneCountry: string;
  readonly heading: string;
  readonly submitLabel: string;
  readonly successMessage: string;
  readonly successUrl: string;
  readonly previewState?: PreviewState;
  readonly theme: 'light' | 'dark' | 'auto';
  readonly renderRoot: HTMLElement | DocumentFragment;
}

/** The form and the done box (form-view.ts). */
export type ViewHost = Pick<
  LeadHost,
  | 'proxy' | 'consent' | 'phoneCountry' | 'heading' | 'submitLabel' | 'successMessage' | 'successUrl' | 'previewState'
  | 'l10n' | 'consentGiven' | 'fieldLimits' | 'submittedOnce' | 'questionsView' | 'shown' | 'requiredShown'
  | 'handleSubmit' | 'handleInput' | 'handleBlur' | 'handleJump' | 'touch'
> & QuestionsHost;

/** Taking over a prerendered snippet (prerendered.ts). */
export type TakeOverHost = Pick<LeadHost, 'prerenderedNodes' | 'renderRoot' | 'formValues' | 'consentGiven' | 'focusNext'>;

/** Drawing the site's own questions (questions-view.ts). */
export type QuestionsHost = Pick<
  LeadHost,
  | 'proxy' | 'form' | 'renderRoot' | 'requestUpdate' | 'addEventListener' | 'l10n' | 'formValues' | 'failure'
  | 'questionsForm' | 'questionsView'
>;

/** Checking the answers and putting them on the wire (questions-answers.ts). */
export type AnswersHost = Pick<LeadHost, 'formValues' | 'questionsForm'>;

/** Turnstile (turnstile.ts): its settings, and the state it sets when no token can be had. */
export type CaptchaHost = Pick<LeadHost, 'getAttribute' | 'theme' | 'l10n' | 'pendingKey' | 'failure' | 'sendState'>;

/** The submit code (submission.ts): checks, the send, and what the form shows once the proxy answers. */
export type SubmitHost = Omit<LeadHost, 'handleSubmit' | 'handleInput' | 'handleBlur' | 'handleJump' | 'touch' | 'prerenderedNodes'>;

/**
 * The outbox controller (outbox-controller.ts) reads `proxy` and `id` (the draft's key), and hands its host to the
 * submit code's `send` when something waits, so it takes what that code takes.
 */
export type OutboxHost = SubmitHost;
