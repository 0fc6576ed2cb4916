// The form's fields: input type, autocomplete token and limit, and which are shown and required.
import { LEAD_FIELDS, LIMITS, type FieldErrorCode, type LeadField } from '../protocol/wire.js';

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
