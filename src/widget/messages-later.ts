// English sentences needed only after first paint (states, errors): the English locale pack, loaded like the others.
import errors from '../protocol/locales/en.js';
import type { ErrorCode, FieldErrorCode } from '../protocol/wire.js';

/** States after a submit, the error summary, a sentence per field error code and request error code. */
export const enLater = {
  submitting: 'Sending…',
  success: 'Thank you! We will get back to you soon.',
  delivering: 'Your message is on its way to our team.',
  unreachable: 'Our server did not answer. Your message is saved on this device and will be sent automatically.',
  queued: 'You seem to be offline. Your message is saved on this device and will be sent as soon as the connection is back.',
  summary: 'Please correct the following:',
  error: 'Your message was not sent. Check your connection and send again.',
  ...errors,
} satisfies Record<FieldErrorCode, string> & Partial<Record<ErrorCode, string>> & Record<string, string>;
