// The answers to the site's own questions on the submit path: their checks (the proxy's own, from src/protocol/) and
// what goes on the wire. Loaded by the submit code only when the form has questions.
import { validateAnswers, type AnswersResult } from '../protocol/questions.js';
import type { LeadRequest } from '../protocol/wire.js';
import type { FieldErrors } from './fields.js';
import type { AnswersHost } from './host.js';

/** The raw answers by question name: what the visitor typed or ticked, and each hidden question's URL parameter. */
function rawAnswers(host: AnswersHost): Record<string, unknown> {
  const values = host.formValues as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  const params = new URLSearchParams(location.search);
  for (const question of host.questionsForm?.questions ?? []) {
    if (question.type === 'hidden') {
      const value = question.param === undefined ? undefined : params.get(question.param);
      if (value) raw[question.name] = value;
    } else if (values[question.name] !== undefined) raw[question.name] = values[question.name];
  }
  return raw;
}

function checked(host: AnswersHost): AnswersResult {
  return validateAnswers(host.questionsForm!, rawAnswers(host));
}

/** A question's name: the submit code re-checks it when the visitor leaves it, as it does the built-in fields. */
export function isQuestion(host: AnswersHost, name: string): boolean {
  return !!host.questionsForm?.questions.some((question) => question.name === name && question.type !== 'hidden');
}

/** Each unanswered required question or wrong answer, by question name, in the form's order. */
export function checkAnswers(host: AnswersHost): FieldErrors {
  return checked(host).errors as FieldErrors;
}

/**
 * `answers` typed as the proxy stores them (a hidden value that does not fit is left out, as the proxy would drop
 * it), with the definition's hash and the form's name: a proxy with a newer definition answers 409 questions_changed.
 */
export function addAnswers(host: AnswersHost, body: LeadRequest): void {
  const form = host.questionsForm!;
  body.answers = { ...checked(host).values };
  body.questionsHash = form.hash;
  body.form = form.name;
}
