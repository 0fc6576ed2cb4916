// The playground's question editor: the questions as the designer edits them, and the questions file they make.

export const QUESTION_TYPES = ['text', 'textarea', 'email', 'url', 'tel', 'number', 'select', 'checkboxes', 'checkbox', 'date', 'hidden'] as const;
export type EditorType = (typeof QUESTION_TYPES)[number];

/** The locales the playground offers besides English: a label may be given in each. */
export const LABEL_LOCALES = ['de', 'es', 'fr', 'ar'] as const;

/** One question in the editor: what a questions file says of it, flattened for form controls. */
export interface EditorQuestion {
  name: string;
  type: EditorType;
  /** English label; the file's fallback for every other locale. */
  label: string;
  /** Labels in other locales (empty: English is shown). */
  labels: Partial<Record<(typeof LABEL_LOCALES)[number], string>>;
  hint: string;
  required: boolean;
  /** select and checkboxes: one value per line. */
  options: string;
  /** text: the answer names the lead's company. */
  company: boolean;
  /** hidden: the page's URL parameter it reads. */
  param: string;
}

/** A starting point per type, so an added question already reads like one a site would ask. */
const STARTERS: Record<EditorType, Pick<EditorQuestion, 'name' | 'label'> & Partial<EditorQuestion>> = {
  text: { name: 'company_name', label: 'Company', company: true },
  textarea: { name: 'details', label: 'Anything else we should know?' },
  email: { name: 'work_email', label: 'Work email' },
  url: { name: 'website', label: 'Website' },
  tel: { name: 'office_phone', label: 'Office phone' },
  number: { name: 'team_size', label: 'Team size' },
  select: { name: 'interest', label: 'Interested in', options: 'Sales\nSupport\nPartnership' },
  checkboxes: { name: 'products', label: 'Products', options: 'API\nWidget\nInbox' },
  checkbox: { name: 'newsletter', label: 'Send me the newsletter' },
  date: { name: 'start_date', label: 'Start date' },
  hidden: { name: 'campaign', label: 'Campaign', param: 'cid' },
};

/** A new question of `type`, its name made unique among `existing`. */
export function starterQuestion(type: EditorType, existing: readonly EditorQuestion[]): EditorQuestion {
  const starter = STARTERS[type];
  const taken = new Set(existing.map((question) => question.name));
  let name = starter.name;
  for (let n = 2; taken.has(name); n += 1) name = `${starter.name}_${n}`;
  // Only one company question per form.
  const company = Boolean(starter.company) && !existing.some((question) => question.company);
  return { hint: '', required: false, options: '', param: '', labels: {}, ...starter, type, name, company };
}

/** The non-empty lines of an options box, trimmed. */
function optionLines(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter(Boolean);
}

/** One question as the file writes it (keys the type does not take are left out). */
function fileQuestion(question: EditorQuestion): Record<string, unknown> {
  const translated = Object.entries(question.labels).filter(([, text]) => text?.trim());
  const label = translated.length ? { en: question.label, ...Object.fromEntries(translated.map(([locale, text]) => [locale, text!.trim()])) } : question.label;
  const written: Record<string, unknown> = { name: question.name, type: question.type, label };
  if (question.type === 'hidden') {
    written.param = question.param;
    return written;
  }
  if (question.hint.trim()) written.hint = question.hint.trim();
  if (question.required) written.required = true;
  if (question.type === 'select' || question.type === 'checkboxes') written.options = optionLines(question.options);
  if (question.type === 'number') written.integer = true;
  if (question.type === 'text' && question.company) written.company = true;
  return written;
}

/** The questions file for the editor's questions; null when there are none (the built-in fields only). */
export function questionsFile(questions: readonly EditorQuestion[]): { questions: Record<string, unknown>[] } | null {
  return questions.length ? { questions: questions.map(fileQuestion) } : null;
}

/** The file's text as the playground shows and copies it: one question a line or so, like docs/questions.md. */
export function questionsFileText(questions: readonly EditorQuestion[]): string {
  const file = questionsFile(questions);
  if (!file) return '';
  return `{\n  "questions": [\n${file.questions.map((question) => `    ${JSON.stringify(question)}`).join(',\n')}\n  ]\n}\n`;
}

/** Editor questions from a file the demo server holds (what this editor wrote earlier). */
export function editorQuestions(file: unknown): EditorQuestion[] {
  const list = (file as { questions?: unknown } | null)?.questions;
  if (!Array.isArray(list)) return [];
  return list.map((raw: Record<string, unknown>) => {
    const label = raw.label as string | Record<string, string> | undefined;
    const labels = typeof label === 'object' && label ? label : {};
    const type = (QUESTION_TYPES as readonly string[]).includes(String(raw.type)) ? (raw.type as EditorType) : 'text';
    return {
      name: String(raw.name ?? ''),
      type,
      label: typeof label === 'string' ? label : (labels.en ?? ''),
      labels: Object.fromEntries(LABEL_LOCALES.filter((locale) => labels[locale]).map((locale) => [locale, labels[locale]])),
      hint: typeof raw.hint === 'string' ? raw.hint : '',
      required: raw.required === true,
      options: Array.isArray(raw.options) ? raw.options.map((option) => (typeof option === 'string' ? option : String((option as { value?: unknown }).value))).join('\n') : '',
      company: raw.company === true,
      param: typeof raw.param === 'string' ? raw.param : '',
    };
  });
}
