// GET /questions: the site's own questions as the widget renders them, from the proxy's definition (the only one).
//
// Without `form`: every form, `{defaultLocale, hash, forms: {<name>: {name, defaultLocale, questions, hash}}}`. With
// `?form=<name>`: that form, `{name, defaultLocale, questions, hash}` (the default form when the file has none is an
// empty one, as POST /leads reads it). The hash is what the widget sends back as `questionsHash`. The answer changes
// only when the file does: it carries an ETag of the hash, and a request with that ETag in If-None-Match gets 304.
import { DEFAULT_FORM, questionsHash, type QuestionForm } from '../../protocol/questions.js';
import { ProxyError } from '../errors.js';
import { formHash, questionForm } from '../guards/questions.js';
import type { ProxyDeps, RouteHandler } from '../options.js';

/** Cacheable, but asked again each time (a 304 when unchanged): a file edited on the server shows on the next load. */
const CACHE_CONTROL = 'public, no-cache';

function formBody(form: QuestionForm, hash: string) {
  return { name: form.name, defaultLocale: form.defaultLocale, questions: form.questions, hash };
}

/** True when an If-None-Match header lists `etag` (or `*`); weak and strong forms compare alike for a GET. */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const value = tag.trim();
    return value === '*' || value.replace(/^W\//, '') === etag;
  });
}

export function createQuestionsRoute(deps: ProxyDeps): RouteHandler {
  const { questions } = deps;
  const all = (() => {
    const forms = questions ? Object.values(questions.definition.forms) : [];
    const body = {
      defaultLocale: questions?.definition.defaultLocale ?? 'en',
      hash: questions?.hash ?? questionsHash({ defaultLocale: 'en', forms: {} }),
      forms: Object.fromEntries(forms.map((form) => [form.name, formBody(form, formHash(questions, form))])),
    };
    return { body, etag: `"${body.hash}"` };
  })();

  return async (c) => {
    const name = c.req.query('form');
    let answer: { body: unknown; etag: string };
    if (name === undefined) answer = all;
    else {
      const form = questionForm(questions, name === '' ? DEFAULT_FORM : name);
      if (!form) throw new ProxyError(404, 'not_found', 'The questions file on this proxy has no form of that name.');
      const hash = formHash(questions, form);
      answer = { body: formBody(form, hash), etag: `"${hash}"` };
    }
    const headers = { etag: answer.etag, 'cache-control': CACHE_CONTROL };
    if (matches(c.req.header('if-none-match') ?? null, answer.etag)) return c.body(null, 304, headers);
    return c.json(answer.body, 200, headers);
  };
}
