// The site's own questions in the widget: every type drawn accessibly (label, hint, group), checked, sent typed with
// the definition's hash; 409 questions_changed redraws from the new definition keeping what was typed; 400 errors at
// the question. GET /questions is answered by a stub of fetch (the mock proxy answers POST /leads).
import { expect, html, oneEvent } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import type { LeadRelay } from '../../src/index.js';
import { questionsHash, type QuestionForm } from '../../src/protocol/questions.js';
import { errorFor, fillTimePassed, forgetStorage, getButton, getByLabel, mockProxy, renderWidget, statusText, typeInto, waitFor } from './helpers.js';

const QUESTIONS = [
  { name: 'company', type: 'text', label: { en: 'Company', ar: 'الشركة' }, required: true, attribute: 'company_name', maxLength: 200, company: true },
  {
    name: 'team_size',
    type: 'select',
    label: { en: 'Team size', ar: 'حجم الفريق' },
    required: true,
    attribute: 'team_size',
    options: [{ value: '1-10', label: { en: '1 to 10', ar: 'من 1 إلى 10' } }, { value: '11-50' }],
  },
  {
    name: 'interests',
    type: 'checkboxes',
    label: { en: 'Interests', ar: 'الاهتمامات' },
    hint: { en: 'Tick all that apply.', ar: 'اختر كل ما ينطبق.' },
    required: false,
    attribute: 'interests',
    options: [{ value: 'api', label: 'API' }, { value: 'ui', label: 'UI' }],
  },
  { name: 'subscribe', type: 'checkbox', label: { en: 'Subscribe me', ar: 'اشترك' }, required: false, attribute: 'subscribe' },
  { name: 'seats', type: 'number', label: { en: 'Seats', ar: 'المقاعد' }, required: false, attribute: 'seats', integer: true, min: 1, max: 500 },
  { name: 'start', type: 'date', label: { en: 'Start date', ar: 'تاريخ البدء' }, required: false, attribute: 'start' },
  { name: 'about', type: 'textarea', label: { en: 'About you', ar: 'عنك' }, required: false, attribute: 'about', maxLength: 255 },
  { name: 'work_email', type: 'email', label: { en: 'Work email', ar: 'بريد العمل' }, required: false, attribute: 'work_email', maxLength: 254 },
  { name: 'site', type: 'url', label: { en: 'Website', ar: 'الموقع' }, required: false, attribute: 'site', maxLength: 255 },
  { name: 'desk', type: 'tel', label: { en: 'Desk phone', ar: 'هاتف المكتب' }, required: false, attribute: 'desk', maxLength: 32 },
  { name: 'campaign', type: 'hidden', label: 'campaign', required: false, attribute: 'campaign', maxLength: 200, param: 'cid' },
] as QuestionForm['questions'];

function served(questions: QuestionForm['questions']) {
  const form: QuestionForm = { name: 'default', defaultLocale: 'en', questions };
  return { ...form, hash: questionsHash(form) };
}

/** GET …/questions answered from `definitions` in turn (the last one stays), counted; everything else goes out. */
function stubQuestions(...definitions: ReturnType<typeof served>[]) {
  const original = window.fetch;
  const asked: string[] = [];
  window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!/\/questions(\?|$)/.test(url)) return original(input, init);
    asked.push(url);
    const body = definitions[Math.min(asked.length, definitions.length) - 1];
    return Promise.resolve(new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } }));
  };
  return { asked, restore: () => (window.fetch = original) };
}

async function questionsForm(proxy: string, locale = 'en'): Promise<LeadRelay> {
  const el = await renderWidget(html`<lead-relay proxy=${proxy} form="default" locale=${locale} fields="name email"></lead-relay>`);
  await waitFor(() => el.shadowRoot!.querySelector('#lr-company'), 'the questions to be drawn');
  await el.updateComplete;
  return el;
}

const $ = <T extends Element = HTMLInputElement>(el: LeadRelay, selector: string) => el.shadowRoot!.querySelector<T>(selector)!;

