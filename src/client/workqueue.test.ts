import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  runWorkers,
  WorkQueue,
} from './workqueue.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('WorkQueue', () => {
  it('processes a key added several times once', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('never hands out a key that is being processed; re-adds it after done', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const first = await q.get();
    expect(first).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await flush();
    expect(second).toBeUndefined();
    q.done('a');
    await flush();
    expect(second).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
  });

  it('wakes a waiting get() when a key arrives', async () => {
    const q = new WorkQueue<string>();
    const got = q.get();
    q.add('x');
    expect(await got).toBe('x');
  });

  it('addAfter delays a key; of two delays the earlier wins', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    q.addAfter('a', 1000);
    q.addAfter('a', 200);
    q.addAfter('a', 5000);
    clock.advance(199);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    clock.advance(10_000);
    expect(q.len()).toBe(1);
  });

  it('addRateLimited backs a failing key off exponentially until forget()', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      q.addRateLimited('k');
      let waited = 0;
      while (q.len() === 0) {
        clock.advance(1);
        waited++;
      }
      delays.push(waited);
      const k = await q.get();
      q.done(k!);
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect(q.numRequeues('k')).toBe(4);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
  });

  it('shutDown wakes waiting workers with undefined and ignores new keys', async () => {
    const q = new WorkQueue<string>();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('late');
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  it('shutDownWithDrain waits for keys in flight', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const k = await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    await flush();
    expect(drained).toBe(false);
    q.done(k!);
    await drain;
    expect(drained).toBe(true);
  });
});

describe('rate limiters', () => {
  it('item backoff doubles from 5 ms and stops at the cap', () => {
    const rl = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    const seen = Array.from({ length: 25 }, () => rl.when('x'));
    expect(seen.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(seen[24]).toBe(1_000_000);
    expect(rl.when('other')).toBe(5);
  });

  it('the overall bucket allows a burst of 100 then 10 per second', () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter<string>(10, 100, clock);
    for (let i = 0; i < 100; i++) expect(rl.when(`k${i}`)).toBe(0);
    expect(rl.when('k100')).toBeCloseTo(100);
    const combined = defaultControllerRateLimiter<string>(clock);
    expect(combined.when('fresh')).toBe(5);
  });
});

describe('runWorkers', () => {
  it('retries a failing key with backoff, forgets it once it succeeds, and never runs one key twice at once', async () => {
    const q = new WorkQueue<string>({ rateLimiter: new ItemExponentialFailureRateLimiter(1, 10) });
    const attempts = new Map<string, number>();
    const running = new Set<string>();
    let overlap = false;
    const errors: string[] = [];
    // queued before the workers start, so de-duplication leaves one of each
    for (let i = 0; i < 20; i++) q.add(i % 2 ? 'flaky' : 'steady');
    const workers = runWorkers(
      q,
      3,
      async (key) => {
        if (running.has(key)) overlap = true;
        running.add(key);
        await new Promise((r) => setTimeout(r, 2));
        running.delete(key);
        const n = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, n);
        if (key === 'flaky' && n < 3) throw new Error(`attempt ${n}`);
      },
      { onError: (err) => errors.push((err as Error).message) },
    );
    const deadline = Date.now() + 2000;
    while ((attempts.get('flaky') ?? 0) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await q.shutDownWithDrain();
    await workers;
    expect(attempts.get('flaky')).toBe(3);
    expect(errors).toEqual(['attempt 1', 'attempt 2']);
    expect(attempts.get('steady')).toBe(1);
    expect(q.numRequeues('flaky')).toBe(0);
    expect(overlap).toBe(false);
  });

  it('keeps one key on one worker at a time while it is re-added during processing', async () => {
    const q = new WorkQueue<string>();
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const workers = runWorkers(q, 4, async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 3));
      active--;
      runs++;
    });
    for (let i = 0; i < 30; i++) {
      q.add('k');
      await new Promise((r) => setTimeout(r, 1));
    }
    await q.shutDownWithDrain();
    await workers;
    expect(maxActive).toBe(1);
    expect(runs).toBeGreaterThan(1);
    expect(runs).toBeLessThan(30);
  });

  it('gives up on a key after maxRetries', async () => {
    const q = new WorkQueue<string>({ rateLimiter: new ItemExponentialFailureRateLimiter(1, 1) });
    let calls = 0;
    const ctl = new AbortController();
    const workers = runWorkers(
      q,
      1,
      () => {
        calls++;
        throw new Error('always');
      },
      { maxRetries: 2, signal: ctl.signal },
    );
    q.add('bad');
    await new Promise((r) => setTimeout(r, 50));
    ctl.abort();
    await workers;
    expect(calls).toBe(3);
    expect(q.numRequeues('bad')).toBe(0);
  });
});
