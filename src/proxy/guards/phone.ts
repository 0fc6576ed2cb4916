// Phone numbers to E.164 with libphonenumber-js; an unparsable number is a field error, never silently dropped.
import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js';

/** True when `country` is an ISO 3166-1 alpha-2 code libphonenumber-js knows a numbering plan for. */
export function isPhoneCountry(country: string): country is CountryCode {
  return /^[A-Z]{2}$/.test(country) && isSupportedCountry(country);
}

/**
 * The number in E.164 (`+442079460958`), reading numbers written without `+` in `defaultCountry`'s plan,
 * or undefined when it is not a valid number there.
 */
export function normalisePhone(text: string, defaultCountry?: CountryCode): string | undefined {
  const parsed = parsePhoneNumberFromString(text.trim(), defaultCountry ? { defaultCountry } : undefined);
  if (!parsed || !parsed.isValid()) return undefined;
  return parsed.number;
}
