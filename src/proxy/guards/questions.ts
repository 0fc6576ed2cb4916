// The proxy's own copy of the site's questions (the `questions` option, LEADRELAY_QUESTIONS): read once at start,
// the only definition answers are checked against, whatever a page claims it was built from.
import {
  DEFAULT_FORM,
  parseQuestionsFile,
  QuestionsFileError,
  questionsHash,
  selectForm,
  type Question,
  type QuestionForm,
  type QuestionsDefinition,
} from '../../protocol/questions.js';
import { ConfigError } from '../errors.js';
import { FORM_OWN_FIELDS, MAX_FORM_FIELDS } from './request-body.js';

/** The questions as the proxy serves and checks them: the definition, and each form's hash computed once. */
export interface ProxyQuestions {
  definition: QuestionsDefinition;
  /** The whole definition's hash (GET /questions without `form`). */
  hash: string;
  /** Each form's hash, by form name. */
  formHashes: ReadonlyMap<string, string>;
  /**
   * The most fields a form post may carry: what the largest form can post (its own fields, each question once, a
   * `checkboxes` question once per option), and never fewer than MAX_FORM_FIELDS. A legitimate post is never refused
   * by its field count; a flood of names still is, before any of it is judged.
   */
  maxFormFields: number;
}

/** The most fields a post of `form` can carry (a checkboxes question's name once per ticked box). */
function formPostFields(form: QuestionForm): number {
  return FORM_OWN_FIELDS + form.questions.reduce((sum, question) => sum + (question.type === 'checkboxes' ? question.options.length : 1), 0);
}

/** A definition parseQuestionsFile made (its forms hold `{name, defaultLocale, questions}`), not a raw file. */
function isParsed(value: unknown): value is QuestionsDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const { defaultLocale, forms } = value as { defaultLocale?: unknown; forms?: unknown };
  if (typeof defaultLocale !== 'string' || typeof forms !== 'object' || forms === null || Array.isArray(forms)) return false;
  const list = Object.values(forms);
  return list.length > 0 && list.every((form) => typeof form === 'object' && form !== null && Array.isArray((form as QuestionForm).questions) && typeof (form as QuestionForm).name === 'string');
}

/** A parsed question as a file would write it. */
function asWritten(question: Question): Record<string, unknown> {
  if (question.type !== 'hidden') return question as unknown as Record<string, unknown>;
  const { required: _required, ...written } = question;
  return written;
}

/**
 * The `questions` option read: a definition parseQuestionsFile made, or the file's JSON (parsed here). A file that
 * cannot work is a ConfigError whose sentence names the question and what is wrong, so the proxy does not start.
 */
export function loadQuestions(input: unknown): ProxyQuestions {
  let definition: QuestionsDefinition;
  try {
    // A parsed definition is read again from its own forms, so a hand-built one gets the same checks as a file.
    definition = isParsed(input)
      ? parseQuestionsFile({
          defaultLocale: input.defaultLocale,
          // A hidden question is never required, and its file says nothing about it (the key is not allowed there).
          forms: Object.fromEntries(Object.entries(input.forms).map(([name, form]) => [name, form.questions.map(asWritten)])),
        })
      : parseQuestionsFile(input);
  } catch (error) {
    if (!(error instanceof QuestionsFileError)) throw error;
    throw new ConfigError('`questions` (LEADRELAY_QUESTIONS)', `cannot be used: ${error.message.replace(/\.$/, '')}`, 'Fix the questions file and start the proxy again.');
  }
  // A `{questions: […]}` file read back through `forms` keeps its one form under the default name.
  const formHashes = new Map(Object.values(definition.forms).map((form) => [form.name, questionsHash(form)]));
  const maxFormFields = Math.max(MAX_FORM_FIELDS, ...Object.values(definition.forms).map(formPostFields));
  return { definition, hash: questionsHash(definition), formHashes, maxFormFields };
}

/** The form a submission or the widget names; with no name, the default form, or none (an empty form) when the file has none. */
export function questionForm(questions: ProxyQuestions | undefined, name: string | undefined): QuestionForm | undefined {
  const form = questions ? selectForm(questions.definition, name ?? DEFAULT_FORM) : undefined;
  if (form) return form;
  // Without a questions file, or a file of named forms only, a form that names none asks nothing of its own.
  if (name === undefined || name === DEFAULT_FORM) return emptyForm(questions);
  return undefined;
}

/** The form with no questions of its own: what every form is without a questions file. */
export function emptyForm(questions: ProxyQuestions | undefined): QuestionForm {
  return { name: DEFAULT_FORM, defaultLocale: questions?.definition.defaultLocale ?? 'en', questions: [] };
}

/** The hash of `form` (computed once at start for the file's forms). */
export function formHash(questions: ProxyQuestions | undefined, form: QuestionForm): string {
  return questions?.formHashes.get(form.name) ?? questionsHash(form);
}
