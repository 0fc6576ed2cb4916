// The playground page: the settings form drives the live widget, the state gallery and the snippet box.
import {
  DEFAULTS,
  FIELDS,
  parseStrings,
  prerenderedSnippet,
  renderAttributes,
  snippet,
  themeProperties,
  widgetAttributes,
  type Field,
  type Prerendered,
  type Settings,
  type SnippetKind,
} from './playground-settings.js';
import { renderQuestionList } from './playground-question-list.js';
import { editorQuestions, questionsFile, questionsFileText, starterQuestion, type EditorQuestion, type EditorType } from './playground-questions.js';

const $ = <T extends Element>(selector: string) => document.querySelector<T>(selector)!;

const form = $<HTMLFormElement>('#controls');
let live = $<HTMLElement>('#live');
let gallery = [...document.querySelectorAll<HTMLElement>('#gallery lead-relay')];
const surfaces = [$<HTMLElement>('#stage-surface'), $<HTMLElement>('#gallery-surface')];
const code = $<HTMLElement>('#snippet-code');
let kind: SnippetKind = 'prerendered';
/** Counts render requests, so an answer for older settings never replaces a newer one. */
let rendering = 0;

/** The questions as the designer edits them, and whether the demo's proxy has them now (then the widgets ask them). */
let questions: EditorQuestion[] = [];
let questionsApplied = false;
/** The gallery's widgets fetch their questions here: not the live proxy's URL, so they never resend its outbox. */
const PREVIEW_PROXY = '/demo-api/questions/preview';

/** The prerendered snippet is made on the server (Lit's SSR runs in Node): ask for it for these settings. */
async function showPrerendered(settings: Settings): Promise<void> {
  const ticket = (rendering += 1);
  code.textContent = 'Rendering the snippet for these settings…';
  try {
    const response = await fetch('/prerender', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ attributes: renderAttributes(settings), questions: questionsFile(questions) }),
    });
    const answer = (await response.json()) as Prerendered & { error?: { message: string } };
    if (ticket !== rendering || kind !== 'prerendered') return;
    code.textContent = answer.error ? `Not rendered: ${answer.error.message}` : prerenderedSnippet(settings, answer);
  } catch {
    if (ticket === rendering && kind === 'prerendered') code.textContent = 'Not rendered: the demo server did not answer.';
  }
}

function readSettings(): Settings {
  const data = new FormData(form);
  const text = (name: keyof Settings) => String(data.get(name) ?? DEFAULTS[name]);
  return {
    proxy: text('proxy').trim() || DEFAULTS.proxy,
    shown: data.getAll('shown').map(String) as Field[],
    required: data.getAll('required').map(String) as Field[],
    mode: text('mode') === 'launcher' ? 'launcher' : 'inline',
    locale: text('locale'),
    heading: text('heading'),
    submitLabel: text('submitLabel'),
    successMessage: text('successMessage'),
    consent: text('consent'),
    phoneCountry: text('phoneCountry'),
    theme: text('theme') as Settings['theme'],
    previewState: text('previewState'),
    strings: text('strings'),
    accent: text('accent'),
    radius: Number(text('radius')),
    font: text('font'),
    spacing: Number(text('spacing')),
    form: questions.length ? 'default' : '',
  };
}

/** What a property goes back to when its attribute is removed (Lit would set it to null). */
const PROPERTY_DEFAULTS: Record<string, [property: string, value: unknown]> = {
  fields: ['fields', DEFAULTS.shown.join(' ')],
  required: ['required', ''],
  mode: ['mode', 'inline'],
  theme: ['theme', 'auto'],
};

