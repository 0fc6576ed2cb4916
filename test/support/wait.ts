// The one "poll until" of the node tests: call a check until it answers, or fail naming what never happened.

export interface WaitOptions {
  /** How long the check may stay unmet before the wait fails (default 20 s). */
  timeoutMs?: number;
  /** The pause between two checks (default 20 ms). */
  intervalMs?: number;
}

/**
 * Call `check` until it answers anything but `undefined` or `false`, and resolve with that answer. Once `timeoutMs`
 * has passed with the check still unmet, reject with `timed out waiting for <what>`. The check runs at least once.
 */
export async function waitUntil<T>(check: () => T | Promise<T>, what: string, options: WaitOptions = {}): Promise<Exclude<T, undefined | false>> {
  const { timeoutMs = 20_000, intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${timeoutMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
