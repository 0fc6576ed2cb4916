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
  /**
   * The most bytes the largest form's answers can weigh in a JSON body, every answer at its limit in 4-byte characters:
   * POST /leads accepts that much more than `limits.maxBodyBytes` (submissionBodyCap), so the site's own questions
   * never make a legitimate submission too large.
   */
  maxAnswersBytes: number;
}

/** The most fields a post of `form` can carry (a checkboxes question's name once per ticked box). */
function formPostFields(form: QuestionForm): number {
  return FORM_OWN_FIELDS + form.questions.reduce((sum, question) => sum + (question.type === 'checkboxes' ? question.options.length : 1), 0);
}

/** UTF-8's most bytes for one code point; JSON's escapes of what a text may hold (`\"`, `\\`, `\n`) take two. */
const BYTES_PER_CODE_POINT = 4;

/** The most bytes `form`'s answers take in `answers: {…}`: each name quoted, each value at its longest, the separators. */
function answersBytes(form: QuestionForm): number {
  const quoted = (codePoints: number) => codePoints * BYTES_PER_CODE_POINT + 2;
  const longest = (values: readonly string[]) => Math.max(0, ...values.map((value) => [...value].length));
  return form.questions.reduce((sum, question) => {
    let value: number;
    switch (question.type) {
      case 'number':
        value = 32; // a JSON number or its text: more digits than any double prints
        break;
      case 'date':
        value = quoted(10);
        break;
      case 'checkbox':
        value = 5; // true, false
        break;
      case 'select':
        value = quoted(longest(question.options.map((option) => option.value)));
        break;
      case 'checkboxes':
        value = 2 + question.options.reduce((all, option) => all + quoted([...option.value].length) + 1, 0);
        break;
      default:
        value = quoted(question.maxLength);
    }
    return sum + quoted(question.name.length) + 2 + value;
  }, 16); // "answers":{}, and the form's name beside it
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
  const maxAnswersBytes = Math.max(0, ...Object.values(definition.forms).map(answersBytes));
  return { definition, hash: questionsHash(definition), formHashes, maxFormFields, maxAnswersBytes };
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