/** Make `element`'s attributes exactly `attributes` (plus those listed in `keep`). */
function setAttributes(element: HTMLElement, attributes: [string, string][], keep: string[]): void {
  const wanted = new Map(attributes);
  for (const { name } of [...element.attributes]) {
    if (wanted.has(name) || keep.includes(name)) continue;
    element.removeAttribute(name);
    // Removing `fields` or `required` leaves the property null, which this widget build cannot parse: restore the default.
    const fallback = PROPERTY_DEFAULTS[name];
    if (fallback) (element as unknown as Record<string, unknown>)[fallback[0]] = fallback[1];
  }
  for (const [name, value] of wanted) if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

function applyTheme(element: HTMLElement, properties: [string, string][]): void {
  for (const name of ['--lr-accent', '--lr-on-accent', '--lr-radius', '--lr-font', '--lr-spacing']) element.style.removeProperty(name);
  // Through the CSSOM, which the page's CSP allows (style attributes in markup it would not).
  for (const [name, value] of properties) element.style.setProperty(name, value);
}

function update(): void {
  const settings = readSettings();
  const attributes = widgetAttributes(settings);
  const properties = themeProperties(settings);
  // A widget asks for its questions only once the demo's proxy has them (until then the file may not even parse).
  const shownAttributes = questionsApplied ? attributes : attributes.filter(([name]) => name !== 'form');
  setAttributes(live, shownAttributes, ['id']);
  // The gallery shows each state inline with the same words and theme; it never sends, so it has no proxy (but the
  // preview one its questions come from).
  const galleryAttributes: [string, string][] = shownAttributes.filter(([name]) => !['proxy', 'mode', 'preview-state'].includes(name));
  if (questionsApplied) galleryAttributes.unshift(['proxy', PREVIEW_PROXY]);
  for (const widget of gallery) {
    setAttributes(widget, galleryAttributes, ['id', 'preview-state']);
  }
  for (const element of [live, ...gallery]) applyTheme(element, properties);
  for (const surface of surfaces) surface.dataset.theme = settings.theme;
  $<HTMLElement>('#stage-mode').textContent = settings.previewState ? `${settings.mode} · preview: ${settings.previewState}` : settings.mode;
  $<HTMLElement>('#launcher-note').hidden = settings.mode !== 'launcher';
  form.querySelector<HTMLOutputElement>('output[name=radiusOut]')!.value = `${settings.radius}px`;
  form.querySelector<HTMLOutputElement>('output[name=spacingOut]')!.value = `${settings.spacing}rem`;
  const strings = parseStrings(settings.strings);
  $<HTMLElement>('#strings-status').textContent = strings === false ? 'Not applied: write a JSON object of strings, e.g. {"submit": "Book a call"}.' : '';
  // A required field must be shown: untick Required for hidden fields so the table says what the widget does.
  for (const field of FIELDS) {
    const required = form.querySelector<HTMLInputElement>(`input[name=required][value=${field}]`)!;
    required.disabled = !settings.shown.includes(field);
  }
  const fileText = questionsFileText(questions);
  $<HTMLElement>('#questions-file').hidden = fileText === '';
  $<HTMLElement>('#questions-code').textContent = fileText;
  $<HTMLElement>('#prerender-note').hidden = kind !== 'prerendered';
  if (kind === 'prerendered') void showPrerendered(settings);
  else code.textContent = snippet(kind, settings);
}

function selectTab(tab: HTMLButtonElement, focus: boolean): void {
  for (const other of document.querySelectorAll<HTMLButtonElement>('[role=tab]')) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
  }
  $<HTMLElement>('#snippet-panel').setAttribute('aria-labelledby', tab.id);
  kind = tab.dataset.kind as SnippetKind;
  if (focus) tab.focus();
  update();
}

function wireTabs(): void {
  const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role=tab]')];
  for (const tab of tabs) {
    tab.addEventListener('click', () => selectTab(tab, false));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      selectTab(tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length]!, true);
    });
  }
}

async function copySnippet(source = code, status = $<HTMLElement>('#copy-status')): Promise<void> {
  try {
    await navigator.clipboard.writeText(source.textContent ?? '');
    status.textContent = 'Copied to the clipboard.';
  } catch {
    // No clipboard permission (an embedded or insecure page): select it so Ctrl+C / Cmd+C copies it.
    getSelection()?.selectAllChildren(source);
    status.textContent = 'Selected: press Ctrl+C (or ⌘C) to copy.';
  }
}

function logEvent(event: Event): void {
  const list = $<HTMLOListElement>('#event-log');
  list.querySelector('.events__empty')?.remove();
  const item = document.createElement('li');
  const name = document.createElement('code');
  name.textContent = event.type;
  const detail = document.createElement('span');
  detail.textContent = JSON.stringify((event as CustomEvent).detail ?? null);
  item.append(name, ' ', detail);
  list.prepend(item);
  while (list.children.length > 6) list.lastElementChild!.remove();
}

/** A fresh live widget (same settings), so a designer can send again after the success state. */
function startOver(): void {
  const fresh = document.createElement('lead-relay');
  fresh.id = 'live';
  watchEvents(fresh);
  live.replaceWith(fresh);
  live = fresh;
  update();
}

/**
 * Fresh widgets everywhere: a widget fetches its questions once, when it first paints, so new questions need new
 * elements. The live one keeps what was typed (its draft, by page and id).
 */
