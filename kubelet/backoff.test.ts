import { describe, expect, it } from 'vitest';
import { Backoff, goDuration } from './backoff.js';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('Backoff', () => {
  it('lets the first failure restart at once, then doubles the wait up to the cap', () => {
    const c = clock();
    const b = new Backoff({ initialMs: 10_000, maxMs: 40_000, now: c.now });
    const key = 'pod_app';
    // first exit: no entry yet, restart now
    expect(b.isInBackOffSince(key, c.now())).toBe(false);
    b.next(key, c.now());
    expect(b.get(key)).toBe(10_000);

    // second exit right after the restart: wait 10 s from that exit
    const exit2 = c.now();
    expect(b.isInBackOffSince(key, exit2)).toBe(true);
    expect(b.backOffEndsAt(key, exit2)).toBe(exit2 + 10_000);
    c.advance(9_999);
    expect(b.isInBackOffSince(key, exit2)).toBe(true);
    c.advance(1);
    expect(b.isInBackOffSince(key, exit2)).toBe(false);
    b.next(key, exit2);
    expect(b.get(key)).toBe(20_000);
    b.next(key, c.now());
    expect(b.get(key)).toBe(40_000);
    b.next(key, c.now());
    expect(b.get(key)).toBe(40_000);
  });

  it('starts over when the failure comes after a quiet period of twice the cap', () => {
    const c = clock();
    const b = new Backoff({ initialMs: 10_000, maxMs: 300_000, now: c.now });
    b.next('k');
    b.next('k');
    expect(b.get('k')).toBe(20_000);
    c.advance(600_001);
    // the container ran for more than 10 minutes before exiting again
    expect(b.isInBackOffSince('k', c.now())).toBe(false);
    b.next('k', c.now());
    expect(b.get('k')).toBe(10_000);
  });

  it('honours a shorter reset period', () => {
    const c = clock();
    const b = new Backoff({ initialMs: 100, maxMs: 1_000, resetAfterMs: 500, now: c.now });
    b.next('k');
    b.next('k');
    c.advance(501);
    b.next('k', c.now());
    expect(b.get('k')).toBe(100);
  });

  it('measures image pull back-off from the last failure', () => {
    const c = clock();
    const b = new Backoff({ initialMs: 1_000, maxMs: 8_000, now: c.now });
    expect(b.isInBackOffSinceUpdate('uid_img')).toBe(false);
    b.next('uid_img');
    expect(b.isInBackOffSinceUpdate('uid_img')).toBe(true);
    c.advance(1_000);
    expect(b.isInBackOffSinceUpdate('uid_img')).toBe(false);
  });

  it('forgets a pod’s keys by prefix and expired keys on gc', () => {
    const c = clock();
    const b = new Backoff({ initialMs: 1_000, maxMs: 2_000, now: c.now });
    b.next('uid1_a');
    b.next('uid1_b');
    b.next('uid2_a');
    b.resetPrefix('uid1_');
    expect(b.size).toBe(1);
    c.advance(4_001);
    b.gc();
    expect(b.size).toBe(0);
  });
});

describe('goDuration', () => {
  it('prints durations as Go does', () => {
    expect(goDuration(10_000)).toBe('10s');
    expect(goDuration(80_000)).toBe('1m20s');
    expect(goDuration(300_000)).toBe('5m0s');
    expect(goDuration(500)).toBe('500ms');
    expect(goDuration(1_500)).toBe('1.5s');
    expect(goDuration(3_600_000)).toBe('1h0m0s');
  });
});