describe('<lead-relay> with the site\'s own questions', () => {
  let stub: ReturnType<typeof stubQuestions>;
  beforeEach(forgetStorage);
  afterEach(() => {
    stub?.restore();
    history.replaceState(null, '', location.pathname + location.search.replace(/[?&]cid=[^&]*/, ''));
  });

  it('draws every type after the built-in fields, each labelled, hints tied by aria-describedby, hidden ones not drawn', async () => {
    const proxy = mockProxy();
    stub = stubQuestions(served(QUESTIONS));
    const el = await questionsForm(proxy.url);
    expect(stub.asked).to.deep.equal([`${proxy.url}/questions?form=default`]);
    expect(getByLabel(el, 'Company').type).to.equal('text');
    expect(getByLabel(el, 'Company').autocomplete).to.equal('organization');
    expect(getByLabel(el, 'Company').required).to.equal(true);
    const select = getByLabel(el, 'Team size') as unknown as HTMLSelectElement;
    expect(select.tagName).to.equal('SELECT');
    expect([...select.options].map((option) => option.textContent)).to.deep.equal(['', '1 to 10', '11-50']);
    const group = $<HTMLFieldSetElement>(el, 'fieldset');
    expect(group.querySelector('legend')!.textContent).to.equal('Interests');
    expect(errorFor(el, group)).to.equal('Tick all that apply.');
    expect(getByLabel(el, 'API').type).to.equal('checkbox');
    expect(getByLabel(el, 'UI').value).to.equal('ui');
    expect(getByLabel(el, 'Subscribe me').type).to.equal('checkbox');
    const seats = getByLabel(el, 'Seats');
    expect([seats.type, seats.min, seats.max, seats.step]).to.deep.equal(['number', '1', '500', '1']);
    expect(getByLabel(el, 'Start date').type).to.equal('date');
    expect(getByLabel(el, 'About you').tagName).to.equal('TEXTAREA');
    expect(getByLabel(el, 'Work email').type).to.equal('email');
    expect(getByLabel(el, 'Website').type).to.equal('url');
    expect(getByLabel(el, 'Desk phone').type).to.equal('tel');
    expect(el.shadowRoot!.querySelector('[name=campaign]')).to.equal(null);
    // After the built-in fields, in the file's order.
    const names = [...el.shadowRoot!.querySelectorAll('form [name]:not(slot)')].map((node) => node.getAttribute('name'));
    expect(names.slice(0, 4)).to.deep.equal(['name', 'email', 'company', 'team_size']);
    // The hidden fields a post without JavaScript needs: the form and the hash it was drawn from.
    expect($(el, 'input[name=questions]').value).to.equal(served(QUESTIONS).hash);
  });

  it('checks answers on Send: required questions and a number out of range shown at the question and in the summary; nothing sent', async () => {
    const proxy = mockProxy();
    stub = stubQuestions(served(QUESTIONS));
    const el = await questionsForm(proxy.url);
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    await typeInto(getByLabel(el, 'Seats'), '900');
    getButton(el, 'Send').click();
    const company = getByLabel(el, 'Company');
    await waitFor(() => company.getAttribute('aria-invalid'), 'the errors');
    await el.updateComplete;
    expect(company.getAttribute('aria-invalid')).to.equal('true');
    expect(errorFor(el, company)).to.equal('Fill in this field.');
    expect(errorFor(el, getByLabel(el, 'Seats'))).to.equal('Enter a value within the range given.');
    expect(statusText(el)).to.contain('Company: Fill in this field.');
    expect(statusText(el)).to.contain('Team size: Fill in this field.');
    expect(el.shadowRoot!.activeElement).to.equal(company);
    expect((await proxy.requests()).requests).to.have.length(0);
  });

  it('sends each answer typed (a number, a boolean, a list, a date), the hidden URL parameter, the hash and the form', async () => {
    const proxy = mockProxy();
    stub = stubQuestions(served(QUESTIONS));
    history.replaceState(null, '', `${location.pathname}${location.search}${location.search ? '&' : '?'}cid=spring-26`);
    const el = await questionsForm(proxy.url);
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    await typeInto(getByLabel(el, 'Company'), ' Acme Ltd ');
    const select = getByLabel(el, 'Team size') as unknown as HTMLSelectElement;
    select.value = '11-50';
    select.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    getByLabel(el, 'UI').click();
    getByLabel(el, 'API').click();
    getByLabel(el, 'Subscribe me').click();
    await typeInto(getByLabel(el, 'Seats'), '12');
    const start = getByLabel(el, 'Start date');
    start.value = '2026-02-01';
    start.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    await typeInto(getByLabel(el, 'About you'), 'Two offices');
    const success = oneEvent(el, 'lr-success');
    fillTimePassed();
    getButton(el, 'Send').click();
    await success;
    const [request] = (await proxy.requests()).requests;
    expect(request.body.answers).to.deep.equal({
      company: 'Acme Ltd',
      team_size: '11-50',
      interests: ['api', 'ui'],
      subscribe: true,
      seats: 12,
      start: '2026-02-01',
      about: 'Two offices',
      campaign: 'spring-26',
    });
    expect(request.body.questionsHash).to.equal(served(QUESTIONS).hash);
    expect(request.body.form).to.equal('default');
    expect(request.body).to.not.have.property('company');
  });

  it('on 409 questions_changed fetches the new definition, draws it and keeps what was typed; the next send carries the new hash', async () => {
    const proxy = mockProxy();
    const before = served(QUESTIONS.slice(0, 2));
    const after = served([...QUESTIONS.slice(0, 2), { name: 'role_title', type: 'text', label: 'Your role', required: false, attribute: 'role_title', maxLength: 200 }]);
    stub = stubQuestions(before, after);
    const el = await questionsForm(proxy.url);
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    await typeInto(getByLabel(el, 'Company'), 'Acme');
    const select = getByLabel(el, 'Team size') as unknown as HTMLSelectElement;
    select.value = '1-10';
    select.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    await proxy.respond({ status: 409, body: { error: { code: 'questions_changed', message: 'This form changed.', questionsHash: after.hash } } });
    const failed = oneEvent(el, 'lr-error');
    fillTimePassed();
    getButton(el, 'Send').click();
    expect((await failed).detail.code).to.equal('questions_changed');
    await waitFor(() => el.shadowRoot!.querySelector('#lr-role_title'), 'the new question');
    await el.updateComplete;
    expect(stub.asked).to.have.length(2);
    expect(statusText(el)).to.contain('Some fields need your attention. Correct them and send again.');
    expect(getByLabel(el, 'Company').value).to.equal('Acme');
    expect((getByLabel(el, 'Team size') as unknown as HTMLSelectElement).value).to.equal('1-10');
    expect(getByLabel(el, 'Email').value).to.equal('ada@example.com');
    await typeInto(getByLabel(el, 'Your role'), 'CTO');
    const success = oneEvent(el, 'lr-success');
    fillTimePassed();
    getButton(el, 'Send').click();
    await success;
    const { requests } = await proxy.requests();
    expect(requests).to.have.length(2);
    expect(requests[0].body.questionsHash).to.equal(before.hash);
    expect(requests[1].body.questionsHash).to.equal(after.hash);
    expect(requests[1].body.answers).to.deep.equal({ company: 'Acme', team_size: '1-10', role_title: 'CTO' });
  });

  it('shows a 400 invalid_field keyed by a question name next to that question', async () => {
    const proxy = mockProxy();
    stub = stubQuestions(served(QUESTIONS.slice(0, 2)));
    const el = await questionsForm(proxy.url);
    await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
    await typeInto(getByLabel(el, 'Company'), 'Acme');
    const select = getByLabel(el, 'Team size') as unknown as HTMLSelectElement;
    select.value = '1-10';
    select.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    await proxy.respond({ status: 400, body: { error: { code: 'invalid_field', message: 'Check the fields.', fields: { team_size: 'unknown_option' } } } });
    const failed = oneEvent(el, 'lr-error');
    fillTimePassed();
    getButton(el, 'Send').click();
    await failed;
    await el.updateComplete;
    expect(errorFor(el, select)).to.equal('Choose one of the options given.');
    expect(statusText(el)).to.contain('Team size: Choose one of the options given.');
    expect(getByLabel(el, 'Company').value).to.equal('Acme');
  });

  it('in Arabic: labels, options and hints in Arabic, right to left', async () => {
    stub = stubQuestions(served(QUESTIONS));
    const el = await questionsForm(mockProxy().url, 'ar');
    expect($(el, '.root').getAttribute('dir')).to.equal('rtl');
    expect(getByLabel(el, 'الشركة').name).to.equal('company');
    expect([...(getByLabel(el, 'حجم الفريق') as unknown as HTMLSelectElement).options].map((option) => option.textContent)).to.deep.equal(['', 'من 1 إلى 10', '11-50']);
    expect(errorFor(el, $(el, 'fieldset'))).to.equal('اختر كل ما ينطبق.');
    // A label with no Arabic text falls back to English.
    const english = served(QUESTIONS.map((question) => (question.name === 'seats' ? { ...question, label: { en: 'Seats', de: 'Plätze' } } : question)));
    stub.restore();
    stub = stubQuestions(english);
    const other = await questionsForm(mockProxy().url, 'ar');
    expect(getByLabel(other, 'Seats').name).to.equal('seats');
  });

  it('keeps ticks and typed answers in the draft: a reload of the page gets them back', async () => {
    stub = stubQuestions(served(QUESTIONS));
    const proxy = mockProxy();
    const first = await questionsForm(proxy.url);
    await typeInto(getByLabel(first, 'Company'), 'Acme');
    getByLabel(first, 'UI').click();
    getByLabel(first, 'Subscribe me').click();
    await new Promise((resolve) => setTimeout(resolve, 50));
    first.remove();
    const second = await questionsForm(proxy.url);
    await waitFor(() => getByLabel(second, 'Company').value === 'Acme', 'the draft');
    expect(getByLabel(second, 'UI').checked).to.equal(true);
    expect(getByLabel(second, 'API').checked).to.equal(false);
    expect(getByLabel(second, 'Subscribe me').checked).to.equal(true);
  });

  for (const scheme of ['light', 'dark'] as const) {
    for (const locale of ['en', 'ar']) {
      it(`has no axe violations with every question type, idle and with errors (${scheme}, ${locale})`, async () => {
        await emulateMedia({ colorScheme: scheme });
        try {
          stub = stubQuestions(served(QUESTIONS));
          const el = await questionsForm(mockProxy().url, locale);
          await expect(el, `idle (${scheme}, ${locale})`).to.be.accessible();
          getByLabel(el, locale === 'ar' ? 'هاتف المكتب' : 'Desk phone').focus();
          $<HTMLButtonElement>(el, 'button[type=submit]').click();
          await waitFor(() => el.shadowRoot!.querySelector('#lr-company-error'), 'the errors');
          await el.updateComplete;
          await expect(el, `errors (${scheme}, ${locale})`).to.be.accessible();
        } finally {
          await emulateMedia({ colorScheme: 'light' });
        }
      });
    }
  }
});
