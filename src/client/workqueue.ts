// client-go's rate-limited work queue and the controller worker loop.
//
// The queue's promises, as client-go's:
// - a key added several times before it is picked up is processed once;
// - a key is never handed to two workers at once: added while being
//   processed, it is queued again only when done(key) is called;
// - addRateLimited delays a key by its own exponential backoff (5 ms doubling
//   to 1000 s) and by an overall token bucket (10 qps, burst 100), whichever
//   is longer; forget(key) clears its backoff after a success.
import { realClock, type Clock, type TimerHandle } from './clock.js';
import { TokenBucket } from './ratelimit.js';

export interface RateLimiter<K> {
  /** how long to wait before the item may be retried; counts a failure */
  when(item: K): number;
  /** the item succeeded: clear its history */
  forget(item: K): void;
  /** failures counted since the last forget */
  numRequeues(item: K): number;
}

/** Per-item exponential backoff: base * 2^failures, capped. */
export class ItemExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(
    private readonly baseDelayMs = 5,
    private readonly maxDelayMs = 1_000_000,
  ) {}

  when(item: K): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    const backoff = this.baseDelayMs * 2 ** exp;
    return Number.isFinite(backoff) ? Math.min(backoff, this.maxDelayMs) : this.maxDelayMs;
  }

  forget(item: K): void {
    this.failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.failures.get(item) ?? 0;
  }
}

/** An overall limit shared by all items: a token bucket's reservation delay. */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  private readonly bucket: TokenBucket;

  constructor(qps = 10, burst = 100, clock: Clock = realClock) {
    this.bucket = new TokenBucket(qps, burst, clock);
  }

  when(_item: K): number {
    return this.bucket.reserve();
  }

  forget(_item: K): void {}

  numRequeues(_item: K): number {
    return 0;
  }
}

/** The longest delay of several limiters. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  private readonly limiters: RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(item: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: K): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/** client-go's DefaultControllerRateLimiter. */
export function defaultControllerRateLimiter<K>(clock: Clock = realClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(new ItemExponentialFailureRateLimiter<K>(5, 1_000_000), new BucketRateLimiter<K>(10, 100, clock));
}

export interface WorkQueueOptions<K> {
  rateLimiter?: RateLimiter<K>;
  clock?: Clock;
}

export class WorkQueue<K = string> {
  private queue: K[] = [];
  private head = 0;
  /** keys that need processing (queued, or re-added while being processed) */
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private waiters: ((key: K | undefined) => void)[] = [];
  private readonly delayed = new Map<K, { readyAt: number; timer: TimerHandle }>();
  private drainWaiters: (() => void)[] = [];
  private closing = false;
  private readonly rateLimiter: RateLimiter<K>;
  private readonly clock: Clock;

  constructor(opts: WorkQueueOptions<K> = {}) {
    this.clock = opts.clock ?? realClock;
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
  }

  /** Queues key unless it is already waiting; ignored after shutdown. */
  add(key: K): void {
    if (this.closing) return;
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.dispatch();
  }

  /** Keys waiting to be picked up (not counting those being processed or delayed). */
  len(): number {
    return this.queue.length - this.head;
  }

  /**
   * The next key to process, waiting for one if need be; undefined once the
   * queue is shut down and empty. The caller must call done(key) afterwards.
   */
  get(): Promise<K | undefined> {
    if (this.len() > 0) return Promise.resolve(this.take());
    if (this.closing) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks key processed; if it was added meanwhile it is queued again now. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.dispatch();
    }
    if (this.processing.size === 0 && this.drainWaiters.length) {
      const ws = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of ws) w();
    }
  }

  /** Adds key after ms; of several pending delays for one key the earliest wins. */
  addAfter(key: K, ms: number): void {
    if (this.closing) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending) {
      if (pending.readyAt <= readyAt) return;
      this.clock.clearTimeout(pending.timer);
    }
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { readyAt, timer });
  }

  /** Adds key after its rate limiter's delay (a failure is counted). */
  addRateLimited(key: K): void {
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Clears key's failure history (call after a successful sync). */
  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }

  shuttingDown(): boolean {
    return this.closing;
  }

  /**
   * Stops accepting keys and drops delayed ones. Keys already queued are
   * still handed out; get() resolves undefined once none are left.
   */
  shutDown(): void {
    this.closing = true;
    for (const { timer } of this.delayed.values()) this.clock.clearTimeout(timer);
    this.delayed.clear();
    if (this.len() === 0) {
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws) w(undefined);
    }
  }

  /** shutDown, then wait until every key being processed is done. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private take(): K {
    const key = this.queue[this.head]!;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.processing.add(key);
    this.dirty.delete(key);
    return key;
  }

  private dispatch(): void {
    while (this.waiters.length > 0 && this.len() > 0) this.waiters.shift()!(this.take());
    if (this.closing && this.len() === 0) {
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws) w(undefined);
    }
  }
}

export interface RunWorkersOptions<K> {
  /** told of each failed sync before the key is retried */
  onError?: (err: unknown, key: K) => void;
  /** give up on a key after this many consecutive failures; unlimited by default */
  maxRetries?: number;
  /** aborting shuts the queue down (workers finish their current key) */
  signal?: AbortSignal;
}

/**
 * The controller loop: n workers each take a key, sync it, forget it on
 * success or re-add it rate-limited on failure, and mark it done. Resolves
 * when the queue has been shut down and every worker has finished.
 */
export async function runWorkers<K>(
  queue: WorkQueue<K>,
  n: number,
  sync: (key: K) => Promise<void> | void,
  opts: RunWorkersOptions<K> = {},
): Promise<void> {
  const onAbort = (): void => queue.shutDown();
  if (opts.signal?.aborted) queue.shutDown();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await sync(key);
        queue.forget(key);
      } catch (err) {
        try {
          opts.onError?.(err, key);
        } catch {
          // a failing error reporter must not kill the worker
        }
        if (opts.maxRetries === undefined || queue.numRequeues(key) < opts.maxRetries) queue.addRateLimited(key);
        else queue.forget(key);
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, n) }, worker));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
