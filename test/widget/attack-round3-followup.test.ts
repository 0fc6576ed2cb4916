// Attacker's test (issue 18 follow-up): a crafted link fills a hidden question (a campaign id from `?cid=`) with what
// no visitor typed. The widget must still send what the visitor typed, the hidden answer cleaned or left out, never a
// form stuck on a field the visitor cannot see.
import { expect, html, oneEvent } from '@open-wc/testing';
import type { LeadRelay } from '../../src/index.js';
import { questionsHash, validateAnswers, type QuestionForm } from '../../src/protocol/questions.js';
import { fillTimePassed, forgetStorage, getButton, getByLabel, mockProxy, renderWidget, typeInto, waitFor } from './helpers.js';

const QUESTIONS = [
  { name: 'company', type: 'text', label: 'Company', required: true, attribute: 'company_name', maxLength: 200 },
  { name: 'campaign', type: 'hidden', label: 'campaign', required: false, attribute: 'campaign', maxLength: 20, param: 'cid' },
] as QuestionForm['questions'];
const FORM: QuestionForm = { name: 'default', defaultLocale: 'en', questions: QUESTIONS };

describe('<lead-relay> on a crafted link that fills a hidden question', () => {
  const original = window.fetch;
  const cleanUrl = location.pathname + location.search.replace(/[?&]cid=[^&]*/g, '');
  beforeEach(() => {
    forgetStorage();
    window.fetch = (input: RequestInfo | URL, init?: RequestInit) =>
      /\/questions(\?|$)/.test(String(input instanceof Request ? input.url : input))
        ? Promise.resolve(new Response(JSON.stringify({ ...FORM, hash: questionsHash(FORM) }), { headers: { 'content-type': 'application/json' } }))
        : original(input, init);
  });
  afterEach(() => {
    window.fetch = original;
    history.replaceState(null, '', cleanUrl);
  });

  // `?cid=%0A`, a right-to-left override, a lone surrogate, 5,000 characters, the name twice.
  const crafted: [string, string][] = [
    ['a line feed', 'cid=%0Aspring'],
    ['a right-to-left override', 'cid=%E2%80%AEspring'],
    ['a lone surrogate', 'cid=%ED%A0%80'],
    ['5,000 characters', `cid=${'x'.repeat(5_000)}`],
    ['the parameter twice', 'cid=a%0A&cid=b'],
  ];
  for (const [label, query] of crafted) {
    it(`sends what was typed when ?cid= holds ${label}; the proxy's own check accepts the answers it sends`, async () => {
      history.replaceState(null, '', `${cleanUrl}${cleanUrl.includes('?') ? '&' : '?'}${query}`);
      const proxy = mockProxy();
      const el: LeadRelay = await renderWidget(html`<lead-relay proxy=${proxy.url} form="default" fields="name email"></lead-relay>`);
      await waitFor(() => el.shadowRoot!.querySelector('#lr-company'), 'the questions to be drawn');
      await typeInto(getByLabel(el, 'Email'), 'ada@example.com');
      await typeInto(getByLabel(el, 'Company'), 'Acme');
      const success = oneEvent(el, 'lr-success');
      fillTimePassed();
      getButton(el, 'Send').click();
      await success;
      const [request] = (await proxy.requests()).requests;
      const answers = request.body.answers as Record<string, unknown>;
      expect(answers.company).to.equal('Acme');
      const campaign = answers.campaign as string | undefined;
      if (campaign !== undefined) expect(campaign).to.match(/^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]{1,20}$/u);
      // What the proxy would say of it: no error, nothing dropped (the widget already left out what does not fit).
      const checked = validateAnswers(FORM, answers);
      expect(checked.errors).to.deep.equal({});
      expect(checked.dropped).to.deep.equal({});
    });
  }
});
