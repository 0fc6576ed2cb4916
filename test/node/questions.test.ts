// The questions file: how it is read and refused, its hash, the answers' validation and what they become in Intercom.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  answersSummary,
  companyName,
  dateSeconds,
  DEFAULT_FORM,
  fnv1a64,
  intercomDataType,
  localizedText,
  normalizeCompanyName,
  optionLabel,
  parseQuestionsFile,
  questionLabel,
  questionsHash,
  QuestionsFileError,
  selectForm,
  toIntercomAttributes,
  validateAnswers,
  type ChoiceQuestion,
  type Question,
  type QuestionForm,
} from '../../src/protocol/questions.js';
import { EVERY_TYPE } from '../proxy/questions-fixture.js';

/** A form with one question of every type: the same file the proxy's questions tests use. */
const everyType = EVERY_TYPE;

function form(file: unknown = everyType, name = DEFAULT_FORM): QuestionForm {
  const selected = selectForm(parseQuestionsFile(file), name);
  assert.ok(selected, `form ${name}`);
  return selected;
}

const valid = {
  company_name: '  Acme GmbH ',
  about: 'We sell\nrockets.',
  work_email: 'ada@acme.example',
  website: 'https://acme.example',
  office_phone: '+49 30 1234567',
  team_size: 42,
  budget: 1250.5,
  plan: 'pro',
  interests: ['inbox', 'api'],
  subscribe: true,
  start: '2026-03-15',
  campaign: 'spring-26',
};

/** A parse error's message, asserting it is one sentence. */
function refusal(file: unknown): QuestionsFileError {
  try {
    parseQuestionsFile(file);
  } catch (error) {
    assert.ok(error instanceof QuestionsFileError, String(error));
    assert.match(error.message, /^[A-Z][^\n]*\.$/, 'one sentence');
    assert.equal(error.message.match(/\. [A-Z]/g), null, `one sentence: ${error.message}`);
    return error;
  }
  assert.fail('the file was accepted');
}

const one = (question: Record<string, unknown>) => ({ questions: [question] });

