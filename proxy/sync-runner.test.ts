import { describe, expect, it } from 'vitest';
import { FakeClock } from '../src/client/clock.js';
import { SyncRunner } from './sync-runner.js';

const flush = () => new Promise((r) => setImmediate(r));

describe('SyncRunner', () => {
  it('runs a burst of requests once, and no sooner than the minimum interval after the last run', async () => {
    const clock = new FakeClock();
    let runs = 0;
    const r = new SyncRunner(async () => void runs++, { minIntervalMs: 1000, periodMs: 30_000, onError: () => {}, clock });
    r.start();
    clock.advance(0);
    await flush();
    expect(runs).toBe(1);
    for (let i = 0; i < 10; i++) r.request();
    clock.advance(500);
    await flush();
    expect(runs).toBe(1);
    clock.advance(500);
    await flush();
    expect(runs).toBe(2);
    await r.stop();
  });

  it('retries a failed run after a second, then runs every period without any request, and not after stop', async () => {
    const clock = new FakeClock();
    let runs = 0;
    const errors: unknown[] = [];
    const r = new SyncRunner(
      async () => {
        runs++;
        if (runs === 1) throw new Error('boom');
      },
      { minIntervalMs: 0, periodMs: 30_000, onError: (e) => errors.push(e), clock },
    );
    r.start();
    clock.advance(0);
    await flush();
    expect(errors).toHaveLength(1);
    // a failure is retried after a second, not after the whole period
    clock.advance(1000);
    await flush();
    clock.advance(0);
    await flush();
    expect(runs).toBe(2);
    clock.advance(29_999);
    await flush();
    expect(runs).toBe(2);
    clock.advance(1);
    await flush();
    clock.advance(0);
    await flush();
    expect(runs).toBe(3);
    await r.stop();
    r.request();
    clock.advance(60_000);
    await flush();
    expect(runs).toBe(3);
  });

  it('never overlaps runs: a request during a run makes one more run after it', async () => {
    const clock = new FakeClock();
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let release!: () => void;
    const r = new SyncRunner(
      async () => {
        runs++;
        active++;
        maxActive = Math.max(maxActive, active);
        if (runs === 1) await new Promise<void>((res) => (release = res));
        active--;
      },
      { minIntervalMs: 0, periodMs: 30_000, onError: () => {}, clock },
    );
    r.start();
    clock.advance(0);
    await flush();
    r.request();
    r.request();
    clock.advance(0);
    await flush();
    expect(runs).toBe(1);
    release();
    await flush();
    clock.advance(0);
    await flush();
    await r.idle();
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
    await r.stop();
  });
});
