// Default strings (English) and the locale packs, loaded on demand so first paint carries English only.
import type { ErrorCode, FieldErrorCode } from '../protocol/wire.js';

/** Every sentence the widget shows. Field error codes and request error codes map straight to a sentence. */
export const en = {
  heading: 'Get in touch',
  name: 'Name',
  email: 'Email',
  phone: 'Phone',
  message: 'Message',
  submit: 'Send',
  submitting: 'Sending…',
  success: 'Thank you! We will get back to you soon.',
  queued: 'You seem to be offline. Your message is saved on this device and will be sent as soon as the connection is back.',
  summary: 'Please correct the following:',
  launcher: 'Contact us',
  close: 'Close',
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
  error: 'Your message was not sent. Check your connection and send again.',
} satisfies Record<FieldErrorCode, string> & Partial<Record<ErrorCode, string>> & Record<string, string>;

export type Messages = Record<keyof typeof en, string>;
export type MessageKey = keyof Messages;

/** Locales with a pack; anything else falls back to English. */
export const LOCALES = ['en', 'de', 'es', 'fr', 'ar'] as const;
const RTL_LOCALES = ['ar'];

// Written out (not `import(\`./locales/${x}.js\`)`) so the bundler makes exactly one chunk per locale.
const packs: Record<string, () => Promise<{ default: Messages }>> = {
  de: () => import('./locales/de.js'),
  es: () => import('./locales/es.js'),
  fr: () => import('./locales/fr.js'),
  ar: () => import('./locales/ar.js'),
};
const loaded: Record<string, Messages> = { en };

/** `de-CH` → `de`; unknown languages → `en`. */
export function baseLocale(tag: string | null | undefined): string {
  const base = (tag ?? '').toLowerCase().split(/[-_]/)[0];
  return base in packs ? base : 'en';
}

export function isRtl(locale: string): boolean {
  return RTL_LOCALES.includes(locale);
}

/** The pack for a base locale if it is already here (English always is). */
export function loadedMessages(locale: string): Messages | undefined {
  return loaded[locale];
}

/** Fetch a pack; English if it cannot be loaded (offline, blocked chunk). */
export async function loadMessages(locale: string): Promise<Messages> {
  if (!loaded[locale]) {
    try {
      loaded[locale] = (await packs[locale]()).default;
    } catch {
      return en;
    }
  }
  return loaded[locale];
}