describe('reading a questions file', () => {
  test('every type is read with its defaults: attribute = name, required false, maxLength per type', () => {
    const read = form();
    assert.equal(read.questions.length, everyType.questions.length);
    const byName = Object.fromEntries(read.questions.map((question) => [question.name, question])) as Record<string, Question & Record<string, unknown>>;
    assert.equal(byName.company_name!.attribute, 'company_name');
    assert.equal(byName.team_size!.attribute, 'team_size_n');
    assert.equal(byName.about!.maxLength, 100);
    assert.equal(byName.company_name!.maxLength, 200);
    assert.equal(byName.website!.maxLength, 255);
    assert.equal(byName.budget!.required, false);
    assert.equal(byName.budget!.integer, false);
    assert.deepEqual(byName.plan!.options, [{ value: 'starter', label: { en: 'Starter', de: 'Einstieg' } }, { value: 'pro', label: 'Pro' }, { value: 'enterprise' }]);
    assert.equal(byName.campaign!.label, 'campaign', 'a hidden question is labelled by its name unless it has a label');
    assert.equal(read.defaultLocale, 'en');
  });

  test('a file of several forms gives each by name; the default form is "default"', () => {
    const definition = parseQuestionsFile({
      defaultLocale: 'de',
      forms: {
        contact: [{ name: 'topic', type: 'text', label: 'Thema' }],
        demo: [{ name: 'team_size', type: 'number', label: 'Teamgröße', integer: true }],
      },
    });
    assert.deepEqual(Object.keys(definition.forms), ['contact', 'demo']);
    assert.equal(selectForm(definition, 'demo')!.questions[0]!.name, 'team_size');
    assert.equal(selectForm(definition, 'demo')!.defaultLocale, 'de');
    assert.equal(selectForm(definition), undefined);
    assert.equal(selectForm(definition, 'constructor'), undefined, 'no prototype key is a form');
    assert.ok(selectForm(parseQuestionsFile(one({ name: 'x', type: 'text', label: 'X' }))));
  });

  const refused: Array<[string, unknown, RegExp]> = [
    ['not an object', [], /not a JSON object/],
    ['neither questions nor forms', { defaultLocale: 'en' }, /exactly one of "questions"/],
    ['both questions and forms', { questions: [], forms: {} }, /exactly one of "questions"/],
    ['an unknown top-level key', { questions: [{ name: 'x', type: 'text', label: 'X' }], title: 'x' }, /unknown key "title"/],
    ['no questions', { questions: [] }, /has no questions/],
    ['a bad default locale', { defaultLocale: 'English', questions: [{ name: 'x', type: 'text', label: 'X' }] }, /defaultLocale/],
    ['an unknown type', one({ name: 'team', type: 'slider', label: 'Team' }), /Question "team" has an unknown type "slider"/],
    ['a select without options', one({ name: 'plan', type: 'select', label: 'Plan' }), /Question "plan" is a select question without options/],
    ['checkboxes with empty options', one({ name: 'topics', type: 'checkboxes', label: 'Topics', options: [] }), /Question "topics" is a checkboxes question without options/],
    ['a duplicate option', one({ name: 'plan', type: 'select', label: 'Plan', options: ['a', 'a'] }), /Question "plan" has the option value "a" twice/],
    ['a comma in a checkboxes option', one({ name: 'topics', type: 'checkboxes', label: 'Topics', options: ['a, b'] }), /comma/],
    ['a missing label', one({ name: 'team', type: 'text' }), /Question "team" has no label/],
    ['a label with a line break', one({ name: 'team', type: 'text', label: 'Team\nsize' }), /Question "team" has a label/],
    ['a label for a non-locale', one({ name: 'team', type: 'text', label: { English: 'Team' } }), /"English", which is not a locale/],
    ['a bad name', one({ name: 'Team Size', type: 'text', label: 'Team' }), /Question "Team Size" has a name that is not lower case/],
    ['a missing name', one({ type: 'text', label: 'Team' }), /Question 1 has a name/],
    ['a name the form uses', one({ name: 'email', type: 'email', label: 'Email' }), /Question "email" has a name the form already uses/],
    ['a utm_ name', one({ name: 'utm_source', type: 'text', label: 'Source' }), /Question "utm_source" has a name the form already uses/],
    ['an unknown key', one({ name: 'team', type: 'text', label: 'Team', placeholder: 'x' }), /Question "team" has an unknown key "placeholder"/],
    ['maxLength above 255', one({ name: 'about', type: 'textarea', label: 'About', maxLength: 1000 }), /Question "about" has a maxLength .* 255/],
    ['min above max', one({ name: 'size', type: 'number', label: 'Size', min: 10, max: 1 }), /Question "size" has a min \(10\) above its max \(1\)/],
    ['an integer with a fractional min', one({ name: 'size', type: 'number', label: 'Size', integer: true, min: 0.5 }), /whole number/],
    ['an impossible date bound', one({ name: 'start', type: 'date', label: 'Start', min: '2026-02-30' }), /real calendar date/],
    ['company on an email question', one({ name: 'mail', type: 'email', label: 'Mail', company: true }), /unknown key "company"/],
    ['a hidden question with neither param nor value', one({ name: 'cid', type: 'hidden' }), /exactly one of "param"/],
    ['a hidden question with both', one({ name: 'cid', type: 'hidden', param: 'cid', value: 'x' }), /exactly one of "param"/],
    ['a required hidden question', one({ name: 'cid', type: 'hidden', param: 'cid', required: true }), /unknown key "required"/],
  ];
  for (const [what, file, pattern] of refused) {
    test(`refused in one sentence: ${what}`, () => {
      assert.match(refusal(file).message, pattern);
    });
  }

  test('the attribute may never be a leadrelay_* name or one of Intercom\'s standard contact fields, in any case', () => {
    for (const attribute of ['leadrelay_submission', 'LeadRelay_x', 'role', 'owner_id', 'external_id', 'Email', 'name', 'phone', 'avatar', 'custom_attributes', 'unsubscribed_from_emails', 'signed_up_at']) {
      const error = refusal(one({ name: 'sneaky', type: 'text', label: 'Sneaky', attribute }));
      assert.match(error.message, new RegExp(`Question "sneaky" has the attribute "${attribute}"`), attribute);
      assert.equal(error.question, 'sneaky');
    }
    // A question named like a standard field takes it as its attribute by default: refused the same way.
    assert.match(refusal(one({ name: 'owner_id', type: 'text', label: 'Owner' })).message, /attribute "owner_id", one of Intercom's standard contact fields/);
    assert.match(refusal(one({ name: 'x', type: 'text', label: 'X', attribute: 'a.b' })).message, /attribute that is not letters/);
  });

  test('duplicate names, two questions on one attribute and two company questions are refused', () => {
    const text = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'text', label: name, ...extra });
    assert.match(refusal({ questions: [text('team'), text('team')] }).message, /Question "team" is defined twice/);
    assert.match(refusal({ questions: [text('a', { attribute: 'shared' }), text('b', { attribute: 'Shared' })] }).message, /Question "b" stores its answer in the attribute "Shared", as question "a" already does/);
    assert.match(refusal({ questions: [text('a', { company: true }), text('b', { company: true })] }).message, /Question "b" has "company": true, as question "a" already does/);
  });

  test('in a file of forms, the sentence names the form, and one attribute must keep one data type across forms', () => {
    const error = refusal({ forms: { demo: [{ name: 'plan', type: 'select', label: 'Plan' }] } });
    assert.match(error.message, /Question "plan" in form "demo" is a select question without options/);
    assert.equal(error.form, 'demo');
    const clash = refusal({
      forms: {
        contact: [{ name: 'size', type: 'text', label: 'Size' }],
        demo: [{ name: 'size', type: 'number', label: 'Size', integer: true }],
      },
    });
    assert.match(clash.message, /Question "size" in form "demo" stores a integer in the attribute "size", which question "size" in form "contact" stores a string in/);
    assert.match(refusal({ forms: { 'Bad Name': [{ name: 'x', type: 'text', label: 'X' }] } }).message, /Form "Bad Name" has a name/);
  });
});

