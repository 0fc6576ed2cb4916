// The site's own questions (GET /questions, or baked into a prerendered snippet): how each type is drawn, what a
// tick changes, and fetching the form's definition. A chunk of its own, loaded only by a form that has questions, so
// the default form's first paint carries none of it; the answers' checks come later still (questions-answers.ts).
import { html, nothing, type TemplateResult } from 'lit';
import { css } from './css-tag.js';
import type { LocalizedText, Question } from '../protocol/questions.js';
import { errorText } from './field-templates.js';
import type { QuestionsForm, QuestionsHost } from './host.js';
import type { MessageKey } from './messages.js';

export type { QuestionsForm, QuestionsView } from './host.js';

/**
 * What questions add to the element's styles, with the same --lr-* properties (the element's own private copies):
 * adopted by the shadow root when this chunk loads, and written into a prerendered snippet's <style> by the render
 * entry. Here rather than in the element's styles: a form without questions downloads none of it.
 */
export const questionStyles = css`
  fieldset {
    margin: 0;
    padding: 0;
    border: 0;
    min-width: 0;
    display: grid;
    gap: 0.25rem;
  }
  legend {
    padding: 0;
    margin-block-end: 0.25rem;
    font-weight: 600;
  }
  .hint {
    margin: 0;
  }
  select {
    font: inherit;
    color: inherit;
    box-sizing: border-box;
    width: 100%;
    padding: 0.5rem 0.75rem;
    background: var(--_field-bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
`;


/** What the form keeps for a question while the visitor fills it in: text, the ticked values, or a tick. */
export type AnswerInput = string | string[] | boolean;

/**
 * A text in the form's language: that locale, English, the file's default locale, or the first given. The same rule
 * as `localizedText` in protocol/questions.ts, written out here: importing that module would pull the answers'
 * validators (and the wire's) into this chunk.
 */
function say(text: LocalizedText | undefined, host: QuestionsHost): string {
  if (text === undefined || typeof text === 'string') return text ?? '';
  const form = host.questionsForm;
  for (const locale of [host.l10n.lang, 'en', form?.defaultLocale ?? 'en']) {
    if (Object.prototype.hasOwnProperty.call(text, locale)) return text[locale]!;
  }
  return Object.values(text)[0] ?? '';
}

/** The label of question `name` (the error summary lists it); undefined for a built-in field. */
export function questionLabel(host: QuestionsHost, name: string): string | undefined {
  const question = host.questionsForm?.questions.find((candidate) => candidate.name === name);
  return question && say(question.label, host);
}

const answerOf = (host: QuestionsHost, name: string): AnswerInput | undefined =>
  (host.formValues as Record<string, AnswerInput | undefined>)[name];

/** The answer a checkbox's tick makes: a boolean for a `checkbox`, the ticked values of a `checkboxes` group. */
export function tick(host: QuestionsHost, target: HTMLInputElement): AnswerInput {
  const question = host.questionsForm?.questions.find((candidate) => candidate.name === target.name);
  if (question?.type !== 'checkboxes') return target.checked;
  const boxes = host.renderRoot.querySelectorAll<HTMLInputElement>(`input[type=checkbox][name="${target.name}"]`);
  return [...boxes].filter((box) => box.checked).map((box) => box.value);
}

/** A prerendered form's ticks (its text controls move over with the built-in fields' when it is taken over). */
function takeOverTicks(host: QuestionsHost): void {
  for (const question of host.questionsForm?.questions ?? []) {
    if (question.type !== 'checkbox' && question.type !== 'checkboxes') continue;
    const boxes = [...host.renderRoot.querySelectorAll<HTMLInputElement>(`input[type=checkbox][name="${question.name}"]`)];
    const ticked = boxes.filter((box) => box.checked).map((box) => box.value);
    if (ticked.length) host.formValues = { ...host.formValues, [question.name]: question.type === 'checkbox' ? true : ticked };
  }
}

/**
 * Called once this chunk is in: its styles join the element's, the definition is the one a prerendered snippet baked
 * in (so the form draws exactly what the server drew, hash included) or else fetched, and ticks are kept as answers.
 */
export async function attach(host: QuestionsHost): Promise<void> {
  const root = host.renderRoot as ShadowRoot;
  if (host.questionsView) return; // connected again (moved in the page): attached already
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, questionStyles.styleSheet!];
  const baked = root.querySelector('script[type="application/json"]');
  if (baked) host.questionsForm = JSON.parse(baked.textContent!) as QuestionsForm;
  else if (host.questionsForm?.name !== host.form) await fetchDefinition(host);
  takeOverTicks(host);
  // After the element's own input handler (on the form), which keeps a box's value: a tick's answer is its state.
  root.addEventListener('input', (event) => {
    const target = event.target as HTMLInputElement;
    if (target.type === 'checkbox' && target.name !== 'consent') host.formValues = { ...host.formValues, [target.name]: tick(host, target) as string };
  });
  // A 409 questions_changed (the form was drawn from an older file; the submit code fires this lr-error after setting
  // the error state): fetch the current questions and draw them. What was typed stays for the next Send, and the form
  // asks the visitor to look it over (the generic sentence would blame the connection).
  host.addEventListener('lr-error', ({ detail }) => {
    if (detail.code !== 'questions_changed' || detail.resent) return;
    host.failure = 'invalid_field';
    void fetchDefinition(host).catch(() => undefined);
  });
  host.questionsView = { drawQuestions: renderQuestions, labelFor: questionLabel };
  host.requestUpdate();
}

