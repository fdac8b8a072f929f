// The balancing policies a Service can ask for with the skiff.io/load-balancer
// annotation. Each picks one backend among candidates the balancer has
// already narrowed down (healthy, not yet tried for this connection).
import type { BalancePolicyName } from '../service-ports.js';
import type { Backend } from './backend.js';

export interface BalancePolicy {
  readonly name: BalancePolicyName;
  /** candidates is never empty */
  pick(candidates: readonly Backend[], now: number): Backend;
}

export type Random = () => number;

class RoundRobin implements BalancePolicy {
  readonly name = 'round-robin';
  private next = 0;
  pick(candidates: readonly Backend[]): Backend {
    const b = candidates[this.next % candidates.length]!;
    this.next = (this.next + 1) % 1_000_000_007;
    return b;
  }
}

class RandomPick implements BalancePolicy {
  readonly name = 'random';
  constructor(private readonly rng: Random) {}
  pick(candidates: readonly Backend[]): Backend {
    return candidates[Math.floor(this.rng() * candidates.length)]!;
  }
}

/** Fewest connections in flight; ties go round the tied backends in turn. */
class LeastConnections implements BalancePolicy {
  readonly name = 'least-connections';
  private next = 0;
  pick(candidates: readonly Backend[]): Backend {
    let min = Infinity;
    for (const b of candidates) min = Math.min(min, b.active);
    const tied = candidates.filter((b) => b.active === min);
    const b = tied[this.next % tied.length]!;
    this.next = (this.next + 1) % 1_000_000_007;
    return b;
  }
}

/**
 * Power of two choices on peak-EWMA latency weighted by load: two distinct
 * backends at random, the one with the lower latency x (in flight + 1) wins.
 * A backend with no sample yet is costed at the mean of those that have one,
 * so a new backend gets its share instead of all or nothing.
 */
class EwmaP2C implements BalancePolicy {
  readonly name = 'ewma';
  constructor(private readonly rng: Random) {}
  pick(candidates: readonly Backend[], now: number): Backend {
    if (candidates.length === 1) return candidates[0]!;
    const i = Math.floor(this.rng() * candidates.length);
    let j = Math.floor(this.rng() * (candidates.length - 1));
    if (j >= i) j++;
    const a = candidates[i]!;
    const b = candidates[j]!;
    const fallback = meanLatency(candidates, now);
    const cost = (x: Backend): number => (x.latency.get(now) ?? fallback) * (x.active + 1);
    const ca = cost(a);
    const cb = cost(b);
    if (ca === cb) return a.active <= b.active ? a : b;
    return ca < cb ? a : b;
  }
}

function meanLatency(backends: readonly Backend[], now: number): number {
  let sum = 0;
  let n = 0;
  for (const b of backends) {
    const v = b.latency.get(now);
    if (v !== undefined) {
      sum += v;
      n++;
    }
  }
  return n ? sum / n : 0;
}

export function createPolicy(name: BalancePolicyName, rng: Random = Math.random): BalancePolicy {
  switch (name) {
    case 'random':
      return new RandomPick(rng);
    case 'least-connections':
      return new LeastConnections();
    case 'ewma':
      return new EwmaP2C(rng);
    case 'round-robin':
      return new RoundRobin();
  }
}
