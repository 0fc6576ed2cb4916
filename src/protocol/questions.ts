// A site's own questions: the questions file (its types and how it is read), the answers' validation, and what the
// answers become in Intercom. Imported by the widget and the proxy, so it must stay free of DOM and Node APIs.
import { validateEmail, validatePhoneShape, validateText, validateUrlText, type FieldErrorCode } from './wire.js';
import { urlSchemeError } from './url.js';

export const QUESTION_TYPES = [
  'text',
  'textarea',
  'email',
  'url',
  'tel',
  'number',
  'select',
  'checkboxes',
  'checkbox',
  'date',
  'hidden',
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** A text per locale (`{"en": "Team size", "de": "Teamgröße"}`), or one string for every locale. */
export type LocalizedText = string | Readonly<Record<string, string>>;

export interface QuestionOption {
  /** What is stored in Intercom and posted by the form. */
  value: string;
  /** What the visitor reads; the value when absent. */
  label?: LocalizedText;
}

interface QuestionBase {
  /** The answer's key in `answers` and the form field's name: lower case letters, digits and `_`. */
  name: string;
  type: QuestionType;
  label: LocalizedText;
  hint?: LocalizedText;
  required: boolean;
  /** The Intercom custom attribute the answer is stored in (default: `name`). */
  attribute: string;
}

export interface TextQuestion extends QuestionBase {
  type: 'text' | 'textarea' | 'email' | 'url' | 'tel';
  /** Code points; at most 255, what Intercom keeps in a text attribute. */
  maxLength: number;
  /** `text` only: the answer names the lead's company (one per form). */
  company?: true;
}

export interface NumberQuestion extends QuestionBase {
  type: 'number';
  min?: number;
  max?: number;
  /** Whole numbers only, stored as an Intercom integer (else a float). */
  integer: boolean;
}

export interface ChoiceQuestion extends QuestionBase {
  type: 'select' | 'checkboxes';
  options: QuestionOption[];
}

export interface CheckboxQuestion extends QuestionBase {
  type: 'checkbox';
}

export interface DateQuestion extends QuestionBase {
  type: 'date';
  /** `YYYY-MM-DD`, inclusive. */
  min?: string;
  max?: string;
}

export interface HiddenQuestion extends QuestionBase {
  type: 'hidden';
  required: false;
  maxLength: number;
  /** The page's URL parameter the widget reads the value from. */
  param?: string;
  /** A fixed value; the proxy uses it whatever the browser sends. */
  value?: string;
}

export type Question = TextQuestion | NumberQuestion | ChoiceQuestion | CheckboxQuestion | DateQuestion | HiddenQuestion;

/** One form's questions, in the order the visitor sees them. */
export interface QuestionForm {
  /** `default` for a file of the `{questions: […]}` shape. */
  name: string;
  /** The locale of the answers' summary in the first message, and the labels' last fallback. */
  defaultLocale: string;
  questions: Question[];
}

/** A questions file, read and checked. */
export interface QuestionsDefinition {
  defaultLocale: string;
  /** By form name (null-prototype object). */
  forms: Record<string, QuestionForm>;
}

/** The form a `{questions: […]}` file defines, and the one chosen when the widget names none. */
export const DEFAULT_FORM = 'default';

/** An answer after validation: a string, a number, a boolean, or the chosen values of a `checkboxes` question. */
export type AnswerValue = string | number | boolean | string[];
export type AnswerValues = Record<string, AnswerValue>;

/** The Intercom data types an answer can be stored as. */
export type IntercomDataType = 'string' | 'integer' | 'float' | 'boolean' | 'date';

/** The codes an answer can fail with, beyond those of the built-in fields. */
export const QUESTION_ERROR_CODES = ['unknown_option', 'out_of_range', 'invalid_number', 'invalid_date'] as const;
export type AnswerErrorCode = FieldErrorCode | (typeof QUESTION_ERROR_CODES)[number];

/** Limits of a questions file. */
export const QUESTION_LIMITS = {
  questionsPerForm: 50,
  optionsPerQuestion: 100,
  forms: 20,
  /** Intercom keeps at most 255 characters in a text attribute. */
  textMax: 255,
  labelMax: 300,
  hintMax: 1000,
  nameMax: 64,
  attributeMax: 190,
} as const;

const DEFAULT_MAX_LENGTH: Record<TextQuestion['type'] | 'hidden', number> = {
  text: 200,
  textarea: 255,
  email: 254,
  url: 255,
  tel: 32,
  hidden: 200,
};

/** Field names the lead body and the no-JavaScript form already use: a question may not take them. */
const RESERVED_NAMES = new Set([
  'name', 'email', 'phone', 'message', 'consent', 'page', 'utm', 'hp', 'avatar', 'answers', 'locale', 'success_url',
  'form', 'captcha', 'questions', 'submission_id',
]);
const RESERVED_PREFIXES = ['utm_', 'leadrelay_', 'cf_'];

/**
 * Intercom's standard contact fields (the contact object's own keys): an answer stored under one of these names
 * would read as, or be refused as, the field itself; `role`, `owner_id` and `external_id` would hand the browser
 * powers it must never have.
 */
const STANDARD_CONTACT_FIELDS = new Set([
  'id', 'type', 'workspace_id', 'external_id', 'role', 'email', 'email_domain', 'email_verified', 'phone',
  'formatted_phone', 'name', 'avatar', 'owner_id', 'social_profiles', 'has_hard_bounced', 'marked_email_as_spam',
  'unsubscribed_from_emails', 'created_at', 'updated_at', 'signed_up_at', 'last_seen_at', 'last_replied_at',
  'last_contacted_at', 'last_email_opened_at', 'last_email_clicked_at', 'language_override', 'browser',
  'browser_version', 'browser_language', 'os', 'location', 'android_app_name', 'android_app_version', 'android_device',
  'android_os_version', 'android_sdk_version', 'android_last_seen_at', 'ios_app_name', 'ios_app_version', 'ios_device',
  'ios_os_version', 'ios_sdk_version', 'ios_last_seen_at', 'custom_attributes', 'tags', 'notes', 'companies',
  'segments', 'opted_out_subscription_types', 'opted_in_subscription_types', 'utm_campaign', 'utm_content',
  'utm_medium', 'utm_source', 'utm_term', 'referrer', 'enabled_push_messaging', 'user_id', 'pseudonym', 'anonymous',
  'session_count', 'last_request_at', 'remote_created_at', 'merge_history', 'user_agent_data', 'app_id',
]);

const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
const FORM_NAME_PATTERN = /^[a-z][a-z0-9_-]*$/;
const ATTRIBUTE_PATTERN = /^[A-Za-z0-9_-]+(?: [A-Za-z0-9_-]+)*$/;
const LOCALE_PATTERN = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
const PARAM_PATTERN = /^[A-Za-z0-9_.~-]{1,100}$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A questions file that cannot work: `message` is one sentence naming the form and question and what is wrong. */
export class QuestionsFileError extends Error {
  constructor(
    message: string,
    readonly form?: string,
    readonly question?: string,
  ) {
    super(message);
    this.name = 'QuestionsFileError';
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(object: Json, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

function codePoints(text: string): number {
  return [...text].length;
}

/** Reads one question; `where` names it in every sentence (`Question "team_size" in form "demo"`). */
class QuestionReader {
  constructor(
    private readonly raw: Json,
    private readonly where: string,
    private readonly formName: string,
    private readonly questionName: string | undefined,
  ) {}

  fail(problem: string): never {
    throw new QuestionsFileError(`${this.where} ${problem}.`, this.formName, this.questionName);
  }

  allowKeys(allowed: readonly string[]): void {
    for (const key of Object.keys(this.raw)) {
      if (!allowed.includes(key)) this.fail(`has an unknown key "${key}" (allowed: ${allowed.join(', ')})`);
    }
  }

  text(key: string, max: number, required: boolean): LocalizedText | undefined {
    const value = own(this.raw, key);
    if (value === undefined) {
      if (required) this.fail(`has no ${key}`);
      return undefined;
    }
    const check = (text: unknown, what: string): string => {
      if (typeof text !== 'string' || text.trim() === '') this.fail(`has ${what} that is not a non-empty string`);
      if (validateText(text, max) !== undefined) this.fail(`has ${what} longer than ${max} characters or with control characters`);
      return text;
    };
    if (typeof value === 'string') return check(value, `a ${key}`);
    if (!isObject(value) || Object.keys(value).length === 0) this.fail(`has a ${key} that is neither a string nor an object of texts by locale`);
    // A plain object is safe here: every key passed LOCALE_PATTERN, which `__proto__` cannot.
    const texts: Record<string, string> = {};
    for (const [locale, text] of Object.entries(value)) {
      if (!LOCALE_PATTERN.test(locale)) this.fail(`has a ${key} for "${locale}", which is not a locale like "en" or "pt-BR"`);
      texts[locale] = check(text, `a ${key} for "${locale}"`);
    }
    return texts;
  }

  boolean(key: string): boolean | undefined {
    const value = own(this.raw, key);
    if (value !== undefined && typeof value !== 'boolean') this.fail(`has a ${key} that is not true or false`);
    return value as boolean | undefined;
  }

  number(key: string): number | undefined {
    const value = own(this.raw, key);
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) this.fail(`has a ${key} that is not a number`);
    return value as number | undefined;
  }

  string(key: string, pattern: RegExp, what: string): string | undefined {
    const value = own(this.raw, key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !pattern.test(value)) this.fail(`has a ${key} that is not ${what}`);
    return value;
  }

  maxLength(type: TextQuestion['type'] | 'hidden'): number {
    const value = own(this.raw, 'maxLength');
    if (value === undefined) return DEFAULT_MAX_LENGTH[type];
    const ceiling = type === 'email' ? 254 : type === 'tel' ? 32 : QUESTION_LIMITS.textMax;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > ceiling) {
      this.fail(`has a maxLength that is not a whole number from 1 to ${ceiling}${ceiling === QUESTION_LIMITS.textMax ? ' (Intercom keeps at most 255 characters in a text attribute)' : ''}`);
    }
    return value;
  }

  options(type: 'select' | 'checkboxes'): QuestionOption[] {
    const value = own(this.raw, 'options');
    if (!Array.isArray(value) || value.length === 0) this.fail(`is a ${type} question without options (add "options": [{"value": …, "label": …}])`);
    if (value.length > QUESTION_LIMITS.optionsPerQuestion) this.fail(`has more than ${QUESTION_LIMITS.optionsPerQuestion} options`);
    const seen = new Set<string>();
    const options = value.map((item, index): QuestionOption => {
      const option = typeof item === 'string' ? { value: item } : item;
      if (!isObject(option)) this.fail(`has option ${index + 1} that is neither a string nor {"value", "label"}`);
      const reader = new QuestionReader(option, `${this.where}, option ${index + 1},`, this.formName, this.questionName);
      reader.allowKeys(['value', 'label']);
      const optionValue = own(option, 'value');
      if (typeof optionValue !== 'string' || optionValue.trim() === '' || optionValue !== optionValue.trim()) {
        this.fail(`has option ${index + 1} whose value is not a non-empty string without leading or trailing spaces`);
      }
      if (validateText(optionValue, QUESTION_LIMITS.textMax) !== undefined) this.fail(`has option value "${optionValue}" longer than 255 characters or with control characters`);
      if (type === 'checkboxes' && optionValue.includes(',')) {
        this.fail(`has option value "${optionValue}" with a comma, which Intercom could not tell apart once the chosen values are joined by ", "`);
      }
      if (seen.has(optionValue)) this.fail(`has the option value "${optionValue}" twice`);
      seen.add(optionValue);
      const label = reader.text('label', QUESTION_LIMITS.labelMax, false);
      return label === undefined ? { value: optionValue } : { value: optionValue, label };
    });
    if (type === 'checkboxes' && codePoints(options.map((option) => option.value).join(', ')) > QUESTION_LIMITS.textMax) {
      this.fail('has options whose values, all chosen and joined by ", ", are longer than the 255 characters Intercom keeps in a text attribute');
    }
    return options;
  }
}

const COMMON_KEYS = ['name', 'type', 'label', 'hint', 'required', 'attribute'];
const KEYS_BY_TYPE: Record<QuestionType, readonly string[]> = {
  text: [...COMMON_KEYS, 'maxLength', 'company'],
  textarea: [...COMMON_KEYS, 'maxLength'],
  email: [...COMMON_KEYS, 'maxLength'],
  url: [...COMMON_KEYS, 'maxLength'],
  tel: [...COMMON_KEYS, 'maxLength'],
  number: [...COMMON_KEYS, 'min', 'max', 'integer'],
  select: [...COMMON_KEYS, 'options'],
  checkboxes: [...COMMON_KEYS, 'options'],
  checkbox: COMMON_KEYS,
  date: [...COMMON_KEYS, 'min', 'max'],
  hidden: ['name', 'type', 'label', 'attribute', 'maxLength', 'param', 'value'],
};

function readQuestion(raw: unknown, index: number, formName: string, formLabel: string): Question {
  const position = `Question ${index + 1}${formLabel}`;
  if (!isObject(raw)) throw new QuestionsFileError(`${position} is not an object.`, formName);
  const rawName = own(raw, 'name');
  const named = typeof rawName === 'string' && rawName !== '' ? rawName : undefined;
  const reader = new QuestionReader(raw, named ? `Question "${named}"${formLabel}` : position, formName, named);
  if (typeof rawName !== 'string' || !NAME_PATTERN.test(rawName) || rawName.length > QUESTION_LIMITS.nameMax) {
    reader.fail(`has a name that is not lower case letters, digits and "_" starting with a letter (at most ${QUESTION_LIMITS.nameMax})`);
  }
  const name = rawName as string;
  if (RESERVED_NAMES.has(name) || RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix))) {
    reader.fail('has a name the form already uses for its own fields (choose another, e.g. with a prefix)');
  }
  const type = own(raw, 'type');
  if (typeof type !== 'string' || !(QUESTION_TYPES as readonly string[]).includes(type)) {
    reader.fail(`has an unknown type ${JSON.stringify(type)} (one of ${QUESTION_TYPES.join(', ')})`);
  }
  const questionType = type as QuestionType;
  reader.allowKeys(KEYS_BY_TYPE[questionType]);
  const attribute = reader.string('attribute', ATTRIBUTE_PATTERN, 'letters, digits, "_", "-" and single spaces') ?? name;
  if (attribute.length > QUESTION_LIMITS.attributeMax) reader.fail(`has an attribute longer than ${QUESTION_LIMITS.attributeMax} characters`);
  if (/^leadrelay_/i.test(attribute)) reader.fail(`has the attribute "${attribute}", a name LeadRelay keeps for its own attributes`);
  if (STANDARD_CONTACT_FIELDS.has(attribute.toLowerCase())) {
    reader.fail(`has the attribute "${attribute}", one of Intercom's standard contact fields, which an answer may never set`);
  }
  const label = questionType === 'hidden' ? reader.text('label', QUESTION_LIMITS.labelMax, false) ?? name : reader.text('label', QUESTION_LIMITS.labelMax, true)!;
  const hint = reader.text('hint', QUESTION_LIMITS.hintMax, false);
  const required = reader.boolean('required') ?? false;
  const base = { name, label, required, attribute, ...(hint === undefined ? {} : { hint }) };

  switch (questionType) {
    case 'text':
    case 'textarea':
    case 'email':
    case 'url':
    case 'tel': {
      const company = reader.boolean('company');
      if (company === false) reader.fail('has "company": false (leave it out instead)');
      return { ...base, type: questionType, maxLength: reader.maxLength(questionType), ...(company ? { company: true as const } : {}) };
    }
    case 'number': {
      const min = reader.number('min');
      const max = reader.number('max');
      const integer = reader.boolean('integer') ?? false;
      if (min !== undefined && max !== undefined && min > max) reader.fail(`has a min (${min}) above its max (${max})`);
      if (integer && ((min !== undefined && !Number.isInteger(min)) || (max !== undefined && !Number.isInteger(max)))) {
        reader.fail('is an integer question with a min or max that is not a whole number');
      }
      return { ...base, type: 'number', integer, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
    }
    case 'select':
    case 'checkboxes':
      return { ...base, type: questionType, options: reader.options(questionType) };
    case 'checkbox':
      return { ...base, type: 'checkbox' };
    case 'date': {
      const min = reader.string('min', DATE_PATTERN, 'a date like 2026-01-31');
      const max = reader.string('max', DATE_PATTERN, 'a date like 2026-01-31');
      if ((min !== undefined && dateSeconds(min) === undefined) || (max !== undefined && dateSeconds(max) === undefined)) {
        reader.fail('has a min or max that is not a real calendar date');
      }
      if (min !== undefined && max !== undefined && min > max) reader.fail(`has a min (${min}) after its max (${max})`);
      return { ...base, type: 'date', ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
    }
    case 'hidden': {
      const maxLength = reader.maxLength('hidden');
      const param = reader.string('param', PARAM_PATTERN, 'a URL parameter name');
      const fixed = own(raw, 'value');
      if ((param === undefined) === (fixed === undefined)) reader.fail('is a hidden question that needs exactly one of "param" (a URL parameter) or "value" (a fixed value)');
      if (fixed !== undefined && (typeof fixed !== 'string' || fixed.trim() === '' || validateText(fixed, maxLength) !== undefined)) {
        reader.fail(`has a value that is not a one-line string of at most ${maxLength} characters`);
      }
      return { ...base, type: 'hidden', required: false, maxLength, ...(param === undefined ? {} : { param }), ...(fixed === undefined ? {} : { value: fixed as string }) };
    }
  }
}

function readForm(raw: unknown, formName: string, defaultLocale: string, single: boolean): QuestionForm {
  const formLabel = single ? '' : ` in form "${formName}"`;
  if (!Array.isArray(raw)) {
    throw new QuestionsFileError(single ? 'The questions file\'s "questions" is not a list.' : `Form "${formName}" is not a list of questions.`, formName);
  }
  if (raw.length === 0) throw new QuestionsFileError(single ? 'The questions file has no questions.' : `Form "${formName}" has no questions.`, formName);
  if (raw.length > QUESTION_LIMITS.questionsPerForm) {
    throw new QuestionsFileError(`${single ? 'The questions file' : `Form "${formName}"`} has more than ${QUESTION_LIMITS.questionsPerForm} questions.`, formName);
  }
  const questions = raw.map((item, index) => readQuestion(item, index, formName, formLabel));
  const names = new Set<string>();
  const attributes = new Map<string, string>();
  let company: string | undefined;
  for (const question of questions) {
    const where = `Question "${question.name}"${formLabel}`;
    if (names.has(question.name)) throw new QuestionsFileError(`${where} is defined twice.`, formName, question.name);
    names.add(question.name);
    const other = attributes.get(question.attribute.toLowerCase());
    if (other !== undefined) {
      throw new QuestionsFileError(`${where} stores its answer in the attribute "${question.attribute}", as question "${other}" already does.`, formName, question.name);
    }
    attributes.set(question.attribute.toLowerCase(), question.name);
    if ('company' in question && question.company) {
      if (question.type !== 'text') throw new QuestionsFileError(`${where} has "company": true, which only a text question may have.`, formName, question.name);
      if (company !== undefined) throw new QuestionsFileError(`${where} has "company": true, as question "${company}" already does (one per form).`, formName, question.name);
      company = question.name;
    }
  }
  return { name: formName, defaultLocale, questions };
}

/**
 * Reads a questions file (already parsed JSON): `{ "questions": […] }` or `{ "forms": { "<name>": […], … } }`, with an
 * optional `"defaultLocale"` (English unless set). Throws a QuestionsFileError whose message is one sentence naming
 * the question (and form) and what is wrong.
 */
export function parseQuestionsFile(json: unknown): QuestionsDefinition {
  if (!isObject(json)) throw new QuestionsFileError('The questions file is not a JSON object like {"questions": […]}.');
  for (const key of Object.keys(json)) {
    if (!['questions', 'forms', 'defaultLocale'].includes(key)) {
      throw new QuestionsFileError(`The questions file has an unknown key "${key}" (allowed: questions, forms, defaultLocale).`);
    }
  }
  const defaultLocale = own(json, 'defaultLocale') ?? 'en';
  if (typeof defaultLocale !== 'string' || !LOCALE_PATTERN.test(defaultLocale)) {
    throw new QuestionsFileError('The questions file\'s defaultLocale is not a locale like "en" or "pt-BR".');
  }
  const questions = own(json, 'questions');
  const forms = own(json, 'forms');
  if ((questions === undefined) === (forms === undefined)) {
    throw new QuestionsFileError('The questions file needs exactly one of "questions" (one form) or "forms" (several named forms).');
  }
  const result: Record<string, QuestionForm> = Object.create(null);
  if (questions !== undefined) {
    result[DEFAULT_FORM] = readForm(questions, DEFAULT_FORM, defaultLocale, true);
  } else {
    if (!isObject(forms) || Object.keys(forms).length === 0) throw new QuestionsFileError('The questions file\'s "forms" is not an object of named forms.');
    if (Object.keys(forms).length > QUESTION_LIMITS.forms) throw new QuestionsFileError(`The questions file has more than ${QUESTION_LIMITS.forms} forms.`);
    for (const [formName, raw] of Object.entries(forms)) {
      if (!FORM_NAME_PATTERN.test(formName) || formName.length > QUESTION_LIMITS.nameMax) {
        throw new QuestionsFileError(`Form "${formName}" has a name that is not lower case letters, digits, "_" and "-" starting with a letter.`, formName);
      }
      result[formName] = readForm(raw, formName, defaultLocale, false);
    }
    // Forms share one workspace: an attribute two forms write must hold the same Intercom data type in both.
    const types = new Map<string, { type: IntercomDataType; where: string }>();
    for (const form of Object.values(result)) {
      for (const question of form.questions) {
        const type = intercomDataType(question);
        const key = question.attribute.toLowerCase();
        const earlier = types.get(key);
        if (earlier && earlier.type !== type) {
          throw new QuestionsFileError(
            `Question "${question.name}" in form "${form.name}" stores a ${type} in the attribute "${question.attribute}", which ${earlier.where} stores a ${earlier.type} in.`,
            form.name,
            question.name,
          );
        }
        if (!earlier) types.set(key, { type, where: `question "${question.name}" in form "${form.name}"` });
      }
    }
  }
  return { defaultLocale, forms: result };
}

/** The form a widget's `form` attribute names (the default form when it names none); undefined when there is none. */
export function selectForm(definition: QuestionsDefinition, name: string = DEFAULT_FORM): QuestionForm | undefined {
  return Object.prototype.hasOwnProperty.call(definition.forms, name) ? definition.forms[name] : undefined;
}

// ---- The definition's hash ----

/** JSON with object keys sorted at every level: the same definition always gives the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * FNV-1a, 64 bits, over UTF-8, in four 16-bit limbs (no BigInt). Synchronous and a few lines, so the prerender can
 * bake it into markup and the widget needs no `crypto.subtle` (absent on pages served over plain http). Not a
 * security hash: it only tells a form built from an older definition apart, and the proxy checks every answer
 * against its own definition whatever hash comes with it.
 */
export function fnv1a64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (const byte of bytes) {
    h0 ^= byte;
    // × 0x100000001b3 = × 0x1b3 plus a shift by 40 bits (limb 2, 8 bits up).
    const t0 = h0 * 0x1b3;
    let t1 = h1 * 0x1b3;
    let t2 = h2 * 0x1b3 + (h0 << 8);
    const t3 = h3 * 0x1b3 + (h1 << 8);
    t1 += t0 >>> 16;
    h0 = t0 & 0xffff;
    t2 += t1 >>> 16;
    h1 = t1 & 0xffff;
    h3 = (t3 + (t2 >>> 16)) & 0xffff;
    h2 = t2 & 0xffff;
  }
  return [h3, h2, h1, h0].map((limb) => limb.toString(16).padStart(4, '0')).join('');
}

/** A short, stable hash (16 hex characters) of a form or a whole definition: key order and spacing in the file do not change it. */
export function questionsHash(definition: QuestionForm | QuestionsDefinition): string {
  return fnv1a64(canonicalJson(definition));
}

// ---- Texts per locale ----

/** The text for `locale`: that locale, its language (`de` for `de-CH`), English, the file's default locale, or the first. */
export function localizedText(text: LocalizedText, locale: string, defaultLocale = 'en'): string {
  if (typeof text === 'string') return text;
  const language = locale.split('-')[0]!;
  for (const candidate of [locale, language, 'en', defaultLocale]) {
    if (Object.prototype.hasOwnProperty.call(text, candidate)) return text[candidate]!;
  }
  return Object.values(text)[0] ?? '';
}

export function questionLabel(question: Question, locale: string, defaultLocale = 'en'): string {
  return localizedText(question.label, locale, defaultLocale);
}

export function questionHint(question: Question, locale: string, defaultLocale = 'en'): string | undefined {
  return question.hint === undefined ? undefined : localizedText(question.hint, locale, defaultLocale);
}

export function optionLabel(option: QuestionOption, locale: string, defaultLocale = 'en'): string {
  return option.label === undefined ? option.value : localizedText(option.label, locale, defaultLocale);
}

// ---- Answers ----

/** A calendar date `YYYY-MM-DD` as Unix seconds at midnight UTC; undefined for anything else (2026-02-30 included). */
export function dateSeconds(value: string): number | undefined {
  const match = DATE_PATTERN.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const time = Date.UTC(year, month - 1, day);
  const date = new Date(time);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return time / 1000;
}

const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const TRUE_TEXTS = new Set(['on', 'true', '1', 'yes']);
const FALSE_TEXTS = new Set(['', 'false', '0', 'off', 'no']);

type Checked = { value: AnswerValue } | { error: AnswerErrorCode } | { empty: true };

/** An answer from JSON or from a form post (where everything is a string, and several ticked boxes a list). */
function checkAnswer(question: Question, raw: unknown): Checked {
  switch (question.type) {
    case 'text':
    case 'textarea':
    case 'email':
    case 'url':
    case 'tel':
    case 'hidden': {
      if (typeof raw !== 'string') return { error: 'invalid_type' };
      const text = raw.trim();
      if (text === '') return { empty: true };
      const limited = validateText(text, question.maxLength, question.type === 'textarea');
      if (limited) return { error: limited };
      const specific =
        question.type === 'email' ? validateEmail(text) : question.type === 'url' ? validateUrlText(text) ?? urlSchemeError(text) : question.type === 'tel' ? validatePhoneShape(text) : undefined;
      return specific ? { error: specific } : { value: text };
    }
    case 'number': {
      let number: number;
      if (typeof raw === 'number') number = raw;
      else if (typeof raw === 'string') {
        const text = raw.trim();
        if (text === '') return { empty: true };
        if (!NUMBER_TEXT.test(text)) return { error: 'invalid_number' };
        number = Number(text);
      } else return { error: 'invalid_type' };
      if (!Number.isFinite(number) || (question.integer && !Number.isInteger(number))) return { error: 'invalid_number' };
      if (Math.abs(number) > Number.MAX_SAFE_INTEGER) return { error: 'out_of_range' };
      if ((question.min !== undefined && number < question.min) || (question.max !== undefined && number > question.max)) return { error: 'out_of_range' };
      return { value: number };
    }
    case 'select': {
      if (typeof raw !== 'string') return { error: 'invalid_type' };
      if (raw === '') return { empty: true };
      return question.options.some((option) => option.value === raw) ? { value: raw } : { error: 'unknown_option' };
    }
    case 'checkboxes': {
      const list = typeof raw === 'string' ? [raw] : raw;
      if (!Array.isArray(list) || list.some((item) => typeof item !== 'string')) return { error: 'invalid_type' };
      if (list.length > question.options.length * 2) return { error: 'invalid_type' };
      const chosen = new Set(list as string[]);
      chosen.delete('');
      if ([...chosen].some((item) => !question.options.some((option) => option.value === item))) return { error: 'unknown_option' };
      if (chosen.size === 0) return { empty: true };
      // In the file's order, once each, whatever order the browser sent them in.
      return { value: question.options.map((option) => option.value).filter((value) => chosen.has(value)) };
    }
    case 'checkbox': {
      if (typeof raw === 'boolean') return raw ? { value: true } : { empty: true };
      if (typeof raw !== 'string') return { error: 'invalid_type' };
      const text = raw.trim().toLowerCase();
      if (TRUE_TEXTS.has(text)) return { value: true };
      if (FALSE_TEXTS.has(text)) return { empty: true };
      return { error: 'invalid_type' };
    }
    case 'date': {
      if (typeof raw !== 'string') return { error: 'invalid_type' };
      const text = raw.trim();
      if (text === '') return { empty: true };
      if (dateSeconds(text) === undefined) return { error: 'invalid_date' };
      if ((question.min !== undefined && text < question.min) || (question.max !== undefined && text > question.max)) return { error: 'out_of_range' };
      return { value: text };
    }
  }
}

export interface AnswersResult {
  /** The answers, typed: numbers as numbers, a checkbox as a boolean, checkboxes as the chosen values in the file's order, dates as `YYYY-MM-DD`. Unanswered optional questions are absent, except a checkbox, which is `false`. */
  values: AnswerValues;
  /** A code per question name (or per unknown name sent): empty when the answers are accepted. */
  errors: Record<string, AnswerErrorCode>;
  /** Hidden answers that were invalid and left out, by name: page context, logged, never a refusal. */
  dropped: Record<string, AnswerErrorCode>;
}

/**
 * Checks a submission's `answers` (from JSON, or a form post's fields by question name) against one form: the type,
 * the options, the length, the range, required. A name the form does not define is `unknown_field`. A hidden answer
 * that does not fit is dropped (see `dropped`), and a fixed hidden value is the file's whatever the browser sent.
 */
export function validateAnswers(form: QuestionForm, answers: unknown): AnswersResult {
  const values: AnswerValues = Object.create(null);
  const errors: Record<string, AnswerErrorCode> = Object.create(null);
  const dropped: Record<string, AnswerErrorCode> = Object.create(null);
  if (answers === undefined || answers === null) answers = {};
  if (!isObject(answers)) {
    errors.answers = 'invalid_type';
    return { values, errors, dropped };
  }
  const byName = new Map(form.questions.map((question) => [question.name, question]));
  for (const name of Object.keys(answers)) {
    if (!byName.has(name)) errors[name] = 'unknown_field';
  }
  for (const question of form.questions) {
    if (question.type === 'hidden' && question.value !== undefined) {
      values[question.name] = question.value;
      continue;
    }
    const raw = own(answers, question.name);
    const checked: Checked = raw === undefined || raw === null ? { empty: true } : checkAnswer(question, raw);
    if ('value' in checked) values[question.name] = checked.value;
    else if ('error' in checked) {
      if (question.type === 'hidden') dropped[question.name] = checked.error;
      else errors[question.name] = checked.error;
    } else if (question.required) errors[question.name] = 'required';
    else if (question.type === 'checkbox') values[question.name] = false;
  }
  return { values, errors, dropped };
}

/** The Intercom data type an answer to this question is stored as. */
export function intercomDataType(question: Question): IntercomDataType {
  switch (question.type) {
    case 'number':
      return question.integer ? 'integer' : 'float';
    case 'checkbox':
      return 'boolean';
    case 'date':
      return 'date';
    default:
      return 'string';
  }
}

/**
 * The answers as Intercom custom attributes, under each question's `attribute`: strings, integers, floats, booleans,
 * a date as Unix seconds at midnight UTC, and checkboxes' chosen values joined by ", " (Intercom has no list type).
 * Only the attributes the form names; nothing for an unanswered question.
 */
export function toIntercomAttributes(form: QuestionForm, values: AnswerValues): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = Object.create(null);
  for (const question of form.questions) {
    const value = own(values, question.name) as AnswerValue | undefined;
    if (value === undefined) continue;
    if (question.type === 'date') attributes[question.attribute] = dateSeconds(value as string)!;
    else if (Array.isArray(value)) attributes[question.attribute] = value.join(', ');
    else attributes[question.attribute] = value;
  }
  return attributes;
}

