// What the page tells us about the visit: URL, referrer, title, UTM parameters, and the visitor's likely country.
// All of it is context the visitor neither typed nor sees, and a link or page can carry anything in it, so each
// value goes through the protocol's context cleaners: cleaned, or left out, never a reason for the proxy to refuse.
import {
  LIMITS,
  UTM_KEYS,
  cleanContextText,
  cleanContextUrl,
  cleanPhoneCountry,
  type PageContext,
  type UtmKey,
} from '../protocol/wire.js';

export function readPageContext(): PageContext {
  const page: PageContext = {};
  // An about:srcdoc frame, a file: page or an android-app:// referrer is no http(s) URL: left out, not sent.
  const url = cleanContextUrl(location.href);
  if (url) page.url = url;
  const referrer = cleanContextUrl(document.referrer);
  if (referrer) page.referrer = referrer;
  const title = cleanContextText(document.title, LIMITS.title.max);
  if (title) page.title = title;
  return page;
}

/** The `utm_*` parameters of the page URL, cleaned, or undefined when none is left. */
export function readUtm(): Partial<Record<UtmKey, string>> | undefined {
  const params = new URLSearchParams(location.search);
  const utm: Partial<Record<UtmKey, string>> = {};
  for (const key of UTM_KEYS) {
    const value = cleanContextText(params.get(key), LIMITS.utmValue.max);
    if (value) utm[key] = value;
  }
  return Object.keys(utm).length ? utm : undefined;
}

/**
 * The region of the page's language (`<html lang="en-GB">` → `GB`), else of the browser's; used to read a phone
 * number typed without `+`. Undefined when neither names a region: the proxy then needs an international number.
 * `en-UK` reads as GB; a region that is not two letters (`es-419`) is no country.
 */
export function defaultPhoneCountry(): string | undefined {
  for (const tag of [document.documentElement.lang, navigator.language]) {
    const region = cleanPhoneCountry(/[-_]([a-z]{2})(?:[-_]|$)/i.exec(tag ?? '')?.[1]);
    if (region) return region;
  }
  return undefined;
}
