// The playground's settings → the widget's attributes, its --lr-* properties, and the snippets that reproduce them.

export const FIELDS = ['name', 'email', 'phone', 'message'] as const;
export type Field = (typeof FIELDS)[number];
export type SnippetKind = 'prerendered' | 'module' | 'classic' | 'npm';

/** What POST /prerender answers: the snippet for some settings, and the style-src sources a strict CSP must add. */
export interface Prerendered {
  html: string;
  styleSrc: string[];
}

export interface Settings {
  proxy: string;
  shown: Field[];
  required: Field[];
  mode: 'inline' | 'launcher';
  locale: string;
  heading: string;
  submitLabel: string;
  successMessage: string;
  consent: string;
  phoneCountry: string;
  theme: 'auto' | 'light' | 'dark';
  previewState: string;
  /** JSON text of per-string overrides; sent only when it parses to an object. */
  strings: string;
  accent: string;
  radius: number;
  font: string;
  spacing: number;
  /** `default` when the designer added questions (the questions file's one form), else ''. */
  form: string;
}

/** The widget's own defaults: a setting equal to its default is left out of the markup. */
export const DEFAULTS: Settings = {
  proxy: '/api/leadrelay',
  shown: [...FIELDS],
  required: [],
  mode: 'inline',
  locale: '',
  heading: '',
  submitLabel: '',
  successMessage: '',
  consent: '',
  phoneCountry: '',
  theme: 'auto',
  previewState: '',
  strings: '',
  accent: '#0b57d0',
  radius: 6,
  font: '',
  spacing: 1,
  form: '',
};

/** Font choices for --lr-font (a `font` shorthand, so each carries a size); '' inherits the page's font. */
export const FONTS: Record<string, string> = {
  '': 'Inherit from the page',
  'system-ui': '400 1rem/1.5 system-ui, sans-serif',
  humanist: "400 1rem/1.5 Optima, Candara, 'Noto Sans', sans-serif",
  serif: "400 1.0625rem/1.5 Georgia, 'Times New Roman', serif",
  mono: '400 0.9375rem/1.5 ui-monospace, Menlo, Consolas, monospace',
};

/** `strings` as an object when it is valid JSON for one; undefined when empty; `false` when it does not parse. */
export function parseStrings(text: string): Record<string, string> | undefined | false {
  if (text.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((item) => typeof item === 'string')) {
      return value as Record<string, string>;
    }
  } catch {
    // fall through: not JSON
  }
  return false;
}

/** The attributes, in a stable order, that make the widget look and behave as set; defaults are left out. */
export function widgetAttributes(settings: Settings): [string, string][] {
  const attributes: [string, string][] = [['proxy', settings.proxy]];
  const shown = FIELDS.filter((field) => settings.shown.includes(field));
  if (shown.join(' ') !== DEFAULTS.shown.join(' ')) attributes.push(['fields', shown.join(' ')]);
  const required = FIELDS.filter((field) => settings.required.includes(field) && shown.includes(field));
  if (required.length) attributes.push(['required', required.join(' ')]);
  const text: [string, keyof Settings][] = [
    ['mode', 'mode'],
    ['locale', 'locale'],
    ['heading', 'heading'],
    ['submit-label', 'submitLabel'],
    ['success-message', 'successMessage'],
    ['consent', 'consent'],
    ['phone-country', 'phoneCountry'],
    ['form', 'form'],
    ['theme', 'theme'],
    ['preview-state', 'previewState'],
  ];
  for (const [attribute, key] of text) {
    const value = String(settings[key]).trim();
    if (value !== '' && value !== DEFAULTS[key]) attributes.push([attribute, value]);
  }
  const strings = parseStrings(settings.strings);
  if (strings && Object.keys(strings).length) attributes.push(['strings', JSON.stringify(strings)]);
  return attributes;
}

/** WCAG relative luminance of a `#rrggbb` colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((start) => {
    const channel = parseInt(hex.slice(start, start + 2), 16) / 255;
    return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** White or near-black, whichever reads better on `accent` (the dark theme's default text-on-accent is dark navy). */
export function textOnAccent(accent: string): string {
  const light = luminance(accent);
  return (1.05 / (light + 0.05) >= (light + 0.05) / (luminance('#17181c') + 0.05)) ? '#ffffff' : '#17181c';
}

