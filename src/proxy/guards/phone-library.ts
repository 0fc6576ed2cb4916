// The two functions of libphonenumber-js (`min` metadata, its default entry) the phone checks use, loaded on first use
// by phone.ts. A module of its own so that bundlers keep only these: `import('libphonenumber-js')` keeps all of it
// (as-you-type formatting, number finding), 40 KiB gzip more in a Worker.
export { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
