// The scheduler's cache: one NodeInfo per node, changed incrementally by the
// node and pod informers' events (never rebuilt by listing), plus pods the
// scheduler has assumed onto a node before the apiserver confirmed the
// binding. An assumed pod counts at once, so the next pod in line sees the
// room it takes; a failed binding forgets it; a binding whose pod update
// never arrives is expired after a while, as Kubernetes' cache does.
import type { Node, Pod } from '../src/api/core/v1.js';
import { realClock, type Clock, type TimerHandle } from '../src/client/index.js';
import { zoneKey } from '../src/machinery/topology.js';
import { NodeInfo, PodInfo, podKey } from './nodeinfo.js';
import { PodIndex, type TermGroup } from './podindex.js';

interface PodState {
  info: PodInfo;
  nodeName: string;
  assumed: boolean;
  /** set once the binding call returned; the assumption expires at this time unless the pod update arrives */
  deadline?: number;
}

export interface SchedulerCacheOptions {
  clock?: Clock;
  /** how long after a successful binding an unconfirmed assumption lives; 30 s */
  assumedPodTtlMs?: number;
  /** told of assumptions that expired */
  onExpired?: (pod: Pod) => void;
}

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  /** nodes (with a Node object) carrying pods with inter-pod affinity terms */
  private readonly affinityNodes = new Map<string, NodeInfo>();
  private readonly antiAffinityNodes = new Map<string, NodeInfo>();
  private readonly index = new PodIndex();
  private ordered: NodeInfo[] | undefined;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private expiryTimer: { handle: TimerHandle; at: number } | undefined;

  constructor(private readonly opts: SchedulerCacheOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.ttlMs = opts.assumedPodTtlMs ?? 30_000;
  }

  // ---- nodes ----

  addNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const existing = this.nodes.get(name);
    if (existing) {
      const zoneChanged = !existing.hasNode || zoneKey(existing.node) !== zoneKey(node);
      existing.setNode(node);
      existing.hasNode = true;
      if (zoneChanged) this.ordered = undefined;
      this.refreshAffinityIndex(existing);
      return;
    }
    const info = new NodeInfo(node);
    this.nodes.set(name, info);
    this.ordered = undefined;
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  /** Pods still on a removed node stay accounted (their deletions will come) but the node is no longer offered. */
  removeNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const info = this.nodes.get(name);
    if (!info) return;
    if (info.pods.size === 0) this.nodes.delete(name);
    else info.hasNode = false;
    this.affinityNodes.delete(name);
    this.antiAffinityNodes.delete(name);
    this.ordered = undefined;
  }

  getNode(name: string): NodeInfo | undefined {
    const n = this.nodes.get(name);
    return n?.hasNode ? n : undefined;
  }

  /**
   * Every node, zone by zone in turn (Kubernetes' node tree), so that
   * looking at only part of the list still sees every zone.
   */
  nodeList(): NodeInfo[] {
    if (this.ordered) return this.ordered;
    const zones = new Map<string, NodeInfo[]>();
    for (const info of this.nodes.values()) {
      if (!info.hasNode) continue;
      const z = zoneKey(info.node);
      let list = zones.get(z);
      if (!list) zones.set(z, (list = []));
      list.push(info);
    }
    const lists = [...zones.values()];
    const total = lists.reduce((n, l) => n + l.length, 0);
    const out: NodeInfo[] = [];
    for (let i = 0; out.length < total; i++) {
      for (const l of lists) if (i < l.length) out.push(l[i]!);
    }
    this.ordered = out;
    return out;
  }

  nodeCount(): number {
    return this.nodeList().length;
  }

  /** Nodes with pods carrying inter-pod affinity or anti-affinity terms. */
  nodesWithAffinityPods(): Iterable<NodeInfo> {
    return this.affinityNodes.values();
  }

  /** Nodes with pods carrying required anti-affinity. */
  nodesWithRequiredAntiAffinityPods(): Iterable<NodeInfo> {
    return this.antiAffinityNodes.values();
  }

  podsWithLabel(key: string, value: string): ReadonlyMap<PodInfo, NodeInfo> {
    return this.index.podsWithLabel(key, value);
  }

  requiredAntiAffinityGroups(): Iterable<TermGroup> {
    return this.index.requiredAntiAffinityGroups();
  }

  nodesWithScoringAffinityPods(): Iterable<NodeInfo> {
    return this.index.nodesWithScoringAffinityPods();
  }

  // ---- pods ----

  /** The informer saw a pod bound to a node: confirms an assumption, or accounts a pod bound elsewhere. */
  addPod(pod: Pod): void {
    const key = podKey(pod);
    const nodeName = pod.spec.nodeName ?? '';
    const state = this.podStates.get(key);
    if (state) {
      this.removeFromNode(key, state.nodeName);
    }
    const info = new PodInfo(pod);
    this.podStates.set(key, { info, nodeName, assumed: false });
    this.addToNode(info, nodeName);
  }

  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  removePod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (!state) return;
    this.podStates.delete(key);
    this.removeFromNode(key, state.nodeName);
  }

  /**
   * Counts pod (which carries spec.nodeName) on its node at once, ahead of
   * the binding. parsed, when it is this very pod's PodInfo (PodInfo.boundTo
   * gives one), spares parsing the pod again.
   */
  assumePod(pod: Pod, parsed?: PodInfo): void {
    const key = podKey(pod);
    if (this.podStates.has(key)) throw new Error(`pod ${pod.metadata.namespace}/${pod.metadata.name} is already in the cache`);
    const info = parsed?.pod === pod ? parsed : new PodInfo(pod);
    this.podStates.set(key, { info, nodeName: pod.spec.nodeName ?? '', assumed: true });
    this.addToNode(info, pod.spec.nodeName ?? '');
  }

  /** The binding call succeeded: from now on the assumption expires unless the pod update confirms it. */
  finishBinding(pod: Pod): void {
    const state = this.podStates.get(podKey(pod));
    if (!state?.assumed) return;
    state.deadline = this.clock.now() + this.ttlMs;
    this.armExpiry(state.deadline);
  }

  /** The binding failed: the pod no longer takes room on the node. */
  forgetPod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (!state?.assumed) return;
    this.podStates.delete(key);
    this.removeFromNode(key, state.nodeName);
  }

  isAssumed(pod: Pod): boolean {
    return this.podStates.get(podKey(pod))?.assumed ?? false;
  }

  /** The pod as the cache has it (assumed or confirmed), if any. */
  getPod(pod: Pod): Pod | undefined {
    return this.podStates.get(podKey(pod))?.info.pod;
  }

  podCount(): number {
    return this.podStates.size;
  }

  assumedCount(): number {
    let n = 0;
    for (const s of this.podStates.values()) if (s.assumed) n++;
    return n;
  }

  /** Drops assumptions whose binding finished more than the TTL ago without being confirmed. */
  cleanupExpired(): void {
    const now = this.clock.now();
    let next: number | undefined;
    for (const [key, s] of this.podStates) {
      if (!s.assumed || s.deadline === undefined) continue;
      if (s.deadline <= now) {
        this.podStates.delete(key);
        this.removeFromNode(key, s.nodeName);
        this.opts.onExpired?.(s.info.pod);
      } else if (next === undefined || s.deadline < next) next = s.deadline;
    }
    if (next !== undefined) this.armExpiry(next);
  }

  /** Stops the expiry timer. */
  close(): void {
    if (this.expiryTimer) this.clock.clearTimeout(this.expiryTimer.handle);
    this.expiryTimer = undefined;
  }

  private armExpiry(at: number): void {
    if (this.expiryTimer && this.expiryTimer.at <= at) return;
    if (this.expiryTimer) this.clock.clearTimeout(this.expiryTimer.handle);
    const handle = this.clock.setTimeout(
      () => {
        this.expiryTimer = undefined;
        this.cleanupExpired();
      },
      Math.max(0, at - this.clock.now()),
    );
    this.expiryTimer = { handle, at };
  }

  private addToNode(info: PodInfo, nodeName: string): void {
    let node = this.nodes.get(nodeName);
    if (!node) {
      // The pod's node is not known yet (its add event may come later): keep the pod's accounting in a placeholder.
      node = new NodeInfo({ metadata: { name: nodeName }, spec: {} });
      node.hasNode = false;
      this.nodes.set(nodeName, node);
    }
    const replaced = node.pods.get(info.key);
    if (replaced) this.index.remove(replaced, node);
    node.addPod(info);
    this.index.add(info, node);
    this.refreshAffinityIndex(node);
  }

  private removeFromNode(key: string, nodeName: string): void {
    const node = this.nodes.get(nodeName);
    if (!node) return;
    const pi = node.pods.get(key);
    if (pi) this.index.remove(pi, node);
    node.removePod(key);
    if (!node.hasNode && node.pods.size === 0) this.nodes.delete(nodeName);
    this.refreshAffinityIndex(node);
  }

  private refreshAffinityIndex(node: NodeInfo): void {
    const name = node.name;
    if (node.hasNode && node.podsWithAffinity.size > 0) this.affinityNodes.set(name, node);
    else this.affinityNodes.delete(name);
    if (node.hasNode && node.podsWithRequiredAntiAffinity.size > 0) this.antiAffinityNodes.set(name, node);
    else this.antiAffinityNodes.delete(name);
  }
}
