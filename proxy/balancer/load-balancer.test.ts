import { describe, expect, it } from 'vitest';
import { LoadBalancer } from './load-balancer.js';
import { PeakEwma } from './ewma.js';
import type { Backend } from './backend.js';

const eps = (n: number) => Array.from({ length: n }, (_, i) => ({ ip: `172.17.0.${i + 2}`, port: 8080 }));

/** a deterministic generator so the random policies are reproducible */
function seeded(seed = 42): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function counts(lb: LoadBalancer, n: number, client = (i: number) => `10.0.0.${i % 250}`, hold = false): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const b = lb.pick(client(i))!;
    out.set(b.ip, (out.get(b.ip) ?? 0) + 1);
    lb.begin(b);
    if (!hold) lb.end(b);
  }
  return out;
}

describe('policies', () => {
  it('round-robin gives every backend the same share, in turn', () => {
    const lb = new LoadBalancer('round-robin');
    lb.update(eps(3), 'round-robin', undefined);
    const order = [0, 1, 2, 3, 4, 5].map(() => lb.pick('1.1.1.1')!.ip);
    expect(order).toEqual(['172.17.0.2', '172.17.0.3', '172.17.0.4', '172.17.0.2', '172.17.0.3', '172.17.0.4']);
  });

  it('random spreads over every backend', () => {
    const lb = new LoadBalancer('random', { rng: seeded() });
    lb.update(eps(3), 'random', undefined);
    const c = counts(lb, 3000);
    expect(c.size).toBe(3);
    for (const v of c.values()) expect(v).toBeGreaterThan(800);
  });

  it('least-connections sends new connections to the backend with the fewest open', () => {
    const lb = new LoadBalancer('least-connections');
    lb.update(eps(3), 'least-connections', undefined);
    const [a, b] = lb.list();
    for (let i = 0; i < 5; i++) lb.begin(a!);
    lb.begin(b!);
    // the third backend has none open, then ties with b, then all three tie at a's level
    const picks = counts(lb, 9, undefined, true);
    expect(picks.get('172.17.0.2') ?? 0).toBe(0);
    expect(picks.get('172.17.0.4')).toBe(5);
    expect(picks.get('172.17.0.3')).toBe(4);
    expect(lb.list().map((x) => x.active)).toEqual([5, 5, 5]);
  });

  it('ewma prefers a fast backend over a slow one', () => {
    let now = 1_000_000;
    const lb = new LoadBalancer('ewma', { rng: seeded(7), now: () => now });
    lb.update(eps(3), 'ewma', undefined);
    const [fast1, fast2, slow] = lb.list() as [Backend, Backend, Backend];
    const latency = (b: Backend) => (b === slow ? 200 : 2);
    const picked = new Map<Backend, number>();
    for (let i = 0; i < 3000; i++) {
      const b = lb.pick('1.1.1.1')!;
      picked.set(b, (picked.get(b) ?? 0) + 1);
      lb.begin(b);
      lb.connected(b, '1.1.1.1', 0.2);
      lb.observeLatency(b, latency(b));
      lb.end(b);
      now += 1;
    }
    expect((picked.get(slow) ?? 0) / 3000).toBeLessThan(0.05);
    expect(picked.get(fast1)! + picked.get(fast2)!).toBeGreaterThan(2850);
  });

  it('ewma tries a slow backend again once its latency has decayed', () => {
    let now = 0;
    const lb = new LoadBalancer('ewma', { rng: seeded(3), now: () => now, latencyDecayMs: 1000 });
    lb.update(eps(2), 'ewma', undefined);
    const [fast, slow] = lb.list() as [Backend, Backend];
    lb.observeLatency(fast, 5);
    lb.observeLatency(slow, 500);
    expect(lb.pick('c')).toBe(fast);
    now += 10_000; // both decayed toward zero; the slow one is within reach again
    lb.observeLatency(fast, 5);
    expect(lb.pick('c')).toBe(slow);
  });
});

