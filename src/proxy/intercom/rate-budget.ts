// The proxy's own view of Intercom's rate budget, from X-RateLimit-* headers, so it can queue before a 429.
//
// Intercom reports the budget of the current window (the emulator: of the current 10 s slice) and when it resets.
// Every call this process sends is taken from the view at once, so concurrent requests do not all spend the same
// "remaining"; each answer lowers it to what Intercom says is left (never raises it within one window).
//
// A 429 spends the window for everyone only when it is plausible: when Intercom's count, as last seen, had less
// than ISOLATED_SHARE of the window left. A 429 while most of the window is left is a narrower refusal (another
// limit, or an injected fault): the call that got it waits for X-RateLimit-Reset, the other calls go on.

const GUARD_MS = 30;
const ISOLATED_SHARE = 0.1;

export interface RateView {
  limit?: number;
  remaining?: number;
  /** Epoch seconds, as Intercom sends X-RateLimit-Reset. */
  resetAt?: number;
}

export class RateBudget {
  #limit: number | undefined;
  #remaining: number | undefined;
  #resetAtMs: number | undefined;
  #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The last known view (for logs and tests). */
  get view(): RateView {
    this.#roll();
    return { limit: this.#limit, remaining: this.#remaining, resetAt: this.#resetAtMs === undefined ? undefined : this.#resetAtMs / 1000 };
  }

  /**
   * Calls that may still be sent in this window; Infinity while nothing is known yet. In the window's last
   * GUARD_MS nothing is sent: a call could arrive after Intercom's reset and count against the next window.
   */
  available(): number {
    this.#roll();
    if (this.#resetAtMs !== undefined && this.#resetAtMs - this.#now() < GUARD_MS) return 0;
    return this.#remaining ?? Infinity;
  }

  /** Milliseconds until `calls` may be sent (0 when they may go now). */
  waitMs(calls = 1): number {
    if (this.available() >= calls) return 0;
    return Math.max(1, (this.#resetAtMs ?? this.#now() + 1000) - this.#now());
  }

  /** Count one call about to be sent. */
  take(): void {
    this.#roll();
    if (this.#remaining !== undefined) this.#remaining = Math.max(0, this.#remaining - 1);
  }

  /** Read the rate-limit headers of an answer; `inFlight` calls sent since are not in Intercom's count yet. */
  observe(headers: { get(name: string): string | null }, status: number, inFlight: number): void {
    const number = (name: string) => {
      const value = headers.get(name);
      const parsed = value === null ? NaN : Number(value);
      return Number.isFinite(parsed) ? parsed : undefined;
    };
    const remaining = number('x-ratelimit-remaining');
    const resetAt = number('x-ratelimit-reset');
    const limit = number('x-ratelimit-limit');
    if (limit !== undefined) this.#limit = limit;
    if (remaining === undefined || resetAt === undefined) {
      if (status === 429) this.#remaining = 0;
      return;
    }
    const resetAtMs = resetAt * 1000;
    // An answer about a window that is already over says nothing about the current one.
    if (resetAtMs <= this.#now()) return;
    this.#roll();
    if (status === 429 && this.#isolated(resetAtMs, inFlight)) return;
    const left = Math.max(0, (status === 429 ? 0 : remaining) - inFlight);
    if (resetAtMs !== this.#resetAtMs) {
      // Another window than the one we counted in (a new one, or Intercom's limits changed): its count wins.
      this.#resetAtMs = resetAtMs;
      this.#remaining = left;
    } else {
      this.#remaining = Math.min(this.#remaining ?? left, left);
    }
  }

  /** A 429 in the window we count in, while our view (Intercom's last count, less our calls since) has plenty left. */
  #isolated(resetAtMs: number, inFlight: number): boolean {
    // A view that rolled over to a new window (no reset known yet) counts down from the full limit.
    const sameWindow = this.#resetAtMs === undefined || resetAtMs === this.#resetAtMs;
    if (!sameWindow || this.#remaining === undefined || this.#limit === undefined) return false;
    return this.#remaining > Math.max(inFlight, Math.ceil(this.#limit * ISOLATED_SHARE));
  }

  /** Once the reset time has passed, the whole limit is available again (until an answer says otherwise). */
  #roll(): void {
    if (this.#resetAtMs !== undefined && this.#now() >= this.#resetAtMs) {
      this.#resetAtMs = undefined;
      this.#remaining = this.#limit;
    }
  }
}
