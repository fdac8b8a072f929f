// The scheduling queue (Kubernetes' PriorityQueue):
// - activeQ: pods ready to be tried, higher spec.priority first, then in
//   the order they arrived;
// - backoffQ: pods that failed recently, each waiting its own exponential
//   backoff (1 s doubling to 10 s) before going back to activeQ;
// - unschedulable: pods no node could take. They leave only when a cluster
//   event arrives that one of the plugins that rejected them registered as
//   able to help (a node added, a taint removed, a pod deleted...), never by
//   polling. A pod that was being scheduled while such an event arrived goes
//   to backoffQ instead, so the event is not lost.
// The queue also remembers which pods preemption nominated to which node.
import type { Pod } from '../src/api/core/v1.js';
import { realClock, type Clock, type TimerHandle } from '../src/client/index.js';
import type { ClusterEvent, EventRegistration, PodNominator } from './framework.js';
import { KeyedHeap } from './heap.js';
import { PodInfo, podKey } from './nodeinfo.js';

export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** when the pod last entered the queue: FIFO order among equal priorities, and the start of its backoff */
  timestamp: number;
  /** when the pod first entered the queue (for end-to-end latency) */
  initialTimestamp: number;
  /** scheduling attempts so far */
  attempts: number;
  /** plugins that rejected it last time; empty means any event may help */
  unschedulablePlugins: Set<string>;
  /** held back by spec.schedulingGates */
  gated: boolean;
  seq: number;
  /** the queue's event count when the pod was popped: events after it arrived while the pod was being tried */
  poppedAtEvent: number;
}

export type QueueName = 'active' | 'backoff' | 'unschedulable' | 'gated';

export interface SchedulingQueueOptions {
  clock?: Clock;
  /** 1 s */
  initialBackoffMs?: number;
  /** 10 s */
  maxBackoffMs?: number;
  /** the events each plugin of the pod's profile registered, by plugin name */
  pluginEvents?: (pod: Pod) => ReadonlyMap<string, readonly EventRegistration[]>;
  /** told whenever the queue's sizes change (metrics) */
  onChange?: () => void;
}

const NO_PODS: readonly PodInfo[] = Object.freeze([]);

const isGated = (pod: Pod): boolean => (pod.spec.schedulingGates ?? []).length > 0;

/** Everything but status, resourceVersion, managedFields and generation: a change there may make the pod fit. */
function specChanged(a: Pod, b: Pod): boolean {
  const strip = (p: Pod): unknown => {
    const { resourceVersion: _rv, managedFields: _mf, generation: _g, ...meta } = p.metadata;
    return { meta, spec: p.spec };
  };
  return JSON.stringify(strip(a)) !== JSON.stringify(strip(b));
}

