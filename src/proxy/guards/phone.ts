// Phone numbers to E.164 with libphonenumber-js; an unparsable number is a field error, never silently dropped.
// The library and its metadata are most of the proxy's import time, so they load on the first request that
// validates a submission (loadPhoneRules, awaited by the routes), not when `leadrelay/proxy` is imported. The
// checks themselves stay synchronous, so checkLeadRequest is unchanged once the rules are loaded.
import type { CountryCode } from 'libphonenumber-js';

type PhoneLibrary = typeof import('./phone-library.js');

let library: PhoneLibrary | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads libphonenumber-js once; later calls return the same promise (resolved at once after the first). A failed
 * load is not cached, so the next request tries again.
 */
export function loadPhoneRules(): Promise<void> {
  if (library) return Promise.resolve();
  loading ??= import('./phone-library.js').then(
    (module) => {
      library = module;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

function rules(): PhoneLibrary {
  // A programming error, not bad input: every route that validates a submission awaits loadPhoneRules first.
  if (!library) throw new Error('The phone rules are not loaded yet: await loadPhoneRules() before validating a submission.');
  return library;
}

/** True when `country` is an ISO 3166-1 alpha-2 code libphonenumber-js knows a numbering plan for. */
export function isPhoneCountry(country: string): country is CountryCode {
  return /^[A-Z]{2}$/.test(country) && rules().isSupportedCountry(country);
}

/**
 * The number in E.164 (`+442079460958`), reading numbers written without `+` in `defaultCountry`'s plan,
 * or undefined when it is not a valid number there.
 */
export function normalisePhone(text: string, defaultCountry?: CountryCode): string | undefined {
  const parsed = rules().parsePhoneNumberFromString(text.trim(), defaultCountry ? { defaultCountry } : undefined);
  if (!parsed || !parsed.isValid()) return undefined;
  return parsed.number;
}
