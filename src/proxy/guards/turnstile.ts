// Cloudflare Turnstile, checked by the proxy: siteverify with the secret, then the hostname, the action and single
// use; any doubt (no answer, a slow one, an unreadable one) is a refusal.
import { randomId, sha256, toBase64Url } from '../web-crypto.js';

/** Cloudflare's siteverify endpoint. */
export const TURNSTILE_VERIFY_URL = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';

/** Cloudflare's test secret keys: `1x…` passes its dummy token, `2x…` always fails, `3x…` always answers "already spent". */
const TEST_SECRET = /^[123]x0{31}AA$/;

/** Cloudflare's limit on a token's length, and how long a token is valid after the widget made it. */
export const TURNSTILE_TOKEN_MAX = 2048;
export const TURNSTILE_TOKEN_TTL_MS = 300_000;

/** True for one of Cloudflare's test secrets, which let every visitor through (worth a warning outside tests). */
export function isTurnstileTestSecret(secret: string): boolean {
  return TEST_SECRET.test(secret);
}

export interface TurnstileVerifierOptions {
  /** The widget's secret key (`LEADRELAY_TURNSTILE_SECRET`). Never logged, never in a result. */
  secret: string;
  /** Default Cloudflare's; the emulator's `…/turnstile/v0/siteverify` in tests. */
  verifyUrl?: string;
  /** The whole check, retry included, gives up after this long and refuses (default 5000). */
  timeoutMs?: number;
  /** Host names a token may have been solved on (those of the allowed origins); compared case-insensitively. */
  allowedHostnames: readonly string[];
  /** When set, the widget's `action` must equal it. */
  action?: string;
  /** How many verified tokens are remembered to refuse a replay without a call (default 10,000). */
  rememberTokens?: number;
  /** For tests: the fetch to use. */
  fetch?: typeof fetch;
}

export type TurnstileFailureReason =
  /** No token, or not a string. */
  | 'missing'
  /** Cloudflare refused the token (forged, malformed, too long). */
  | 'rejected'
  /** Already verified once (here or at Cloudflare), or older than 300 s: Cloudflare's `timeout-or-duplicate`. */
  | 'replayed'
  /** Solved on a host that is not one of ours. */
  | 'hostname'
  /** Solved for another widget action. */
  | 'action'
  /** Cloudflare does not know the secret: the operator's to fix. */
  | 'misconfigured'
  /** No answer within `timeoutMs`. */
  | 'timeout'
  /** No usable answer: the connection failed, a 5xx, or a body that is not siteverify's. */
  | 'unreachable';

export type TurnstileResult =
  | { ok: true; hostname: string; action: string; challengeTs?: string }
  | {
      ok: false;
      reason: TurnstileFailureReason;
      /** Cloudflare's `error-codes`, when it answered. */
      errorCodes: string[];
      /** One sentence for the log (never the secret, never the token). */
      detail: string;
    };

export type TurnstileVerifier = (token: unknown, remoteIp?: string, options?: { idempotencyKey?: string }) => Promise<TurnstileResult>;

interface SiteverifyAnswer {
  success: boolean;
  'error-codes'?: unknown;
  hostname?: unknown;
  action?: unknown;
  challenge_ts?: unknown;
}

const fail = (reason: TurnstileFailureReason, detail: string, errorCodes: string[] = []): TurnstileResult => ({ ok: false, reason, errorCodes, detail });

/** Remembers tokens already sent to siteverify until they would have expired anyway, by hash, at most `limit`. */
class SpentTokens {
  private readonly seen = new Map<string, { until: number; idempotencyKey: string }>();
  constructor(private readonly limit: number) {}

  static key(token: string): string {
    return toBase64Url(sha256(token));
  }

  /** The idempotency key the token was first verified with, if it was verified in the last 300 s. */
  get(key: string, now: number): string | undefined {
    const entry = this.seen.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.seen.delete(key);
      return undefined;
    }
    return entry.idempotencyKey;
  }

  add(key: string, idempotencyKey: string, now: number): void {
    this.seen.set(key, { until: now + TURNSTILE_TOKEN_TTL_MS, idempotencyKey });
    // Oldest first (insertion order): past the limit, forget the oldest; Cloudflare still refuses their replays.
    for (const [oldest, entry] of this.seen) {
      if (this.seen.size <= this.limit && entry.until > now) break;
      this.seen.delete(oldest);
    }
  }
}

function errorCodesOf(answer: SiteverifyAnswer): string[] {
  return Array.isArray(answer['error-codes']) ? answer['error-codes'].filter((code): code is string => typeof code === 'string') : [];
}

