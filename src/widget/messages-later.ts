// English sentences needed only after first paint (states, errors): the English locale pack, loaded like the others.
import type { ErrorCode, FieldErrorCode } from '../protocol/wire.js';

/** States after a submit, the error summary, a sentence per field error code and request error code. */
export const enLater = {
  submitting: 'Sending…',
  success: 'Thank you! We will get back to you soon.',
  queued: 'You seem to be offline. Your message is saved on this device and will be sent as soon as the connection is back.',
  summary: 'Please correct the following:',
  required: 'Fill in this field.',
  too_long: 'This is too long. Shorten it and try again.',
  invalid_email: 'Enter an email address like name@example.com.',
  invalid_phone: 'Enter a phone number with digits only, like +1 555 123 4567.',
  invalid_type: 'Check what you entered here.',
  invalid_url: 'Check what you entered here.',
  unknown_field: 'Check what you entered here.',
  consent_required: 'Tick this box to continue.',
  invalid_characters: 'Remove the special characters from this field.',
  invalid_field: 'Some fields need your attention. Correct them and send again.',
  rate_limited: 'Too many attempts. Wait a minute, then send again.',
  spam_suspected: 'We could not accept this message. Wait a moment, then send again.',
  origin_not_allowed: 'This form is not set up for this site yet. Please contact us another way.',
} satisfies Record<FieldErrorCode, string> & Partial<Record<ErrorCode, string>> & Record<string, string>;