describe('the hash', () => {
  test('FNV-1a 64 matches the published test vectors', () => {
    assert.equal(fnv1a64(''), 'cbf29ce484222325');
    assert.equal(fnv1a64('a'), 'af63dc4c8601ec8c');
    assert.equal(fnv1a64('foobar'), '85944171f73967e8');
  });

  test('the same questions in another key order give the same hash; any change gives another', () => {
    const reordered = {
      questions: everyType.questions.map((question) => Object.fromEntries(Object.entries(question).reverse())),
      defaultLocale: 'en',
    };
    const hash = questionsHash(form());
    assert.match(hash, /^[0-9a-f]{16}$/);
    assert.equal(questionsHash(form(reordered)), hash);
    const relabelled = structuredClone(everyType);
    relabelled.questions[0]!.label = { en: 'Company', de: 'Unternehmen' };
    assert.notEqual(questionsHash(form(relabelled)), hash);
    const moreOptions = structuredClone(everyType);
    (moreOptions.questions[8] as { options: string[] }).options.push('billing');
    assert.notEqual(questionsHash(form(moreOptions)), hash);
  });
});

describe('answers', () => {
  test('valid answers come back typed: trimmed text, numbers, a boolean, checkboxes in the file\'s order, a fixed hidden value', () => {
    const { values, errors, dropped } = validateAnswers(form(), valid);
    assert.deepEqual({ ...errors }, {});
    assert.deepEqual({ ...dropped }, {});
    assert.deepEqual({ ...values }, {
      company_name: 'Acme GmbH',
      about: 'We sell\nrockets.',
      work_email: 'ada@acme.example',
      website: 'https://acme.example',
      office_phone: '+49 30 1234567',
      team_size: 42,
      budget: 1250.5,
      plan: 'pro',
      interests: ['api', 'inbox'],
      subscribe: true,
      start: '2026-03-15',
      campaign: 'spring-26',
      source_site: 'docs-site',
    });
  });

  test('a form post\'s strings read the same: numbers, "on" for a ticked box, one ticked checkbox as a string', () => {
    const { values, errors } = validateAnswers(form(), { ...valid, team_size: '42', budget: '1250.50', subscribe: 'on', interests: 'widget' });
    assert.deepEqual({ ...errors }, {});
    assert.equal(values.team_size, 42);
    assert.equal(values.budget, 1250.5);
    assert.equal(values.subscribe, true);
    assert.deepEqual(values.interests, ['widget']);
  });

  test('unanswered optional questions are absent, an unticked checkbox is false, empty strings count as unanswered', () => {
    const { values, errors } = validateAnswers(form(), { company_name: 'Acme', plan: 'starter', about: '   ', budget: '', start: '', interests: [] });
    assert.deepEqual({ ...errors }, {});
    assert.deepEqual({ ...values }, { company_name: 'Acme', plan: 'starter', subscribe: false, source_site: 'docs-site' });
  });

  const wrong: Array<[string, Record<string, unknown>, string, string]> = [
    ['an unknown option', { plan: 'platinum' }, 'plan', 'unknown_option'],
    ['an unknown checkbox option', { interests: ['api', 'crypto'] }, 'interests', 'unknown_option'],
    ['a number above max', { team_size: 10001 }, 'team_size', 'out_of_range'],
    ['a number below min', { budget: -1 }, 'budget', 'out_of_range'],
    ['a fraction for an integer', { team_size: 4.5 }, 'team_size', 'invalid_number'],
    ['a number as words', { team_size: 'forty' }, 'team_size', 'invalid_number'],
    ['a number in exponent form', { team_size: '1e3' }, 'team_size', 'invalid_number'],
    ['a number beyond the safe integers', { budget: 2 ** 60 }, 'budget', 'out_of_range'],
    ['too long a text', { about: 'x'.repeat(101) }, 'about', 'too_long'],
    ['a line break in a one-line text', { company_name: 'Acme\nInc' }, 'company_name', 'invalid_characters'],
    ['a missing required text', { company_name: undefined }, 'company_name', 'required'],
    ['a blank required text', { company_name: '  ' }, 'company_name', 'required'],
    ['a missing required select', { plan: '' }, 'plan', 'required'],
    ['a number for a text', { company_name: 42 }, 'company_name', 'invalid_type'],
    ['a list for a select', { plan: ['pro'] }, 'plan', 'invalid_type'],
    ['a string for a checkbox', { subscribe: 'maybe' }, 'subscribe', 'invalid_type'],
    ['an object for checkboxes', { interests: { api: true } }, 'interests', 'invalid_type'],
    ['a bad email', { work_email: 'ada@' }, 'work_email', 'invalid_email'],
    ['a javascript: url', { website: 'javascript:alert(1)' }, 'website', 'invalid_url'],
    ['letters in a phone', { office_phone: 'call me' }, 'office_phone', 'invalid_phone'],
    ['an impossible date', { start: '2026-02-30' }, 'start', 'invalid_date'],
    ['a date in another format', { start: '15.03.2026' }, 'start', 'invalid_date'],
    ['a date before min', { start: '2025-12-31' }, 'start', 'out_of_range'],
    ['a name not in the file', { favourite_colour: 'blue' }, 'favourite_colour', 'unknown_field'],
    ['a prototype key', JSON.parse('{"__proto__": "x"}'), '__proto__', 'unknown_field'],
    ['the name of a built-in field', { email: 'ada@acme.example' }, 'email', 'unknown_field'],
  ];
  for (const [what, change, name, code] of wrong) {
    test(`${what} is ${code} on "${name}"`, () => {
      const answers: Record<string, unknown> = { ...valid };
      for (const key of Object.keys(change)) Object.defineProperty(answers, key, { value: change[key], enumerable: true, writable: true, configurable: true });
      for (const key of Object.keys(answers)) if (answers[key] === undefined) delete answers[key];
      const { errors, values } = validateAnswers(form(), answers);
      assert.deepEqual({ ...errors }, { [name]: code });
      assert.equal(Object.prototype.hasOwnProperty.call(values, name), false, 'no value for a refused answer');
    });
  }

  test('answers that are not an object are refused as a whole', () => {
    for (const answers of [[], 'x', 5]) assert.deepEqual({ ...validateAnswers(form(), answers).errors }, { answers: 'invalid_type' });
    assert.deepEqual({ ...validateAnswers(form(one({ name: 'x', type: 'text', label: 'X' })), undefined).errors }, {});
  });

  test('a hidden answer that does not fit is dropped and reported, never an error; a fixed value cannot be overridden', () => {
    for (const campaign of ['x'.repeat(201), 'a\u202Eb', 42, 'line\nbreak']) {
      const { errors, values, dropped } = validateAnswers(form(), { ...valid, campaign, source_site: 'forged' });
      assert.deepEqual({ ...errors }, {}, JSON.stringify(campaign));
      assert.equal(values.campaign, undefined);
      assert.ok(dropped.campaign, 'reported for the log');
      assert.equal(values.source_site, 'docs-site', 'the file\'s fixed value, not the browser\'s');
    }
  });
});

