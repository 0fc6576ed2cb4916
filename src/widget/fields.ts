// The form's fields (input type, autocomplete token, limit) and client-side validation with the wire's validators.
import {
  FIELD_VALIDATORS,
  LEAD_FIELDS,
  LIMITS,
  contactFieldMissing,
  isFilled,
  type FieldErrorCode,
  type LeadField,
} from '../protocol/wire.js';

export interface FieldSpec {
  type: 'text' | 'email' | 'tel' | 'textarea';
  autocomplete?: string;
  inputmode?: string;
  max: number;
}

export const FIELD_SPECS: Record<LeadField, FieldSpec> = {
  name: { type: 'text', autocomplete: 'name', max: LIMITS.name.max },
  email: { type: 'email', autocomplete: 'email', inputmode: 'email', max: LIMITS.email.max },
  phone: { type: 'tel', autocomplete: 'tel', inputmode: 'tel', max: LIMITS.phone.max },
  message: { type: 'textarea', max: LIMITS.message.max },
};

export type LeadValues = Partial<Record<LeadField, string>>;
/** Errors by field; `consent` is the consent checkbox. */
export type FieldErrors = Partial<Record<LeadField | 'consent', FieldErrorCode>>;

/** A space-separated attribute → known field names, in the form's order. */
export function parseFieldList(text: string): LeadField[] {
  const words = text.split(/[\s,]+/);
  return LEAD_FIELDS.filter((field) => words.includes(field));
}

/** The fields shown: those asked for, plus email when neither email nor phone was (a lead needs a way back). */
export function shownFields(text: string): LeadField[] {
  const fields = parseFieldList(text);
  return fields.includes('email') || fields.includes('phone') ? fields : parseFieldList(text + ' email');
}

/** The required fields: those asked for among the shown ones, else the first contact field shown. */
export function requiredFields(text: string, shown: LeadField[]): LeadField[] {
  const asked = parseFieldList(text).filter((field) => shown.includes(field));
  return asked.length ? asked : shown.filter((field) => field === 'email' || field === 'phone').slice(0, 1);
}

/** The trimmed, filled values of the shown fields: exactly what goes on the wire. */
export function filledValues(values: LeadValues, shown: LeadField[]): LeadValues {
  const out: LeadValues = {};
  for (const field of shown) {
    const value = values[field];
    if (isFilled(value)) out[field] = value.trim();
  }
  return out;
}

/** Every problem with the form, in the form's order; empty when it can be sent. */
export function validateForm(
  values: LeadValues,
  shown: LeadField[],
  required: LeadField[],
  consent: { asked: boolean; given: boolean },
): FieldErrors {
  const filled = filledValues(values, shown);
  const errors: FieldErrors = {};
  for (const field of shown) {
    const value = filled[field];
    const code = value === undefined ? (required.includes(field) ? 'required' : undefined) : FIELD_VALIDATORS[field](value);
    if (code) errors[field] = code;
  }
  if (contactFieldMissing(filled)) {
    const contact = shown.find((field) => field === 'email' || field === 'phone');
    if (contact) errors[contact] ??= 'required';
  }
  if (consent.asked && !consent.given) errors.consent = 'consent_required';
  return errors;
}
