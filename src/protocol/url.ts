// The scheme check of a URL field, in a module of its own: the widget's submit code never checks a URL (page URLs go
// through the context cleaners), only the site's own `url` questions do, so the bundle puts it with their checks and
// a form without questions does not download it. The proxy reaches it through `validateUrl` in wire.ts.
import type { FieldErrorCode } from './wire.js';

/** `invalid_url` unless `value` parses as an http(s) URL. */
export function urlSchemeError(value: string): FieldErrorCode | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'invalid_url';
  } catch {
    return 'invalid_url';
  }
}