/**
 * A Turnstile check for the body's `captchaToken`. The token goes to siteverify (form-encoded, with the visitor's
 * address and an idempotency key, so the one retry after a failed connection or a 5xx cannot spend the token twice);
 * a pass counts only when the answer names one of `allowedHostnames` and, when set, `action`. A token is good once:
 * Cloudflare refuses a second verification (`timeout-or-duplicate`), and this verifier remembers the tokens it sent
 * for 300 s so a replay to the same instance is refused without a call. Every failure resolves (never throws) with
 * `ok: false` and a reason: the caller answers 422 `captcha_failed` for all of them.
 */
export function createTurnstileVerifier(options: TurnstileVerifierOptions): TurnstileVerifier {
  const verifyUrl = options.verifyUrl ?? TURNSTILE_VERIFY_URL;
  const timeoutMs = options.timeoutMs ?? 5000;
  const hostnames = new Set(options.allowedHostnames.map((hostname) => hostname.toLowerCase()));
  const spent = new SpentTokens(options.rememberTokens ?? 10_000);
  const fetcher = options.fetch ?? fetch;

  async function call(fields: URLSearchParams, signal: AbortSignal): Promise<SiteverifyAnswer | 'retry'> {
    let response: Response;
    try {
      response = await fetcher(verifyUrl, { method: 'POST', body: fields, signal, headers: { accept: 'application/json' } });
    } catch (error) {
      if (signal.aborted) throw error;
      return 'retry';
    }
    if (response.status >= 500) {
      await response.body?.cancel().catch(() => undefined);
      return 'retry';
    }
    const body: unknown = await response.json().catch(() => undefined);
    // A 4xx with siteverify's own body is an answer (a refusal); anything else is not siteverify speaking.
    if (typeof body !== 'object' || body === null || typeof (body as SiteverifyAnswer).success !== 'boolean' || (!response.ok && (body as SiteverifyAnswer).success)) {
      throw new TypeError(`siteverify answered HTTP ${response.status} without a siteverify body`);
    }
    const answer = body as SiteverifyAnswer;
    return !answer.success && errorCodesOf(answer).includes('internal-error') ? 'retry' : answer;
  }

  return async function verifyTurnstile(token, remoteIp, callOptions = {}) {
    if (typeof token !== 'string' || token.trim() === '') return fail('missing', 'The submission carried no Turnstile token.');
    if (token.length > TURNSTILE_TOKEN_MAX) return fail('rejected', `The Turnstile token is longer than ${TURNSTILE_TOKEN_MAX} characters.`);
    const key = SpentTokens.key(token);
    const started = Date.now();
    const firstKey = spent.get(key, started);
    // The same verification retried with its idempotency key is asked again (Cloudflare repeats its answer); any
    // other second use is a replay.
    if (firstKey !== undefined && firstKey !== callOptions.idempotencyKey) {
      return fail('replayed', 'This Turnstile token was already verified once.', ['timeout-or-duplicate']);
    }
    const idempotencyKey = callOptions.idempotencyKey ?? randomId();
    const fields = new URLSearchParams({ secret: options.secret, response: token, idempotency_key: idempotencyKey });
    if (remoteIp) fields.set('remoteip', remoteIp);
    const signal = AbortSignal.timeout(timeoutMs);
    let answer: SiteverifyAnswer | 'retry' = 'retry';
    try {
      for (let attempt = 0; attempt < 2 && answer === 'retry'; attempt += 1) answer = await call(fields, signal);
    } catch (error) {
      if (signal.aborted) return fail('timeout', `siteverify did not answer within ${timeoutMs} ms.`);
      return fail('unreachable', error instanceof Error ? error.message : 'siteverify could not be read.');
    }
    if (answer === 'retry') return fail('unreachable', 'siteverify failed twice (no connection, a 5xx or internal-error).');
    spent.add(key, idempotencyKey, started);
    const errorCodes = errorCodesOf(answer);
    if (!answer.success) {
      if (errorCodes.includes('timeout-or-duplicate')) return fail('replayed', 'Cloudflare says the token expired or was already used.', errorCodes);
      if (errorCodes.some((code) => code === 'missing-input-secret' || code === 'invalid-input-secret')) {
        return fail('misconfigured', 'Cloudflare does not know the Turnstile secret (LEADRELAY_TURNSTILE_SECRET).', errorCodes);
      }
      return fail('rejected', `Cloudflare refused the token (${errorCodes.join(', ') || 'no error code'}).`, errorCodes);
    }
    const hostname = typeof answer.hostname === 'string' ? answer.hostname : '';
    if (!hostnames.has(hostname.toLowerCase())) {
      return fail('hostname', `The token was solved on "${hostname.slice(0, 253)}", which is not an allowed origin's host.`);
    }
    const action = typeof answer.action === 'string' ? answer.action : '';
    if (options.action !== undefined && action !== options.action) {
      return fail('action', `The token was solved for the action "${action.slice(0, 32)}", not "${options.action}".`);
    }
    return { ok: true, hostname, action, ...(typeof answer.challenge_ts === 'string' ? { challengeTs: answer.challenge_ts } : {}) };
  };
}