/** The chosen company's name, from the form's `company: true` question, when answered. */
export function companyName(form: QuestionForm, values: AnswerValues): string | undefined {
  const question = form.questions.find((candidate) => 'company' in candidate && candidate.company);
  const value = question ? own(values, question.name) : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * A company name reduced to what tells two companies apart: Unicode NFKC, case folded, spaces collapsed. "ACME  Inc"
 * and "acme inc" are one company; the proxy derives the company's id from this and its secret.
 */
export function normalizeCompanyName(name: string): string {
  // Invisible characters (zero-width spaces and joiners, the BOM, soft hyphens) would make a look-alike company.
  return name.normalize('NFKC').replace(/[\u00ad\u200b-\u200f\u2060\ufeff]/gu, '').toLowerCase().replace(/\s+/gu, ' ').trim();
}

const YES_NO: Record<string, [string, string]> = {
  en: ['Yes', 'No'],
  de: ['Ja', 'Nein'],
  es: ['Sí', 'No'],
  fr: ['Oui', 'Non'],
  ar: ['نعم', 'لا'],
};

/**
 * The answers as "Label: value" lines, in the form's order, for the conversation's first message: labels and option
 * labels in `locale` (the file's default locale, so the team reads one language), a checkbox as Yes/No. Questions
 * left unanswered are left out.
 */
export function answersSummary(form: QuestionForm, values: AnswerValues, locale: string = form.defaultLocale): string {
  const [yes, no] = YES_NO[locale.split('-')[0]!] ?? YES_NO.en!;
  const lines: string[] = [];
  for (const question of form.questions) {
    const value = own(values, question.name) as AnswerValue | undefined;
    if (value === undefined) continue;
    const label = questionLabel(question, locale, form.defaultLocale);
    let text: string;
    if (question.type === 'select' || question.type === 'checkboxes') {
      const chosen = Array.isArray(value) ? value : [value as string];
      text = chosen.map((item) => {
        const option = question.options.find((candidate) => candidate.value === item);
        return option ? optionLabel(option, locale, form.defaultLocale) : item;
      }).join(', ');
    } else if (typeof value === 'boolean') text = value ? yes : no;
    else text = String(value);
    // One line per answer: a textarea's line breaks become spaces so no answer can forge another "Label:" line. U+2028
    // and U+2029 too: any text answer may hold them, and the Inbox (a browser) breaks the line at them like at \n.
    lines.push(`${label}: ${text.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ')}`);
  }
  return lines.join('\n');
}

/**
 * The fixed first line of the answers block. Labels come from the questions file and values are one line each, so
 * nothing a visitor types can add a line under it; their message follows it, every line quoted (answersFirstMessage).
 */
export const ANSWERS_HEADING = 'Answers to the form (checked by LeadRelay):';
export const MESSAGE_HEADING = 'Message:';

/**
 * The conversation's first message when the proxy has a questions file: the answers block first (the heading, then
 * `summary`'s "Label: value" lines, or `none`), a blank line, then the visitor's message under "Message:" with every
 * line quoted `> ` (an empty one as `>`), or `otherwise` (the proxy's own sentence) when they wrote none. A line the
 * visitor writes can never start a line of the block or stand outside the quote, so the Inbox can trust the block.
 */
export function answersFirstMessage(summary: string, message: string | undefined, otherwise: string): string {
  const block = summary ? `${ANSWERS_HEADING}\n${summary}` : `${ANSWERS_HEADING} none`;
  if (message === undefined || message === '') return `${block}\n\n${otherwise}`;
  // Every line break a browser honours: \n, \r, U+2028/U+2029, NEL, vertical tab and form feed.
  const quoted = message.split(/\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/u).map((line) => (line ? `> ${line}` : '>'));
  return `${block}\n\n${MESSAGE_HEADING}\n${quoted.join('\n')}`;
}
