// Time as the client machinery sees it. Loops that wait (work queue delays,
// backoff, leader election, resync) take a Clock so tests can drive time by
// hand instead of sleeping.

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

class RealClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>();

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const t = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, Math.max(0, ms));
    this.timers.set(id, t);
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t !== undefined) {
      clearTimeout(t);
      this.timers.delete(handle.id);
    }
  }
}

export const realClock: Clock = new RealClock();

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock that only moves when told to; timers fire in due order inside advance(). */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: FakeTimer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle.id);
  }

  /** Moves time forward, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers) if (t.at <= target && (!next || t.at < next.at)) next = t;
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = target;
  }

  /** Number of timers not yet fired. */
  pending(): number {
    return this.timers.length;
  }
}

/**
 * Waits ms on the given clock. Resolves early (never rejects) when the signal
 * aborts: loops check their own stop flag after waking.
 */
export function sleep(ms: number, signal?: AbortSignal, clock: Clock = realClock): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      resolve();
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Exponential backoff with jitter and a cap, reset after a quiet period:
 * client-go's exponential backoff manager (the reflector uses 800ms, 30s,
 * reset after 2 min, factor 2, jitter 1.0).
 */
export class Backoff {
  private current: number;
  private lastAt = -Infinity;

  constructor(
    private readonly opts: {
      initialMs: number;
      maxMs: number;
      resetAfterMs?: number;
      factor?: number;
      jitter?: number;
      clock?: Clock;
      random?: () => number;
    },
  ) {
    this.current = opts.initialMs;
  }

  /** The next delay to wait, growing each call. */
  next(): number {
    const clock = this.opts.clock ?? realClock;
    const now = clock.now();
    if (now - this.lastAt > (this.opts.resetAfterMs ?? 120_000)) this.current = this.opts.initialMs;
    this.lastAt = now;
    const base = this.current;
    this.current = Math.min(this.opts.maxMs, this.current * (this.opts.factor ?? 2));
    const jitter = this.opts.jitter ?? 1;
    const random = this.opts.random ?? Math.random;
    return Math.min(this.opts.maxMs, base + (jitter > 0 ? base * jitter * random() : 0));
  }

  reset(): void {
    this.current = this.opts.initialMs;
    this.lastAt = -Infinity;
  }
}