/**
 * Fetch this form's questions from the proxy (again after a 409 questions_changed) and draw them. What was typed
 * stays: answers live in the element's values by question name, whatever the definition.
 */
export async function fetchDefinition(host: QuestionsHost): Promise<void> {
  const response = await fetch(`${host.proxy.replace(/\/+$/, '')}/questions?form=${encodeURIComponent(host.form)}`, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`GET /questions answered ${response.status}`);
  host.questionsForm = (await response.json()) as QuestionsForm;
  host.requestUpdate();
}

/**
 * Every question but hidden ones (page context, sent without being drawn), after the built-in fields, and the two
 * hidden fields a form posted without JavaScript needs: the form's name and the hash it was drawn from.
 */
export function renderQuestions(host: QuestionsHost, errors: Record<string, MessageKey | undefined>): TemplateResult {
  const form = host.questionsForm;
  if (!form) return html``;
  return html`${form.questions.filter((question) => question.type !== 'hidden').map((question) => renderQuestion(host, question, errors[question.name]))}
    <input type="hidden" name="form" value=${form.name} /><input type="hidden" name="questions" value=${form.hash} />`;
}

function renderQuestion(host: QuestionsHost, question: Question, error: MessageKey | undefined): TemplateResult {
  const { t } = host.l10n;
  const id = `lr-${question.name}`;
  const hint = say(question.hint, host);
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || nothing;
  const invalid = error ? 'true' : nothing;
  const hintLine = hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : nothing;
  const errorLine = error ? html`<p class="error" part="error" id="${id}-error">${errorText(t, error)}</p>` : nothing;
  const value = answerOf(host, question.name);
  const label = say(question.label, host);

  if (question.type === 'checkboxes') {
    // A group: the legend names it, each box its option; the first box carries the id the error summary links to.
    const ticked = Array.isArray(value) ? value : [];
    return html`<fieldset class="field group" part="field" aria-describedby=${described}>
      <legend part="label">${label}</legend>${hintLine}
      ${question.options.map(
        (option, index) => html`<label class="consent" part="label"
          ><input type="checkbox" id=${index ? `${id}-${index}` : id} name=${question.name} value=${option.value}
            ?checked=${ticked.includes(option.value)} aria-invalid=${invalid} />${say(option.label, host) || option.value}</label
        >`,
      )}${errorLine}
    </fieldset>`;
  }
  if (question.type === 'checkbox') {
    return html`<div class="field" part="field">
      <label class="consent" part="label"
        ><input type="checkbox" id=${id} name=${question.name} value="on" ?checked=${value === true}
          ?required=${question.required} aria-invalid=${invalid} aria-describedby=${described} />${label}</label
      >${hintLine}${errorLine}
    </div>`;
  }
  const chosen = typeof value === 'string' ? value : '';
  let control: TemplateResult;
  if (question.type === 'textarea') {
    control = html`<textarea part="input" id=${id} name=${question.name} maxlength=${question.maxLength} ?required=${question.required}
      aria-invalid=${invalid} aria-describedby=${described}></textarea>`;
  } else if (question.type === 'select') {
    // The empty first option: nothing is chosen until the visitor chooses (a required select then says so).
    control = html`<select part="input" id=${id} name=${question.name} ?required=${question.required} aria-invalid=${invalid} aria-describedby=${described}>
      <option value=""></option>
      ${question.options.map((option) => html`<option value=${option.value} ?selected=${chosen === option.value}>${say(option.label, host) || option.value}</option>`)}
    </select>`;
  } else {
    const number = question.type === 'number';
    const limited = number || question.type === 'date';
    const autocomplete = question.type === 'email' ? 'email' : question.type === 'tel' ? 'tel' : question.type === 'url' ? 'url' : 'company' in question && question.company ? 'organization' : 'off';
    control = html`<input part="input" id=${id} name=${question.name} type=${question.type} autocomplete=${autocomplete}
      inputmode=${number ? (question.integer ? 'numeric' : 'decimal') : nothing} step=${number ? (question.integer ? '1' : 'any') : nothing}
      min=${limited ? (question.min ?? nothing) : nothing} max=${limited ? (question.max ?? nothing) : nothing}
      maxlength=${'maxLength' in question ? question.maxLength : nothing} ?required=${question.required}
      aria-invalid=${invalid} aria-describedby=${described} />`;
  }
  return html`<div class="field" part="field">
    <label part="label" for=${id}>${label}</label>${hintLine}${control}${errorLine}
  </div>`;
}
