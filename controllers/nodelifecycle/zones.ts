// Rate limiting of NoExecute tainting per zone (Kubernetes' zone states and
// RateLimitedTimedQueue): nodes that stop answering are tainted one at a
// time per zone at --node-eviction-rate; a zone where most nodes are down at
// once is probably cut off rather than dead, so it is tainted slowly (large
// clusters) or not at all (small ones); when every node of every zone is
// down the controller assumes it is itself the one cut off and taints nobody.
import type { NodeCondition } from '../../src/api/core/v1.js';

export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** ComputeZoneState: how many nodes of the zone are not ready, and what that makes the zone. */
export function computeZoneState(ready: (NodeCondition | undefined)[], unhealthyThreshold: number): { notReady: number; state: ZoneState } {
  let readyNodes = 0;
  let notReady = 0;
  for (const c of ready) {
    if (c?.status === 'True') readyNodes++;
    else notReady++;
  }
  if (readyNodes === 0 && notReady > 0) return { notReady, state: 'FullDisruption' };
  if (notReady > 2 && notReady / (notReady + readyNodes) >= unhealthyThreshold) return { notReady, state: 'PartialDisruption' };
  return { notReady, state: 'Normal' };
}

export interface EvictionRates {
  /** --node-eviction-rate, 0.1 nodes per second */
  normalQps: number;
  /** --secondary-node-eviction-rate, 0.01: for partially disrupted zones of large clusters */
  secondaryQps: number;
  /** --large-cluster-size-threshold, 50 */
  largeClusterThreshold: number;
}

/** The tainting rate for a zone of zoneSize nodes in a state (setLimiterInZone). */
export function zoneQps(state: ZoneState, zoneSize: number, rates: EvictionRates): number {
  switch (state) {
    case 'PartialDisruption':
      return zoneSize > rates.largeClusterThreshold ? rates.secondaryQps : 0;
    case 'FullDisruption':
    case 'Normal':
    case 'Initial':
      return rates.normalQps;
  }
}

/** A token bucket with a burst of one that may be switched off (qps 0 never grants). */
export class SwappableLimiter {
  private tokens = 1;
  private last: number;

  constructor(
    private qps: number,
    now: number,
  ) {
    this.last = now;
  }

  private refill(now: number): void {
    if (this.qps > 0) this.tokens = Math.min(1, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
  }

  tryAccept(now: number): boolean {
    if (this.qps <= 0) return false;
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** When the next token will be there; undefined when switched off. */
  nextTokenAt(now: number): number | undefined {
    if (this.qps <= 0) return undefined;
    this.refill(now);
    return this.tokens >= 1 ? now : now + ((1 - this.tokens) / this.qps) * 1000;
  }

  /** SwapLimiter: a new rate, starting with a full bucket as Kubernetes' does. */
  swap(qps: number, now: number): void {
    if (qps === this.qps) return;
    this.qps = qps;
    this.tokens = 1;
    this.last = now;
  }
}

interface Timed {
  value: string;
  uid: string;
  processAt: number;
}

/**
 * RateLimitedTimedQueue: node names waiting to be tainted, each once (a name
 * stays known after it was processed, until removed, so it is not queued
 * again), handed out no faster than the limiter allows.
 */
export class RateLimitedTimedQueue {
  private readonly known = new Set<string>();
  private queue: Timed[] = [];
  readonly limiter: SwappableLimiter;

  constructor(qps: number, now: number) {
    this.limiter = new SwappableLimiter(qps, now);
  }

  /** Queues value; false when it is already known. */
  add(value: string, uid: string, now: number): boolean {
    if (this.known.has(value)) return false;
    this.known.add(value);
    this.queue.push({ value, uid, processAt: now });
    this.sort();
    return true;
  }

  /** Forgets value entirely; true when it was known. */
  remove(value: string): boolean {
    this.queue = this.queue.filter((t) => t.value !== value);
    return this.known.delete(value);
  }

  get size(): number {
    return this.queue.length;
  }

  /**
   * Takes the values due now, one per token. The caller hands each back
   * through done(item, ok, retryAfterMs).
   */
  takeDue(now: number): Timed[] {
    const out: Timed[] = [];
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (now < head.processAt) break;
      if (!this.limiter.tryAccept(now)) break;
      this.queue.shift();
      out.push(head);
    }
    return out;
  }

  /** ok: processed for good (stays known); otherwise retried after retryAfterMs. */
  done(item: Timed, ok: boolean, retryAfterMs: number, now: number): void {
    if (ok || !this.known.has(item.value)) return;
    this.queue.push({ ...item, processAt: now + retryAfterMs + 1 });
    this.sort();
  }

  /** When takeDue could next hand out something; undefined when empty or switched off. */
  nextWake(now: number): number | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    const token = this.limiter.nextTokenAt(now);
    if (token === undefined) return undefined;
    return Math.max(token, head.processAt);
  }

  private sort(): void {
    this.queue.sort((a, b) => a.processAt - b.processAt);
  }
}
