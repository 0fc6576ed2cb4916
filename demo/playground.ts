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

const $ = <T extends Element>(selector: string) => document.querySelector<T>(selector)!;

const form = $<HTMLFormElement>('#controls');
let live = $<HTMLElement>('#live');
const gallery = [...document.querySelectorAll<HTMLElement>('#gallery lead-relay')];
const surfaces = [$<HTMLElement>('#stage-surface'), $<HTMLElement>('#gallery-surface')];
const code = $<HTMLElement>('#snippet-code');
let kind: SnippetKind = 'prerendered';
/** Counts render requests, so an answer for older settings never replaces a newer one. */
let rendering = 0;

/** The prerendered snippet is made on the server (Lit's SSR runs in Node): ask for it for these settings. */
async function showPrerendered(settings: Settings): Promise<void> {
  const ticket = (rendering += 1);
  code.textContent = 'Rendering the snippet for these settings…';
  try {
    const response = await fetch('/prerender', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ attributes: renderAttributes(settings) }),
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
  setAttributes(live, attributes, ['id']);
  // The gallery shows each state inline with the same words and theme; it never sends, so it has no proxy.
  const galleryAttributes = attributes.filter(([name]) => !['proxy', 'mode', 'preview-state'].includes(name));
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

async function copySnippet(): Promise<void> {
  const status = $<HTMLElement>('#copy-status');
  try {
    await navigator.clipboard.writeText(code.textContent ?? '');
    status.textContent = 'Copied to the clipboard.';
  } catch {
    // No clipboard permission (an embedded or insecure page): select it so Ctrl+C / Cmd+C copies it.
    getSelection()?.selectAllChildren(code);
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

function watchEvents(widget: HTMLElement): void {
  for (const type of ['lr-submit', 'lr-success', 'lr-error', 'lr-queued']) widget.addEventListener(type, logEvent);
}

form.addEventListener('input', update);
form.addEventListener('change', update);
// `reset` fires before the controls take their defaults.
form.addEventListener('reset', () => setTimeout(update));
$<HTMLButtonElement>('#copy').addEventListener('click', () => void copySnippet());
$<HTMLButtonElement>('#start-over').addEventListener('click', startOver);
watchEvents(live);
addEventListener('lr-converted', logEvent);
wireTabs();
update();
