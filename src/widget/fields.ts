// The form's fields: input type, and which are shown and required.
// Only types come from wire.ts here: its values (limits, validators) arrive with the submit code, after first paint.
import type { FieldErrorCode, LeadField } from '../protocol/wire.js';

/**
 * The control of each LeadField, in the form's order (the Record type makes the compiler check it against wire.ts).
 * Its `autocomplete` token and `inputmode` follow from the type: see field-templates.ts.
 */
export const FIELD_TYPES: Record<LeadField, 'text' | 'email' | 'tel' | 'textarea'> = {
  name: 'text',
  email: 'email',
  phone: 'tel',
  message: 'textarea',
};

export type LeadValues = Partial<Record<LeadField, string>>;
/** Errors by field; `consent` is the consent checkbox. */
export type FieldErrors = Partial<Record<LeadField | 'consent', FieldErrorCode>>;

/** A space-separated attribute → known field names, in the form's order. Null (a removed attribute) → none. */
export function parseFieldList(text: string | null | undefined): LeadField[] {
  const words = (text ?? '').split(/[\s,]+/);
  return (Object.keys(FIELD_TYPES) as LeadField[]).filter((field) => words.includes(field));
}

/**
 * The fields shown: those asked for (all of them when the attribute is empty or removed), plus email when neither
 * email nor phone was (a lead needs a way back).
 */
export function shownFields(text: string | null | undefined): LeadField[] {
  const asked = text?.trim() ? text : Object.keys(FIELD_TYPES).join(' ');
  const fields = parseFieldList(asked);
  return fields.includes('email') || fields.includes('phone') ? fields : parseFieldList(asked + ' email');
}

/** The required fields: those asked for among the shown ones, else the first contact field shown. */
export function requiredFields(text: string | null | undefined, shown: LeadField[]): LeadField[] {
  const asked = parseFieldList(text).filter((field) => shown.includes(field));
  return asked.length ? asked : shown.filter((field) => field === 'email' || field === 'phone').slice(0, 1);
}
