// What the page tells us about the visit: URL, referrer, title, UTM parameters, and the visitor's likely country.
import { LIMITS, UTM_KEYS, type PageContext, type UtmKey } from '../protocol/wire.js';

export function readPageContext(): PageContext {
  const page: PageContext = { url: location.href.slice(0, LIMITS.url.max) };
  if (document.referrer) page.referrer = document.referrer.slice(0, LIMITS.url.max);
  if (document.title) page.title = document.title.slice(0, LIMITS.title.max);
  return page;
}

/** The `utm_*` parameters of the page URL, or undefined when there are none. */
export function readUtm(): Partial<Record<UtmKey, string>> | undefined {
  const params = new URLSearchParams(location.search);
  const utm: Partial<Record<UtmKey, string>> = {};
  for (const key of UTM_KEYS) {
    const value = params.get(key);
    if (value) utm[key] = value.slice(0, LIMITS.utmValue.max);
  }
  return Object.keys(utm).length ? utm : undefined;
}

/**
 * The region of the page's language (`<html lang="en-GB">` → `GB`), else of the browser's; used to read a phone
 * number typed without `+`. Undefined when neither names a region: the proxy then needs an international number.
 */
export function defaultPhoneCountry(): string | undefined {
  for (const tag of [document.documentElement.lang, navigator.language]) {
    const region = /[-_]([a-z]{2})(?:[-_]|$)/i.exec(tag ?? '')?.[1];
    if (region) return region.toUpperCase();
  }
  return undefined;
}