export class SchedulingQueue implements PodNominator {
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly active = new KeyedHeap<QueuedPodInfo>(
    (q) => q.podInfo.key,
    (a, b) =>
      a.podInfo.priority !== b.podInfo.priority
        ? a.podInfo.priority > b.podInfo.priority
        : a.timestamp !== b.timestamp
          ? a.timestamp < b.timestamp
          : a.seq < b.seq,
  );
  private readonly backoff = new KeyedHeap<QueuedPodInfo>(
    (q) => q.podInfo.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  /** cluster events received while some pod was being tried, for addUnschedulableIfNotPresent to look back at */
  private inFlightEvents: { seq: number; event: ClusterEvent | '*'; oldObj: unknown; newObj: unknown }[] = [];
  private eventSeq = 0;
  private seq = 0;
  private waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  private closed = false;
  private backoffTimer: { handle: TimerHandle; at: number } | undefined;
  private readonly nominatedToNode = new Map<string, string>();
  private readonly nominatedOnNode = new Map<string, Map<string, PodInfo>>();

  constructor(private readonly opts: SchedulingQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
  }

  // ---- pods arriving from the informer ----

  /** A new pending pod. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.where(key)) return;
    const flying = this.inFlight.get(key);
    if (flying) {
      // Seen again (a relist) while being tried: the attempt's outcome decides where it goes next.
      flying.podInfo = new PodInfo(pod);
      return;
    }
    const now = this.clock.now();
    const q: QueuedPodInfo = {
      podInfo: new PodInfo(pod),
      timestamp: now,
      initialTimestamp: now,
      attempts: 0,
      unschedulablePlugins: new Set(),
      gated: isGated(pod),
      seq: this.seq++,
      poppedAtEvent: 0,
    };
    this.updateNomination(undefined, q.podInfo);
    if (q.gated) this.unschedulable.set(key, q);
    else this.pushActive(q);
    this.changed();
  }

  /** A pending pod changed. Status-only changes (our own condition writes) do not make it retry. */
  update(oldPod: Pod | undefined, pod: Pod): void {
    const key = podKey(pod);
    const where = this.where(key);
    if (!where) {
      this.add(pod);
      return;
    }
    const q = this.lookup(key)!;
    const previous = oldPod ?? q.podInfo.pod;
    q.podInfo = new PodInfo(pod);
    this.updateNomination(previous, q.podInfo);
    if (where === 'active') this.active.push(q);
    else if (where === 'backoff') this.backoff.push(q);
    else if (specChanged(previous, pod)) {
      this.unschedulable.delete(key);
      q.gated = isGated(pod);
      if (q.gated) this.unschedulable.set(key, q);
      else if (this.isBackingOff(q)) this.pushBackoff(q);
      else this.pushActive(q);
    }
    this.changed();
  }

  /** The pod was deleted or bound by someone: forget it everywhere. */
  delete(pod: Pod): void {
    const key = podKey(pod);
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.deleteNomination(key);
    this.changed();
  }

  // ---- the scheduling loop's side ----

  /** The next pod to try, waiting for one; undefined once closed. Every pod popped must be given to done(). */
  pop(): Promise<QueuedPodInfo | undefined> {
    const q = this.take();
    if (q || this.closed) return Promise.resolve(q);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The pod's attempt is over (scheduled, requeued or dropped). */
  done(pod: Pod): void {
    this.inFlight.delete(podKey(pod));
    let oldest = Infinity;
    for (const q of this.inFlight.values()) oldest = Math.min(oldest, q.poppedAtEvent);
    if (oldest === Infinity) this.inFlightEvents = [];
    else if (this.inFlightEvents.length && this.inFlightEvents[0]!.seq <= oldest) {
      this.inFlightEvents = this.inFlightEvents.filter((e) => e.seq > oldest);
    }
  }

  /**
   * A pod no node could take. If a cluster event that could help it arrived
   * while it was being tried, it goes to backoffQ (the event is not lost);
   * otherwise it waits in the unschedulable set for the next such event.
   */
  addUnschedulableIfNotPresent(q: QueuedPodInfo): void {
    const key = q.podInfo.key;
    if (this.where(key)) return;
    q.timestamp = this.clock.now();
    const missed = this.inFlightEvents.some((e) => e.seq > q.poppedAtEvent && this.relevant(q, e.event, e.oldObj, e.newObj));
    if (missed) this.pushBackoff(q);
    else this.unschedulable.set(key, q);
    this.changed();
  }

  /** A pod whose attempt failed with an error (not a misfit): retried after its backoff. */
  addBackoff(q: QueuedPodInfo): void {
    if (this.where(q.podInfo.key)) return;
    q.timestamp = this.clock.now();
    q.unschedulablePlugins.clear();
    this.pushBackoff(q);
    this.changed();
  }

  /** Moves the pod (if waiting) straight to activeQ, skipping backoff. */
  activate(pod: Pod): void {
    const key = podKey(pod);
    const q = this.unschedulable.get(key) ?? this.backoff.get(key);
    if (!q || q.gated) return;
    this.unschedulable.delete(key);
    this.backoff.delete(key);
    this.pushActive(q);
    this.changed();
  }

  /**
   * A cluster event: every unschedulable pod one of whose rejecting plugins
   * registered this event (and whose hint does not rule this change out)
   * moves to activeQ, or to backoffQ if it is still backing off.
   */
  moveOnEvent(event: ClusterEvent, oldObj: unknown, newObj: unknown): void {
    this.eventSeq++;
    if (this.inFlight.size > 0) this.inFlightEvents.push({ seq: this.eventSeq, event, oldObj, newObj });
    let moved = false;
    for (const [key, q] of this.unschedulable) {
      if (q.gated || !this.relevant(q, event, oldObj, newObj)) continue;
      this.unschedulable.delete(key);
      if (this.isBackingOff(q)) this.pushBackoff(q);
      else this.pushActive(q);
      moved = true;
    }
    if (moved) this.changed();
  }

  /** Every unschedulable pod moves, whatever rejected it. */
  moveAll(): void {
    this.eventSeq++;
    if (this.inFlight.size > 0) this.inFlightEvents.push({ seq: this.eventSeq, event: '*', oldObj: undefined, newObj: undefined });
    for (const [key, q] of this.unschedulable) {
      if (q.gated) continue;
      this.unschedulable.delete(key);
      if (this.isBackingOff(q)) this.pushBackoff(q);
      else this.pushActive(q);
    }
    this.changed();
  }

  sizes(): Record<QueueName, number> {
    let gated = 0;
    for (const q of this.unschedulable.values()) if (q.gated) gated++;
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size - gated, gated };
  }

  /** Where the pod is waiting, if it is. */
  where(key: string): QueueName | undefined {
    if (this.active.has(key)) return 'active';
    if (this.backoff.has(key)) return 'backoff';
    const u = this.unschedulable.get(key);
    if (u) return u.gated ? 'gated' : 'unschedulable';
    return undefined;
  }

  /** The backoff a pod gets after its attempts so far: initial, doubled per further attempt, capped. */
  backoffDuration(q: QueuedPodInfo): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < q.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  close(): void {
    this.closed = true;
    if (this.backoffTimer) this.clock.clearTimeout(this.backoffTimer.handle);
    this.backoffTimer = undefined;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w(undefined);
  }

  // ---- nominations ----

  /** Records that preemption made room for the pod on nodeName (overrides the pod's status until it says otherwise). */
  nominate(pod: Pod, nodeName: string): void {
    const key = podKey(pod);
    this.deleteNomination(key);
    const pi = this.lookup(key)?.podInfo ?? this.inFlight.get(key)?.podInfo ?? new PodInfo(pod);
    this.setNomination(key, nodeName, pi);
  }

  deleteNomination(key: string): void {
    const node = this.nominatedToNode.get(key);
    if (node === undefined) return;
    this.nominatedToNode.delete(key);
    const m = this.nominatedOnNode.get(node);
    m?.delete(key);
    if (m && m.size === 0) this.nominatedOnNode.delete(node);
  }

  nominatedNodeFor(pod: Pod): string | undefined {
    return this.nominatedToNode.get(podKey(pod));
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    // Asked for every node a pod is filtered against: the usual answer allocates nothing.
    if (this.nominatedOnNode.size === 0) return NO_PODS;
    const m = this.nominatedOnNode.get(nodeName);
    return m ? [...m.values()] : NO_PODS;
  }

  // ---- internals ----

  private setNomination(key: string, nodeName: string, pi: PodInfo): void {
    this.nominatedToNode.set(key, nodeName);
    let m = this.nominatedOnNode.get(nodeName);
    if (!m) this.nominatedOnNode.set(nodeName, (m = new Map()));
    m.set(key, pi);
  }

  /**
   * Kubernetes' UpdateNominatedPod: the pod's status.nominatedNodeName
   * decides, except that an in-memory nomination survives updates that do
   * not carry one yet (our own status write may not have landed).
   */
  private updateNomination(oldPod: Pod | undefined, pi: PodInfo): void {
    const key = pi.key;
    const kept = this.nominatedToNode.get(key);
    const oldNominated = oldPod?.status?.nominatedNodeName ?? '';
    const newNominated = pi.pod.status?.nominatedNodeName ?? '';
    this.deleteNomination(key);
    if (newNominated) this.setNomination(key, newNominated, pi);
    else if (!oldNominated && kept !== undefined) this.setNomination(key, kept, pi);
  }

  private lookup(key: string): QueuedPodInfo | undefined {
    return this.active.get(key) ?? this.backoff.get(key) ?? this.unschedulable.get(key);
  }

  private relevant(q: QueuedPodInfo, event: ClusterEvent | '*', oldObj: unknown, newObj: unknown): boolean {
    if (event === '*' || q.unschedulablePlugins.size === 0) return true;
    const regs = this.opts.pluginEvents?.(q.podInfo.pod);
    if (!regs) return true;
    for (const plugin of q.unschedulablePlugins) {
      for (const r of regs.get(plugin) ?? []) {
        if (r.event !== event) continue;
        if (!r.hint) return true;
        try {
          if (r.hint(q.podInfo.pod, oldObj, newObj)) return true;
        } catch {
          // A hint that cannot decide must not strand the pod.
          return true;
        }
      }
    }
    return false;
  }

  private backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDuration(q);
  }