describe('into Intercom', () => {
  test('each answer lands under its attribute with its Intercom data type', () => {
    const read = form();
    const { values } = validateAnswers(read, valid);
    const attributes = toIntercomAttributes(read, values);
    assert.deepEqual({ ...attributes }, {
      company_name: 'Acme GmbH',
      about: 'We sell\nrockets.',
      work_email: 'ada@acme.example',
      website: 'https://acme.example',
      office_phone: '+49 30 1234567',
      team_size_n: 42,
      budget: 1250.5,
      plan: 'pro',
      interests: 'api, inbox',
      subscribe: true,
      start: Date.UTC(2026, 2, 15) / 1000,
      campaign: 'spring-26',
      'source site': 'docs-site',
    });
    const types = Object.fromEntries(read.questions.map((question) => [question.attribute, intercomDataType(question)]));
    assert.deepEqual(types, {
      company_name: 'string',
      about: 'string',
      work_email: 'string',
      website: 'string',
      office_phone: 'string',
      team_size_n: 'integer',
      budget: 'float',
      plan: 'string',
      interests: 'string',
      subscribe: 'boolean',
      start: 'date',
      campaign: 'string',
      'source site': 'string',
    });
    for (const [attribute, value] of Object.entries(attributes)) {
      const type = types[attribute];
      const ok =
        type === 'string' ? typeof value === 'string' : type === 'boolean' ? typeof value === 'boolean' : type === 'float' ? typeof value === 'number' : Number.isInteger(value);
      assert.ok(ok, `${attribute} holds a ${type}`);
    }
  });

  test('a date is Unix seconds at midnight UTC; an unanswered question sets no attribute', () => {
    assert.equal(dateSeconds('1970-01-02'), 86400);
    assert.equal(dateSeconds('2024-02-29'), Date.UTC(2024, 1, 29) / 1000);
    assert.equal(dateSeconds('2023-02-29'), undefined);
    const read = form();
    const { values } = validateAnswers(read, { company_name: 'Acme', plan: 'pro' });
    assert.deepEqual(Object.keys(toIntercomAttributes(read, values)).sort(), ['company_name', 'plan', 'source site', 'subscribe']);
  });

  test('the company question names the company; its name normalises case, width and spaces', () => {
    const read = form();
    assert.equal(companyName(read, validateAnswers(read, valid).values), 'Acme GmbH');
    assert.equal(companyName(form(one({ name: 'x', type: 'text', label: 'X' })), { x: 'Acme' }), undefined);
    assert.equal(normalizeCompanyName('  ＡＣＭＥ   GmbH\t'), 'acme gmbh');
    assert.equal(normalizeCompanyName('Acme GmbH'), normalizeCompanyName('ACME  gmbh'));
    // An attacker's look-alike with invisible characters is the same company, not a second one that looks identical.
    assert.equal(normalizeCompanyName('Ac\u200bme\u00ad Gmb\ufeffH'), normalizeCompanyName('Acme GmbH'));
  });

  test('the summary lists "Label: value" lines in the form\'s order and the file\'s default locale', () => {
    const read = form();
    const { values } = validateAnswers(read, valid);
    assert.equal(
      answersSummary(read, values),
      [
        'Company: Acme GmbH',
        'About you: We sell rockets.',
        'Work email: ada@acme.example',
        'Website: https://acme.example',
        'Office phone: +49 30 1234567',
        'Team size: 42',
        'Budget: 1250.5',
        'Plan: Pro',
        'Interests: api, inbox',
        'Subscribe me: Yes',
        'Start date: 2026-03-15',
        'campaign: spring-26',
        'source_site: docs-site',
      ].join('\n'),
    );
    const german = answersSummary(read, { plan: 'starter', team_size: 3, subscribe: false }, 'de');
    assert.equal(german, 'Teamgröße: 3\nPlan: Einstieg\nAbonnieren: Nein');
  });

  test('a multi-line answer cannot forge another line of the summary', () => {
    const read = form();
    const { values } = validateAnswers(read, { ...valid, about: 'Fine.\nPlan: Enterprise' });
    const lines = answersSummary(read, values).split('\n');
    assert.equal(lines.filter((line) => line.startsWith('Plan:')).length, 1);
    assert.ok(lines.includes('About you: Fine. Plan: Enterprise'));
  });
});

describe('labels per locale', () => {
  test('the locale, then its language, then English, then the file\'s default locale', () => {
    const text = { en: 'Team size', de: 'Teamgröße', 'pt-BR': 'Tamanho da equipe' };
    assert.equal(localizedText(text, 'de'), 'Teamgröße');
    assert.equal(localizedText(text, 'de-CH'), 'Teamgröße');
    assert.equal(localizedText(text, 'pt-BR'), 'Tamanho da equipe');
    assert.equal(localizedText(text, 'ar'), 'Team size');
    assert.equal(localizedText({ fr: 'Taille', de: 'Größe' }, 'ar', 'de'), 'Größe');
    assert.equal(localizedText('Same everywhere', 'ar'), 'Same everywhere');
    const read = form();
    assert.equal(questionLabel(read.questions[0]!, 'de'), 'Firma');
    const plan = read.questions.find((question) => question.name === 'plan') as ChoiceQuestion;
    assert.deepEqual(plan.options.map((option) => optionLabel(option, 'de')), ['Einstieg', 'Pro', 'enterprise']);
  });
});
