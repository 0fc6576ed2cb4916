// Bot and abuse guards: honeypot, minimum fill time, the per-minute rate limit, the captcha hook and the built-in
// Turnstile check (turnstile.ts) (the client's address and its rate-limit key: client-address.ts).
import { LIMITS } from '../../protocol/wire.js';
import { ProxyError } from '../errors.js';
import type { CounterStore } from '../store/index.js';
import type { TurnstileFailureReason, TurnstileVerifier } from './turnstile.js';

export type CaptchaVerifier = (token: string | undefined, request: Request) => Promise<boolean>;

/** People leave the hidden `hp` field empty and take a while to fill a form; bots do neither. */
export function rejectSpamSignals(hp: string, elapsedMs: number, minFillMs: number = LIMITS.minFillMs): void {
  if (hp.trim() !== '' || elapsedMs < minFillMs) {
    // Deliberately vague: the message must not teach a bot which signal gave it away.
    throw new ProxyError(422, 'spam_suspected', 'This submission looks automated and was not sent.');
  }
}

/**
 * Count one request for `key` (a client's rate-limit key, see client-address.ts) on `route`; over `perMinute`
 * answers 429 rate_limited with Retry-After. 0 = off.
 */
export async function enforceRateLimit(store: CounterStore, route: string, key: string, perMinute: number): Promise<void> {
  if (perMinute <= 0) return;
  const { count, resetAt } = await store.hit(`rate:${route}:${key}`, 60_000);
  if (count <= perMinute) return;
  const seconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
  throw new ProxyError(429, 'rate_limited', 'Too many requests from this address. Try again later.', undefined, {
    'retry-after': String(seconds),
  });
}

/** Run the customer's captcha check when one is configured. */
export async function enforceCaptcha(
  verify: CaptchaVerifier | undefined,
  token: string | undefined,
  request: Request,
): Promise<void> {
  if (!verify) return;
  let ok = false;
  try {
    ok = await verify(token, request);
  } catch {
    ok = false;
  }
  if (!ok) throw new ProxyError(422, 'captcha_failed', 'The captcha check failed. Solve it again and resend.');
}


/**
 * What the visitor (or the API caller) is told for each way a Turnstile check fails. Each says what to do next; none
 * names the secret or repeats the token. A check that could not be made (siteverify slow or down) is a refusal too:
 * letting a lead through unchecked whenever Cloudflare is unreachable would let a bot through by making it so.
 */
const TURNSTILE_SENTENCES: Record<TurnstileFailureReason, string> = {
  missing: 'This form needs its Turnstile check: send the token it gives as captchaToken (without JavaScript there is none).',
  rejected: 'The Turnstile check did not pass. Solve it again and resend.',
  replayed: 'This Turnstile token was already used or has expired (each works once, within 5 minutes). Solve the check again and resend.',
  hostname: 'This Turnstile token was solved on a site this proxy does not serve. Solve the check on this site and resend.',
  action: 'This Turnstile token was solved for another form. Solve the check on this form and resend.',
  misconfigured: 'The Turnstile check cannot be verified because of a problem on our side. Please contact us another way.',
  timeout: 'The Turnstile check could not be verified just now. Solve it again and resend in a moment.',
  unreachable: 'The Turnstile check could not be verified just now. Solve it again and resend in a moment.',
};

/**
 * The built-in Turnstile check: `token` verified once, with the client's address and the submission's id as
 * siteverify's idempotency key (so the same submission sent again after a lost answer, with the same token, is
 * verified again rather than counted as a replay). Any failure is 422 captcha_failed; `onFailure` hears the reason.
 */
export async function enforceTurnstile(
  verify: TurnstileVerifier,
  token: string | undefined,
  remoteIp: string | undefined,
  submissionId: string,
  onFailure?: (reason: TurnstileFailureReason) => void,
): Promise<void> {
  const result = await verify(token, remoteIp, { idempotencyKey: submissionId });
  if (result.ok) return;
  onFailure?.(result.reason);
  throw new ProxyError(422, 'captcha_failed', TURNSTILE_SENTENCES[result.reason]);
}