  private isBackingOff(q: QueuedPodInfo): boolean {
    return q.attempts > 0 && this.backoffExpiry(q) > this.clock.now();
  }

  private pushActive(q: QueuedPodInfo): void {
    this.active.push(q);
    this.dispatch();
  }

  private pushBackoff(q: QueuedPodInfo): void {
    this.backoff.push(q);
    this.armBackoffTimer();
  }

  /** One timer, for the earliest backoff to end. */
  private armBackoffTimer(): void {
    if (this.closed) return;
    const head = this.backoff.peek();
    if (!head) return;
    const at = this.backoffExpiry(head);
    if (this.backoffTimer && this.backoffTimer.at <= at) return;
    if (this.backoffTimer) this.clock.clearTimeout(this.backoffTimer.handle);
    const handle = this.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      this.flushBackoff();
    }, Math.max(0, at - this.clock.now()));
    this.backoffTimer = { handle, at };
  }

  private flushBackoff(): void {
    const now = this.clock.now();
    let moved = false;
    for (let head = this.backoff.peek(); head && this.backoffExpiry(head) <= now; head = this.backoff.peek()) {
      this.backoff.pop();
      this.active.push(head);
      moved = true;
    }
    if (moved) {
      this.dispatch();
      this.changed();
    }
    this.armBackoffTimer();
  }

  private take(): QueuedPodInfo | undefined {
    const q = this.active.pop();
    if (!q) return undefined;
    q.attempts++;
    q.poppedAtEvent = this.eventSeq;
    this.inFlight.set(q.podInfo.key, q);
    this.changed();
    return q;
  }

  private dispatch(): void {
    while (this.waiters.length > 0 && this.active.size > 0) this.waiters.shift()!(this.take());
  }

  private changed(): void {
    this.opts.onChange?.();
  }
}
