// English sentences for the field error codes and the refusals a visitor can act on: shared by the widget's English pack and the no-JavaScript form pages.
import type { ExplainedCode } from '../wire.js';

export default {
  required: 'Fill in this field.',
  too_long: 'This is too long. Shorten it and try again.',
  invalid_email: 'Enter an email address like name@example.com.',
  invalid_phone: 'Enter a phone number with digits only, like +1 555 123 4567.',
  invalid_type: 'Check what you entered here.',
  invalid_url: 'Check what you entered here.',
  unknown_field: 'This form sent a field the server does not know. Please contact us another way.',
  consent_required: 'Tick this box to continue.',
  invalid_characters: 'Remove the special characters from this field.',
  unknown_option: 'Choose one of the options given.',
  out_of_range: 'Enter a value within the range given.',
  invalid_number: 'Enter a number.',
  invalid_date: 'Enter a date like 2026-01-31.',
  invalid_field: 'Some fields need your attention. Correct them and send again.',
  rate_limited: 'Too many attempts. Wait a minute, then send again.',
  spam_suspected: 'We could not accept this message. Wait a moment, then send again.',
  origin_not_allowed: 'This form is not set up for this site yet. Please contact us another way.',
  captcha_failed: 'The security check did not go through. Send again to retry it.',
} satisfies Record<ExplainedCode, string>;