/** The --lr-* custom properties that differ from the widget's defaults. */
export function themeProperties(settings: Settings): [string, string][] {
  const properties: [string, string][] = [];
  const accent = settings.accent.toLowerCase();
  if (/^#[0-9a-f]{6}$/.test(accent) && accent !== DEFAULTS.accent) {
    // One accent for both themes, so the text on it is chosen for that colour rather than per theme.
    properties.push(['--lr-accent', accent], ['--lr-on-accent', textOnAccent(accent)]);
  }
  if (settings.radius !== DEFAULTS.radius) properties.push(['--lr-radius', `${settings.radius}px`]);
  if (settings.font && FONTS[settings.font]) properties.push(['--lr-font', FONTS[settings.font]!]);
  if (settings.spacing !== DEFAULTS.spacing) properties.push(['--lr-spacing', `${settings.spacing}rem`]);
  return properties;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<lead-relay …></lead-relay>`, one attribute per line once there are more than two. */
export function elementMarkup(settings: Settings, indent = ''): string {
  const attributes = widgetAttributes(settings).map(([name, value]) => `${name}="${escapeAttribute(value)}"`);
  if (attributes.length <= 2) return `${indent}<lead-relay ${attributes.join(' ')}></lead-relay>`;
  return `${indent}<lead-relay\n${attributes.map((attribute) => `${indent}  ${attribute}`).join('\n')}\n${indent}></lead-relay>`;
}

function styleBlock(settings: Settings): string {
  const properties = themeProperties(settings);
  if (!properties.length) return '';
  return `\n\n<style>\n  /* or in your stylesheet */\n  lead-relay {\n${properties.map(([name, value]) => `    ${name}: ${value};`).join('\n')}\n  }\n</style>`;
}

/** The attributes leadrelay-render takes: the playground's, without `preview-state` (a design-review setting). */
export function renderAttributes(settings: Settings): [string, string][] {
  return widgetAttributes(settings).filter(([name]) => name !== 'preview-state');
}

/**
 * Where the snippets load the widget from: the site's own origin. The package is not on a public CDN under this name,
 * and a CDN URL for a name nobody here owns would run whatever someone publishes as it.
 */
export const SCRIPT_DIR = '/leadrelay';

/** The comment that goes with a script tag: which files to put at SCRIPT_DIR. */
export const SERVE_COMMENT = `<!-- Serve the widget from your own site: copy node_modules/leadrelay/dist/ to ${SCRIPT_DIR}/ (the whole folder: the script loads its chunks from it) -->`;

/** With questions: the proxy must have the same file (the form fetches them from it and it checks every answer). */
const QUESTIONS_COMMENT = '<!-- form="default": your questions, from the proxy started with LEADRELAY_QUESTIONS=questions.json (the file below) -->';

function withQuestions(settings: Settings, text: string): string {
  return settings.form ? `${QUESTIONS_COMMENT}\n${text}` : text;
}

/**
 * The same snippet from the command line, run from the project that installed leadrelay: `npx -p leadrelay` uses that
 * copy, where a bare `npx leadrelay-render` outside it would fetch whatever package has that name.
 */
export function renderCommand(settings: Settings): string {
  const quote = (value: string) => (/^[\w./:@-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`);
  const questions = settings.form ? ' --questions questions.json' : '';
  return `npx -p leadrelay leadrelay-render ${renderAttributes(settings).map(([name, value]) => `--${name} ${quote(value)}`).join(' ')}${questions}`;
}

/** The prerendered snippet: it paints with the page, moves nothing, and posts without JavaScript. */
export function prerenderedSnippet(settings: Settings, rendered: Prerendered): string {
  return [
    '<!-- Made for the settings on this page: make it again when you change them, here or, after',
    '     `npm install leadrelay`, in that project with',
    `     ${renderCommand(settings)} -->`,
    SERVE_COMMENT,
    `<script type="module" src="${SCRIPT_DIR}/leadrelay.js"></script>`,
    '',
    rendered.html,
    '',
    `<!-- Under a strict Content-Security-Policy, add to style-src: ${rendered.styleSrc.join(' ')} -->`,
  ].join('\n') + styleBlock(settings);
}

/** The code a customer pastes to get the widget exactly as the playground shows it. */
export function snippet(kind: SnippetKind, settings: Settings): string {
  if (kind === 'module') {
    return withQuestions(settings, `${SERVE_COMMENT}\n<script type="module" src="${SCRIPT_DIR}/leadrelay.js"></script>\n\n${elementMarkup(settings)}${styleBlock(settings)}`);
  }
  if (kind === 'classic') {
    return withQuestions(settings, `<!-- One classic script: for tag managers and pages without modules -->\n${SERVE_COMMENT}\n<script src="${SCRIPT_DIR}/leadrelay.iife.js" defer></script>\n\n${elementMarkup(settings)}${styleBlock(settings)}`);
  }
  const proxy = settings.proxy.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return [
    '# in your terminal',
    'npm install leadrelay',
    '',
    '// main.js',
    "import 'leadrelay'; // registers <lead-relay>",
    "import { convertLead } from 'leadrelay';",
    '',
    '// once your app has signed the visitor in (your server computes userHash):',
    `await convertLead({ proxy: '${proxy}', identity: { userId, email, userHash } });`,
    '',
    '<!-- your template -->',
    ...(settings.form ? [QUESTIONS_COMMENT] : []),
    elementMarkup(settings),
  ].join('\n') + styleBlock(settings);
}
