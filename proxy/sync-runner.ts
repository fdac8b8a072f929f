// kube-proxy's BoundedFrequencyRunner: a sync asked for many times in a burst
// runs once; runs are at least minIntervalMs apart and never overlap; with no
// request at all a run still happens every periodMs, so that state changed
// behind the proxy's back is repaired. A failed run is retried sooner, after
// 1 s doubling up to periodMs.
import { realClock, type Clock, type TimerHandle } from '../src/client/clock.js';

export interface SyncRunnerOptions {
  minIntervalMs: number;
  periodMs: number;
  onError: (err: unknown) => void;
  clock?: Clock;
}

export class SyncRunner {
  private readonly clock: Clock;
  private timer: TimerHandle | undefined;
  private periodic: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private pending = false;
  private lastRun = -Infinity;
  private failures = 0;
  private stopped = false;
  private started = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly fn: () => Promise<void>,
    private readonly opts: SyncRunnerOptions,
  ) {
    this.clock = opts.clock ?? realClock;
  }

  /** Starts with a first run at once. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.request();
  }

  request(): void {
    if (this.stopped) return;
    this.pending = true;
    if (this.started) this.schedule();
  }

  /** Resolves once no run is in flight or pending. */
  idle(): Promise<void> {
    if (!this.running && !this.pending) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pending = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    if (this.periodic) this.clock.clearTimeout(this.periodic);
    this.timer = this.periodic = undefined;
    await this.running;
    this.wakeIdle();
  }

  private schedule(): void {
    if (this.running || this.timer || this.stopped) return;
    const wait = Math.max(0, this.lastRun + this.opts.minIntervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  private run(): void {
    if (this.stopped || !this.pending) return;
    this.pending = false;
    this.lastRun = this.clock.now();
    if (this.periodic) this.clock.clearTimeout(this.periodic);
    this.periodic = undefined;
    this.running = this.fn()
      .then(
        () => {
          this.failures = 0;
        },
        (err: unknown) => {
          this.failures++;
          this.opts.onError(err);
        },
      )
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        const next = this.failures ? Math.min(this.opts.periodMs, 1000 * 2 ** (this.failures - 1)) : this.opts.periodMs;
        this.periodic = this.clock.setTimeout(() => this.request(), next);
        if (this.pending) this.schedule();
        else this.wakeIdle();
      });
  }

  private wakeIdle(): void {
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w();
  }
}
