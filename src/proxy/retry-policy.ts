// How every level of the proxy waits before trying again: one policy shape, one backoff, one jitter, one sleep.
//
// The Intercom client, the drain loop's backoff, the data attributes' set-up and recovery's polling each pick their
// own numbers, but the arithmetic is this file's, so two levels never disagree on what "exponential" means. It sits
// beside errors.ts and logging.ts because the intercom/ and store/ layers may import nothing else from above.

/** When and how often to try again: initialMs × coefficient^attempt, capped at maxMs, within attempts or a deadline. */
export interface RetryPolicy {
  /** The wait before the first retry (ms). */
  initialMs: number;
  /** Each further wait is the previous one times this (2: doubling; 1: a fixed interval). */
  coefficient: number;
  /** The longest single wait (ms). */
  maxMs: number;
  /** Retries after the first attempt; absent: no limit by count. */
  maxAttempts?: number;
  /** No retry starts after this epoch ms; absent: no limit by time. */
  deadline?: number;
  /** Spread of the jitter as a fraction (0.1: ±10 %); absent or 0: exact waits. */
  jitter?: number;
}

/** `ms` spread evenly over ±`spread` of itself, rounded to a whole ms: retries of many callers do not line up. */
export function jitter(ms: number, spread: number, random: () => number = Math.random): number {
  return Math.round(ms * (1 - spread + random() * 2 * spread));
}

/** The wait before retry number `attempt` (0 for the first retry) under `policy`, jittered when it says so. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  // The exponent is capped: the queue counts attempts for days, and the wait stays a finite number however many.
  const wait = Math.min(policy.maxMs, policy.initialMs * policy.coefficient ** Math.min(attempt, 30));
  return policy.jitter ? jitter(wait, policy.jitter, random) : wait;
}

/** Whether retry number `attempt`, after waiting `delayMs`, is still within the policy's attempts and deadline. */
export function mayRetry(policy: RetryPolicy, attempt: number, delayMs: number, now: number = Date.now()): boolean {
  if (policy.maxAttempts !== undefined && attempt >= policy.maxAttempts) return false;
  return policy.deadline === undefined || now + delayMs <= policy.deadline;
}

/** Resolve after `ms`; reject with the signal's reason as soon as `signal` aborts (at once when it already has). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