describe('passive health', () => {
  it('skips a backend that refused until its cool-down is over', () => {
    let now = 0;
    const lb = new LoadBalancer('round-robin', { now: () => now, cooldownMs: 5000 });
    lb.update(eps(2), 'round-robin', undefined);
    const bad = lb.list()[0]!;
    lb.failed(bad);
    for (let i = 0; i < 10; i++) expect(lb.pick('c')!.ip).not.toBe(bad.ip);
    now += 5001;
    const seen = new Set([1, 2, 3, 4].map(() => lb.pick('c')!.ip));
    expect(seen.has(bad.ip)).toBe(true);
  });

  it('retries the same client connection on a backend not yet tried, and gives up when all were', () => {
    const lb = new LoadBalancer('round-robin');
    lb.update(eps(3), 'round-robin', undefined);
    const tried = new Set<string>();
    const order: string[] = [];
    for (let b = lb.pick('c', tried); b; b = lb.pick('c', tried)) {
      order.push(b.ip);
      tried.add(b.key);
      lb.failed(b);
    }
    expect(new Set(order).size).toBe(3);
  });

  it('tries backends that are all cooling down rather than refusing the client', () => {
    const lb = new LoadBalancer('round-robin');
    lb.update(eps(2), 'round-robin', undefined);
    for (const b of lb.list()) lb.failed(b);
    expect(lb.pick('c')).toBeDefined();
  });

  it('keeps a backend\'s cool-down and counters across endpoint updates', () => {
    const lb = new LoadBalancer('round-robin');
    lb.update(eps(2), 'round-robin', undefined);
    const b = lb.list()[1]!;
    lb.begin(b);
    lb.failed(b);
    lb.update(eps(3), 'round-robin', undefined);
    expect(lb.list()[1]).toBe(b);
    expect(b.active).toBe(1);
    expect(b.cooldownUntil).toBeGreaterThan(0);
  });
});

describe('ClientIP affinity', () => {
  it('sends a client back to the backend it used until the timeout passes', () => {
    let now = 0;
    const lb = new LoadBalancer('round-robin', { now: () => now });
    lb.update(eps(3), 'round-robin', 10);
    const first = lb.pick('10.1.1.1')!;
    lb.connected(first, '10.1.1.1', 1);
    for (let i = 0; i < 5; i++) {
      now += 9_000;
      const b = lb.pick('10.1.1.1')!;
      expect(b).toBe(first);
      lb.connected(b, '10.1.1.1', 1);
    }
    // other clients still go round
    expect(new Set([1, 2, 3].map((i) => lb.pick(`10.2.2.${i}`)!.ip)).size).toBe(3);
    now += 10_001;
    const afterTimeout = new Set([1, 2, 3].map(() => lb.pick('10.1.1.1')!.ip));
    expect(afterTimeout.size).toBeGreaterThan(1);
  });

  it('moves a client whose backend went away or refuses', () => {
    const lb = new LoadBalancer('round-robin');
    lb.update(eps(2), 'round-robin', 100);
    const first = lb.pick('c')!;
    lb.connected(first, 'c', 1);
    lb.failed(first);
    expect(lb.pick('c')).not.toBe(first);
    lb.update(eps(2).filter((e) => e.ip !== first.ip), 'round-robin', 100);
    expect(lb.pick('c')!.ip).not.toBe(first.ip);
  });

  it('stops sticking when affinity is turned off', () => {
    const lb = new LoadBalancer('round-robin');
    lb.update(eps(2), 'round-robin', 100);
    const b = lb.pick('c')!;
    lb.connected(b, 'c', 1);
    lb.update(eps(2), 'round-robin', undefined);
    expect(new Set([1, 2].map(() => lb.pick('c')!.ip)).size).toBe(2);
  });
});

describe('PeakEwma', () => {
  it('jumps to a higher sample at once and blends lower ones in over time', () => {
    const e = new PeakEwma(1000);
    e.observe(10, 0);
    e.observe(100, 1);
    expect(e.get(1)).toBeCloseTo(100, 1);
    e.observe(10, 2); // too soon to pull the peak down much
    expect(e.get(2)).toBeGreaterThan(99);
    e.observe(10, 5000); // a long time later a low sample dominates
    expect(e.get(5000)).toBeLessThan(12);
  });
});
