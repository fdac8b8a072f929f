// The userspace proxy's balancer for one service port: the ready endpoints as
// backends, a policy that picks among them, ClientIP affinity, and passive
// health: a backend that refuses a connection cools down for a while and is
// skipped, and the same client connection is retried on another one.
import type { BalancePolicyName } from '../service-ports.js';
import { ClientIPAffinity } from './affinity.js';
import { Backend } from './backend.js';
import { createPolicy, type BalancePolicy, type Random } from './policies.js';

export interface LoadBalancerOptions {
  /** how long a backend that refused is skipped; default 5 s */
  cooldownMs?: number;
  /** time constant of the latency EWMA; default 10 s */
  latencyDecayMs?: number;
  now?: () => number;
  rng?: Random;
}

export interface BackendAddress {
  ip: string;
  port: number;
}

export class LoadBalancer {
  private backends: Backend[] = [];
  private byKey = new Map<string, Backend>();
  private policy: BalancePolicy;
  private affinity: ClientIPAffinity | undefined;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly rng: Random;

  constructor(
    policy: BalancePolicyName = 'round-robin',
    private readonly opts: LoadBalancerOptions = {},
  ) {
    this.cooldownMs = opts.cooldownMs ?? 5000;
    this.now = opts.now ?? Date.now;
    this.rng = opts.rng ?? Math.random;
    this.policy = createPolicy(policy, this.rng);
  }

  /** Replaces the backend set; backends still present keep their counts, latency and cool-down. */
  update(endpoints: readonly BackendAddress[], policy: BalancePolicyName, affinitySeconds: number | undefined): void {
    const next = new Map<string, Backend>();
    for (const ep of endpoints) {
      const key = `${ep.ip}:${ep.port}`;
      if (next.has(key)) continue;
      next.set(key, this.byKey.get(key) ?? new Backend(ep.ip, ep.port, this.opts.latencyDecayMs));
    }
    if (this.affinity) for (const key of this.byKey.keys()) if (!next.has(key)) this.affinity.forgetBackend(key);
    this.byKey = next;
    this.backends = [...next.values()];
    if (policy !== this.policy.name) this.policy = createPolicy(policy, this.rng);
    if (affinitySeconds === undefined) this.affinity = undefined;
    else if (this.affinity) this.affinity.setTimeout(affinitySeconds * 1000);
    else this.affinity = new ClientIPAffinity(affinitySeconds * 1000);
  }

  get size(): number {
    return this.backends.length;
  }

  get policyName(): BalancePolicyName {
    return this.policy.name;
  }

  list(): readonly Backend[] {
    return this.backends;
  }

  /**
   * The backend for a new connection from clientIP, never one in `tried`;
   * undefined when every backend has been tried. Backends cooling down are
   * skipped while any other is left, and tried anyway when none is.
   */
  pick(clientIP: string, tried: ReadonlySet<string> = new Set()): Backend | undefined {
    const now = this.now();
    const candidates = tried.size ? this.backends.filter((b) => !tried.has(b.key)) : this.backends;
    if (!candidates.length) return undefined;
    if (this.affinity) {
      const sticky = this.affinity.get(clientIP, now);
      const b = sticky === undefined ? undefined : this.byKey.get(sticky);
      if (b && !tried.has(b.key) && !b.coolingAt(now)) return b;
    }
    const healthy = candidates.filter((b) => !b.coolingAt(now));
    return this.policy.pick(healthy.length ? healthy : candidates, now);
  }

  /** A connection to b is being opened. */
  begin(b: Backend): void {
    b.active++;
  }

  /** A connection to b (opened or not) is over. */
  end(b: Backend): void {
    if (b.active > 0) b.active--;
  }

  /** The connection to b is up after connectMs: b is healthy, and the client sticks to it. */
  connected(b: Backend, clientIP: string, connectMs: number): void {
    const now = this.now();
    b.cooldownUntil = 0;
    b.latency.observe(connectMs, now);
    this.affinity?.set(clientIP, b.key, now);
  }

  /** b answered a request after ms. */
  observeLatency(b: Backend, ms: number): void {
    b.latency.observe(ms, this.now());
  }

  /** b refused or did not answer a connection: skip it for the cool-down. */
  failed(b: Backend): void {
    b.cooldownUntil = this.now() + this.cooldownMs;
  }

  /** affinity entries in use (for tests and metrics) */
  get affinityEntries(): number {
    return this.affinity?.size ?? 0;
  }
}
