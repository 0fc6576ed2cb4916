// Default strings (English) and the locale packs, loaded after first paint; first paint carries English labels only.
import type { enLater } from './messages-later.js';

/**
 * The English sentences first paint needs: labels and buttons (the launcher's too). The rest of English (messages-later.ts) is a locale pack like the others, so a visitor who reads
 * German downloads German sentences only.
 */
export const en: Partial<Messages> = {
  heading: 'Get in touch',
  name: 'Name',
  email: 'Email',
  phone: 'Phone',
  message: 'Message',
  submit: 'Send',
  launcher: 'Contact us',
  close: 'Close',
};

/** Every sentence the widget shows. Field error codes and request error codes map straight to a sentence. */
export type Messages = Record<'heading' | 'name' | 'email' | 'phone' | 'message' | 'submit' | 'launcher' | 'close' | 'error', string> &
  typeof enLater;
export type MessageKey = keyof Messages;

/** Locales with a pack; anything else falls back to English. */
export const LOCALES = ['en', 'de', 'es', 'fr', 'ar'] as const;

// Written out (not `import(\`./locales/${x}.js\`)`) so the bundler makes exactly one chunk per locale.
const packs: Record<string, () => Promise<{ default: Partial<Messages> }>> = {
  en: async () => ({ default: { ...en, ...(await import('./messages-later.js')).enLater } }),
  de: () => import('./locales/de.js'),
  es: () => import('./locales/es.js'),
  fr: () => import('./locales/fr.js'),
  ar: () => import('./locales/ar.js'),
};
const loaded: Record<string, Partial<Messages>> = {};

/** `de-CH` → `de`; unknown languages → `en`. */
export function baseLocale(tag: string | null | undefined): string {
  const base = (tag ?? '').toLowerCase().split(/[-_]/)[0];
  return base in packs ? base : 'en';
}

/** The pack for a base locale if it is already here. */
export function loadedMessages(locale: string): Partial<Messages> | undefined {
  return loaded[locale];
}

/**
 * Fetch a pack, or English's when it cannot be fetched (offline, a blocked chunk); rejects when English's cannot be
 * either. A failure is not remembered, so the next call tries again.
 */
export async function loadMessages(locale: string): Promise<Partial<Messages>> {
  try {
    return (loaded[locale] ??= (await packs[locale]()).default);
  } catch (error) {
    if (locale === 'en') throw error;
    return loadMessages('en');
  }
}
