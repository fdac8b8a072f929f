// Waiting in integration tests: poll until a condition holds rather than
// sleep for a fixed time, and say what was awaited when it never does.

export interface UntilOptions {
  /** default 20 s */
  timeoutMs?: number;
  /** default 50 ms */
  intervalMs?: number;
  /** errors that mean "not yet" (the object does not exist yet, say); any other error fails at once */
  retryOn?: (err: unknown) => boolean;
}

/**
 * Calls fn until it returns a value other than undefined and returns that
 * value; fails naming `what` (and the last error retried) after the timeout,
 * given as a number of milliseconds or in the options.
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, opts: number | UntilOptions = {}): Promise<T> {
  const { timeoutMs = 20_000, intervalMs = 50, retryOn } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      if (!retryOn?.(err)) throw err;
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last !== undefined ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * until for checks that answer false for "not yet" and may fail while what
 * they look at is not there yet: every error is retried.
 */
export function eventually<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, opts: number | UntilOptions = {}): Promise<T> {
  const o = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  return until(
    what,
    async () => {
      const v = await fn();
      return v === false ? undefined : v;
    },
    { retryOn: () => true, ...o },
  );
}
