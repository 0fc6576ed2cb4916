// Intercom's rate limit: a per-window budget enforced in 10-second slices, reported in X-RateLimit-* headers.
import type { EmulatorState } from './state.js';

const SLICE_SECONDS = 10;

export interface RateLimitAnswer {
  allowed: boolean;
  headers: Record<string, string>;
}

/**
 * The budget of the current slice. Intercom spreads e.g. 1,000/min as ≈166 per 10 s, so bursts hit 429 early.
 * `X-RateLimit-Limit` reports that slice budget so that `Remaining` and `Reset` describe the same window.
 */
function currentSlice(state: EmulatorState) {
  const { limit, windowSeconds } = state.config.rateLimit;
  const sliceSeconds = Math.min(SLICE_SECONDS, windowSeconds);
  const budget = Math.max(1, Math.floor((limit * sliceSeconds) / windowSeconds));
  const sliceMs = sliceSeconds * 1000;
  const sliceStart = Math.floor(Date.now() / sliceMs) * sliceMs;
  if (state.rateWindow.sliceStart !== sliceStart) state.rateWindow = { sliceStart, used: 0 };
  return { budget, resetAt: Math.ceil((sliceStart + sliceMs) / 1000) };
}

function headersFor(budget: number, used: number, resetAt: number): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(budget),
    'X-RateLimit-Remaining': String(Math.max(0, budget - used)),
    'X-RateLimit-Reset': String(resetAt),
  };
}

/** Counts one call against the slice; `allowed` is false past the budget. */
export function takeFromBudget(state: EmulatorState): RateLimitAnswer {
  const { budget, resetAt } = currentSlice(state);
  if (state.rateWindow.used >= budget) return { allowed: false, headers: headersFor(budget, budget, resetAt) };
  state.rateWindow.used++;
  return { allowed: true, headers: headersFor(budget, state.rateWindow.used, resetAt) };
}

/** The headers for an answer that did not count (unauthorized calls). */
export function peekBudget(state: EmulatorState, exhausted = false): Record<string, string> {
  const { budget, resetAt } = currentSlice(state);
  return headersFor(budget, exhausted ? budget : state.rateWindow.used, resetAt);
}
