// How strong a secret is, estimated from its text alone: a guessable LEADRELAY_SECRET lets anyone forge lead tokens
// offline (every visitor holds one to test guesses against), a guessable identity or JWT secret forges sign-ins.
//
// The estimate (docs/operations.md, "Secrets: strength and rotation", says the same):
// 1. A secret shorter than MIN_SECRET_LENGTH characters is refused whatever it holds.
// 2. A secret that repeats a shorter unit from its start ("aaaa…", "abcabc…", "passwordpassword…") counts that unit only.
// 3. A phrase (letters only, in two or more words split by spaces or punctuation, no digits) is worth
//    log2(7776) ≈ 12.9 bits per distinct word: a word chosen from a Diceware list of 7,776, which is more than
//    most people's choice of words is worth. "correct horse battery staple correct horse" is 4 words, 52 bits.
// 4. Anything else is worth, per character, log2 of the smaller of (a) the alphabet of the character classes it
//    uses (lower-case 26, upper-case 26, digits 10, ASCII punctuation and space 33, anything else 100) and (b) the
//    number of distinct characters it uses; a character that repeats the previous one or continues a run
//    ("aa", "ab", "98") counts one bit. 64 hex digits from `openssl rand -hex 32` come to about 220 bits (never below 180 in 20,000 trials).
// A secret needs MIN_SECRET_BITS by this estimate. It is a floor against mistakes, not a proof of randomness: a
// strong-looking string someone else knows is still known.

export const MIN_SECRET_LENGTH = 32;
export const MIN_SECRET_BITS = 128;
/** The command every refusal gives: 32 random bytes as 64 hex digits. */
export const SECRET_COMMAND = 'openssl rand -hex 32';

const BITS_PER_WORD = Math.log2(7776);

/** The estimate described above, in bits (rounded down). */
export function estimateSecretBits(secret: string): number {
  const chars = [...periodicUnit([...secret])];
  const words = secret.split(/[\s\p{P}\p{S}]+/u).filter(Boolean);
  if (words.length >= 2 && words.every((word) => /^\p{L}+$/u.test(word))) {
    return Math.floor(new Set(words.map((word) => word.toLowerCase())).size * BITS_PER_WORD);
  }
  let alphabet = 0;
  if (chars.some((c) => /[a-z]/.test(c))) alphabet += 26;
  if (chars.some((c) => /[A-Z]/.test(c))) alphabet += 26;
  if (chars.some((c) => /[0-9]/.test(c))) alphabet += 10;
  if (chars.some((c) => /[ -/:-@[-`{-~]/.test(c))) alphabet += 33;
  if (chars.some((c) => !/^[ -~]$/.test(c))) alphabet += 100;
  const perChar = Math.log2(Math.max(1, Math.min(alphabet, new Set(chars).size)));
  let bits = 0;
  for (let i = 0; i < chars.length; i += 1) {
    const step = i === 0 ? Infinity : chars[i]!.codePointAt(0)! - chars[i - 1]!.codePointAt(0)!;
    bits += Math.abs(step) <= 1 ? 1 : perChar;
  }
  return Math.floor(bits);
}

/** The shortest unit the whole sequence repeats from its start (a partial last repetition allowed), or all of it. */
function periodicUnit(chars: string[]): string[] {
  for (let period = 1; period <= chars.length / 2; period += 1) {
    if (chars.every((c, i) => i < period || c === chars[i - period])) return chars.slice(0, period);
  }
  return chars;
}

/** Why `secret` is too weak to use (a sentence without its value), or undefined when it is strong enough. */
export function secretWeakness(secret: string): string | undefined {
  const length = [...secret].length;
  if (length < MIN_SECRET_LENGTH) {
    return `is too short: ${length} characters, where at least ${MIN_SECRET_LENGTH} random characters are needed so nobody can guess it offline`;
  }
  const bits = estimateSecretBits(secret);
  if (bits < MIN_SECRET_BITS) {
    return `is too easy to guess: about ${bits} bits by LeadRelay's estimate (words, repeats and runs count little), where at least ${MIN_SECRET_BITS} are needed so nobody can guess it offline`;
  }
  return undefined;
}
