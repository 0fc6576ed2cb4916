// Bot and abuse guards: honeypot, minimum fill time, the per-minute rate limit and the captcha hook (the client's
// address and its rate-limit key: client-address.ts).
import { LIMITS } from '../../protocol/wire.js';
import { ProxyError } from '../errors.js';
import type { Store } from '../store/index.js';

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
export async function enforceRateLimit(store: Store, route: string, key: string, perMinute: number): Promise<void> {
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