function redrawWidgets(): void {
  gallery = gallery.map((widget) => {
    const fresh = document.createElement('lead-relay');
    fresh.id = widget.id;
    fresh.setAttribute('preview-state', widget.getAttribute('preview-state') ?? 'idle');
    widget.replaceWith(fresh);
    return fresh;
  });
  startOver();
}

const questionList = $<HTMLOListElement>('#question-list');
const questionsStatus = $<HTMLElement>('#questions-status');
/** Counts changes sent to the demo server, so only the newest one's answer is shown. */
let applying = 0;
let applyTimer: ReturnType<typeof setTimeout> | undefined;

/** Give the demo's proxy the editor's questions (after a pause in typing), then redraw the widgets with them. */
function scheduleApply(delayMs = 350): void {
  clearTimeout(applyTimer);
  const ticket = (applying += 1);
  questionsStatus.textContent = 'Updating the preview…';
  questionsStatus.classList.remove('notice--error');
  applyTimer = setTimeout(() => void apply(ticket), delayMs);
}

async function apply(ticket: number): Promise<void> {
  const file = questionsFile(questions);
  let message: string;
  let ok = false;
  try {
    const response = await fetch('/demo-api/questions', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ file }) });
    const answer = (await response.json()) as { file: unknown; error?: { message: string } };
    ok = response.ok;
    message = answer.error ? `Not in the preview yet: ${answer.error.message}` : file ? `In the preview: ${questions.length} question${questions.length === 1 ? '' : 's'}.` : 'No questions: the built-in fields only.';
  } catch {
    message = 'Not in the preview: the demo server did not answer.';
  }
  if (ticket !== applying) return;
  questionsStatus.textContent = message;
  questionsStatus.classList.toggle('notice--error', !ok);
  if (!ok) return;
  questionsApplied = file !== null;
  redrawWidgets();
}

function drawQuestions(): void {
  renderQuestionList(questionList, questions, {
    edited: (_, redraw) => {
      if (redraw) drawQuestions();
      scheduleApply();
    },
    move: (index, by) => {
      const [moved] = questions.splice(index, 1);
      questions.splice(index + by, 0, moved!);
      drawQuestions();
      questionList.querySelectorAll<HTMLElement>('.question')[index + by]?.querySelector<HTMLButtonElement>(`button[aria-label^="Move"]:not(:disabled)`)?.focus();
      scheduleApply(0);
    },
    remove: (index) => {
      questions.splice(index, 1);
      drawQuestions();
      $<HTMLButtonElement>('#add-question').focus();
      scheduleApply(0);
    },
  });
  update();
}

function addQuestion(): void {
  const type = $<HTMLSelectElement>('#new-question-type').value as EditorType;
  questions.push(starterQuestion(type, questions));
  drawQuestions();
  questionList.lastElementChild?.querySelector('input')?.focus();
  scheduleApply(0);
}

/** The questions the demo server holds (a reload keeps them): into the editor, and the widgets ask for them. */
async function loadQuestions(): Promise<void> {
  try {
    const state = (await (await fetch('/demo-api/questions')).json()) as { file: unknown };
    if (!state.file || questions.length) return;
    questions = editorQuestions(state.file);
    questionsApplied = true;
    drawQuestions();
    redrawWidgets();
  } catch {
    // No questions to restore: the editor starts empty.
  }
}

function watchEvents(widget: HTMLElement): void {
  for (const type of ['lr-submit', 'lr-success', 'lr-error', 'lr-queued']) widget.addEventListener(type, logEvent);
}

form.addEventListener('input', update);
form.addEventListener('change', update);
// `reset` fires before the controls take their defaults. Reset all takes the questions out too.
form.addEventListener('reset', () =>
  setTimeout(() => {
    if (questions.length) {
      questions = [];
      drawQuestions();
      scheduleApply(0);
    }
    update();
  }),
);
$<HTMLButtonElement>('#copy').addEventListener('click', () => void copySnippet());
$<HTMLButtonElement>('#copy-questions').addEventListener('click', () => void copySnippet($<HTMLElement>('#questions-code'), $<HTMLElement>('#copy-questions-status')));
$<HTMLButtonElement>('#add-question').addEventListener('click', addQuestion);
$<HTMLButtonElement>('#start-over').addEventListener('click', startOver);
watchEvents(live);
addEventListener('lr-converted', logEvent);
wireTabs();
update();
void loadQuestions();
