// The site's own questions in the prerendered snippet: the chosen form of the questions file, drawn by the element's
// own questions code (src/widget/questions-view.ts) into the declarative shadow DOM, so a form with questions paints
// with the page and posts them without JavaScript. The definition (with its hash) rides along as inert JSON, so the
// element draws exactly what the server drew and sends the hash the proxy checks.
import { DEFAULT_FORM, parseQuestionsFile, questionsHash, selectForm } from '../protocol/questions.js';
import * as view from '../widget/questions-view.js';

/** What the element gets on the server: the form (as GET /questions?form= serves it) and the code that draws it. */
export interface PrerenderQuestions {
  form: view.QuestionsForm;
  view: view.QuestionsView;
  css: string;
}

/**
 * The form `formName` (the default form when absent) of a questions file's JSON, read with the proxy's own rules: a
 * file that cannot work throws its one-sentence QuestionsFileError, a form the file does not have a TypeError.
 */
export function questionsForRender(json: unknown, formName: string | undefined): PrerenderQuestions {
  const definition = parseQuestionsFile(json);
  const form = selectForm(definition, formName || DEFAULT_FORM);
  if (!form) {
    throw new TypeError(`the questions file has no form "${formName || DEFAULT_FORM}" (it has: ${Object.keys(definition.forms).join(', ')})`);
  }
  const { renderQuestions, questionLabel, questionStyles } = view;
  return { form: { ...form, hash: questionsHash(form) }, view: { drawQuestions: renderQuestions, labelFor: questionLabel }, css: questionStyles.cssText };
}

/** JSON inside <script>: nothing in it may close the element or open a comment. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** The questions' CSS joined to the snippet's one <style> (so one hash still covers it), and the definition as JSON. */
export function addQuestionsMarkup(snippet: string, questions: PrerenderQuestions): string {
  const css = questions.css.replace(/\s*\n\s*/g, ' ').replace(/\s*([{};:,>])\s*/g, '$1').trim();
  return snippet
    .replace(/<\/style>/, `${css}</style>`)
    .replace(/(<form part="form"[^>]*>)/, `$1<script type="application/json">${scriptJson(questions.form)}</script>`);
}
