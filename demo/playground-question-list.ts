// The question editor's list: one card per question with its controls, Move up / Move down / Remove. Plain DOM, drawn
// again only when the list's shape changes (so typing in a label keeps the focus); typing edits the model in place.
import { LABEL_LOCALES, QUESTION_TYPES, type EditorQuestion } from './playground-questions.js';

export interface QuestionListHandlers {
  /** A control of question `index` changed: the model is updated already. */
  edited(index: number, redraw: boolean): void;
  move(index: number, by: -1 | 1): void;
  remove(index: number): void;
}

const LOCALE_NAMES: Record<(typeof LABEL_LOCALES)[number], string> = { de: 'German', es: 'Spanish', fr: 'French', ar: 'Arabic' };

function element<K extends keyof HTMLElementTagNameMap>(tag: K, properties: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

/** A labelled control bound to `read`/`write` on the question. */
function control(labelText: string, input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, hint?: string): HTMLLabelElement {
  const label = element('label', { className: 'control' }, labelText);
  if (hint) label.append(' ', element('span', { className: 'hint' }, hint));
  label.append(input);
  return label;
}

function card(question: EditorQuestion, index: number, count: number, handlers: QuestionListHandlers): HTMLLIElement {
  const item = element('li', { className: 'question' });
  item.dataset.name = question.name;
  const title = question.label || question.name;
  const bind = <T extends HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(input: T, write: (input: T) => void, redraw = false): T => {
    input.addEventListener(input instanceof HTMLSelectElement || (input instanceof HTMLInputElement && input.type === 'checkbox') ? 'change' : 'input', () => {
      write(input);
      handlers.edited(index, redraw);
    });
    return input;
  };

  const heading = element('span', { className: 'question__title' }, `${index + 1}. ${title}`);
  const head = element('div', { className: 'question__head' }, heading);
  const up = element('button', { type: 'button', className: 'button button--small', textContent: '↑', disabled: index === 0, title: 'Move up' });
  up.setAttribute('aria-label', `Move "${title}" up`);
  up.addEventListener('click', () => handlers.move(index, -1));
  const down = element('button', { type: 'button', className: 'button button--small', textContent: '↓', disabled: index === count - 1, title: 'Move down' });
  down.setAttribute('aria-label', `Move "${title}" down`);
  down.addEventListener('click', () => handlers.move(index, 1));
  const remove = element('button', { type: 'button', className: 'button button--small', textContent: 'Remove' });
  remove.setAttribute('aria-label', `Remove "${title}"`);
  remove.addEventListener('click', () => handlers.remove(index));
  head.append(element('span', { className: 'row' }, up, down, remove));
  item.append(head);

  const label = bind(element('input', { value: question.label, maxLength: 300 }), (input) => {
    question.label = input.value;
    // The card's title and its buttons' names follow the label as it is typed (the card is not drawn again).
    const now = question.label || question.name;
    heading.textContent = `${index + 1}. ${now}`;
    up.setAttribute('aria-label', `Move "${now}" up`);
    down.setAttribute('aria-label', `Move "${now}" down`);
    remove.setAttribute('aria-label', `Remove "${now}"`);
  });
  item.append(control('Label', label));
  const type = bind(element('select'), (input) => (question.type = input.value as EditorQuestion['type']), true);
  for (const name of QUESTION_TYPES) type.append(element('option', { value: name, textContent: name, selected: name === question.type }));
  const name = bind(element('input', { value: question.name, spellcheck: false, maxLength: 64 }), (input) => (question.name = input.value.trim()));
  item.append(element('div', { className: 'question__pair' }, control('Type', type), control('Name (attribute)', name)));

  if (question.type === 'hidden') {
    item.append(control('URL parameter', bind(element('input', { value: question.param, spellcheck: false }), (input) => (question.param = input.value.trim())), 'the page’s ?cid=… value is sent'));
  } else {
    if (question.type === 'select' || question.type === 'checkboxes') {
      item.append(control('Options', bind(element('textarea', { value: question.options, rows: 3 }), (input) => (question.options = input.value)), 'one a line'));
    }
    item.append(control('Hint', bind(element('input', { value: question.hint, maxLength: 1000 }), (input) => (question.hint = input.value))));
    const flags = element('div', { className: 'row question__flags' });
    const required = bind(element('input', { type: 'checkbox', checked: question.required }), (input) => (question.required = input.checked));
    flags.append(element('label', {}, required, ' Required'));
    if (question.type === 'text') {
      const company = bind(element('input', { type: 'checkbox', checked: question.company }), (input) => (question.company = input.checked));
      flags.append(element('label', {}, company, ' Names the company'));
    }
    item.append(flags);
  }

  const translations = element('details', { className: 'question__labels' }, element('summary', {}, 'Label in other languages'));
  for (const locale of LABEL_LOCALES) {
    const input = bind(element('input', { value: question.labels[locale] ?? '', maxLength: 300, dir: 'auto' }), (field) => (question.labels[locale] = field.value));
    input.lang = locale;
    translations.append(control(LOCALE_NAMES[locale], input));
  }
  if (Object.values(question.labels).some(Boolean)) translations.open = true;
  item.append(translations);
  return item;
}

/** Draw `questions` into `list` (replacing what it held). */
export function renderQuestionList(list: HTMLOListElement, questions: EditorQuestion[], handlers: QuestionListHandlers): void {
  list.replaceChildren(...questions.map((question, index) => card(question, index, questions.length, handlers)));
}
