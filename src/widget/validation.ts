// Client-side validation (loaded with the submit code, not for first paint), using the wire's validators.
import { FIELD_VALIDATORS, LIMITS, contactFieldMissing, isFilled, type LeadField } from '../protocol/wire.js';
import type { FieldErrors, LeadValues } from './fields.js';

/** `maxlength` per field, from the wire's limits (set on the controls once this module is in). */
export const FIELD_MAX: Record<LeadField, number> = {
  name: LIMITS.name.max,
  email: LIMITS.email.max,
  phone: LIMITS.phone.max,
  message: LIMITS.message.max,
};

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
