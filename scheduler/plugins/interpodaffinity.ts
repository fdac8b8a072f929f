// InterPodAffinity: required pod affinity (the pod must land in a topology
// domain, by topologyKey, that already has a matching pod), required pod
// anti-affinity (it must not land in one that has a matching pod), and the
// other direction: existing pods' required anti-affinity against the
// incoming pod. Preferred terms on both sides score topology domains.
// PreFilter counts matching pods per domain once; Filter only looks up the
// node's domains.
import {
  MAX_NODE_SCORE,
  skip,
  success,
  unresolvable,
  unschedulable,
  type CycleState,
  type EnqueueExtensions,
  type EventRegistration,
  type FilterPlugin,
  type FrameworkHandle,
  type NodeScore,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type StateData,
  type Status,
} from '../framework.js';
import { termMatches, type AffinityTerm, type NamespaceLabels, type NodeInfo, type PodInfo } from '../nodeinfo.js';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

const preFilterKey = `PreFilter${INTER_POD_AFFINITY}`;
const preScoreKey = `PreScore${INTER_POD_AFFINITY}`;

export interface InterPodAffinityArgs {
  /** weight of an existing pod's required affinity term when scoring; 1 */
  hardPodAffinityWeight?: number;
}

/** Pods per topology domain ("key\0value"), with the topology keys ever counted: a node is looked up only by those. */
class Counts {
  constructor(
    readonly byDomain = new Map<string, number>(),
    readonly keys = new Set<string>(),
  ) {}

  get size(): number {
    return this.byDomain.size;
  }

  get(key: string, value: string): number {
    return this.byDomain.get(pairKey(key, value)) ?? 0;
  }

  bump(term: AffinityTerm, node: NodeInfo, by: number): void {
    const value = node.labels[term.topologyKey];
    if (value === undefined) return;
    this.keys.add(term.topologyKey);
    const k = pairKey(term.topologyKey, value);
    const n = (this.byDomain.get(k) ?? 0) + by;
    if (n === 0) this.byDomain.delete(k);
    else this.byDomain.set(k, n);
  }

  /** Whether any of the node's domains counts more than 0. */
  anyOn(node: NodeInfo): boolean {
    const labels = node.labels;
    for (const key of this.keys) {
      const value = ownLabel(labels, key);
      if (value !== undefined && (this.byDomain.get(pairKey(key, value)) ?? 0) > 0) return true;
    }
    return false;
  }

  clone(): Counts {
    return new Counts(new Map(this.byDomain), new Set(this.keys));
  }
}

const pairKey = (key: string, value: string): string => `${key}\x00${value}`;
const hasOwn = Object.prototype.hasOwnProperty;
/** A node's own label, as walking its labels would find it (never something inherited from Object.prototype). */
const ownLabel = (labels: Readonly<Record<string, string>>, key: string): string | undefined =>
  hasOwn.call(labels, key) ? labels[key] : undefined;

class PreFilterState implements StateData {
  constructor(
    /** domains holding an existing pod whose required anti-affinity matches the incoming pod */
    readonly existingAnti = new Counts(),
    /** domains holding pods matching all of the incoming pod's affinity terms */
    readonly affinity = new Counts(),
    /** domains holding pods matching one of the incoming pod's anti-affinity terms */
    readonly anti = new Counts(),
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(this.existingAnti.clone(), this.affinity.clone(), this.anti.clone());
  }
}

class PreScoreState implements StateData {
  constructor(
    readonly scores: Map<string, number>,
    /** the topology keys the scores are by */
    readonly keys: ReadonlySet<string>,
  ) {}

  clone(): PreScoreState {
    return this;
  }
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = INTER_POD_AFFINITY;
  private readonly hardWeight: number;
  private readonly nsLabels: NamespaceLabels;

  constructor(
    args: InterPodAffinityArgs,
    private readonly handle: FrameworkHandle,
  ) {
    this.hardWeight = args.hardPodAffinityWeight ?? 1;
    this.nsLabels = handle.namespaceLabels;
  }

  preFilter(state: CycleState, pod: PodInfo): Status {
    const snapshot = this.handle.snapshot;
    const s = new PreFilterState();
    // Identical terms of existing pods match the incoming pod alike: one match per distinct term.
    for (const g of snapshot.requiredAntiAffinityGroups()) {
      if (!termMatches(g.term, pod.pod, this.nsLabels)) continue;
      for (const [node, pods] of g.nodes) if (node.hasNode) s.existingAnti.bump(g.term, node, pods);
    }
    if (pod.requiredAffinity.length === 0 && pod.requiredAntiAffinity.length === 0 && s.existingAnti.size === 0) return skip();
    if (pod.requiredAffinity.length || pod.requiredAntiAffinity.length) {
      const candidates = this.candidates(pod);
      if (candidates) {
        for (const [existing, node] of candidates) if (node.hasNode) this.countIncoming(s, pod, existing, node, 1);
      } else {
        for (const node of snapshot.nodeList()) {
          for (const existing of node.pods.values()) this.countIncoming(s, pod, existing, node, 1);
        }
      }
    }
    state.write(preFilterKey, s);
    return success();
  }

  /**
   * The existing pods the incoming pod's own required terms can match, found
   * by a label their selectors pin (In or =); undefined when some term pins
   * none and every pod has to be looked at.
   */
  private candidates(pod: PodInfo): ReadonlyMap<PodInfo, NodeInfo> | undefined {
    const lists: ReadonlyMap<PodInfo, NodeInfo>[] = [];
    // A pod counts for affinity only when it matches every term, so the pods one term can match are enough.
    if (pod.requiredAffinity.length > 0 && !pod.requiredAffinity.some((t) => this.labelled(t, lists))) return undefined;
    for (const t of pod.requiredAntiAffinity) if (!this.labelled(t, lists)) return undefined;
    if (lists.length === 1) return lists[0]!;
    const merged = new Map<PodInfo, NodeInfo>();
    for (const l of lists) for (const [p, n] of l) merged.set(p, n);
    return merged;
  }

  /** Adds the pods that can match the term by a label it pins; false when it pins none. */
  private labelled(term: AffinityTerm, into: ReadonlyMap<PodInfo, NodeInfo>[]): boolean {
    // A selector that matches nothing needs no pods at all.
    if (!term.selector.selectable) return true;
    const pinned = term.selector.requirements.find((r) => r.operator === 'in' || r.operator === '=' || r.operator === '==');
    if (!pinned) return false;
    for (const v of pinned.values) {
      const pods = this.handle.snapshot.podsWithLabel(pinned.key, v);
      if (pods.size > 0) into.push(pods);
    }
    return true;
  }

  addPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): void {
    this.update(state, pod, toAdd, node, 1);
  }

  removePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): void {
    this.update(state, pod, toRemove, node, -1);
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const s = state.read<PreFilterState>(preFilterKey);
    if (!s) return success();
    if (!this.satisfiesAffinity(s, pod, node)) return unresolvable(ERR_REASON_AFFINITY);
    for (const term of pod.requiredAntiAffinity) {
      const value = node.labels[term.topologyKey];
      if (value !== undefined && s.anti.get(term.topologyKey, value) > 0) return unschedulable(ERR_REASON_ANTI_AFFINITY);
    }
    if (s.existingAnti.size > 0 && s.existingAnti.anyOn(node)) return unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
    return success();
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: NodeInfo[]): Status {
    const hasPreferred = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
    // Without terms of its own, the pod is scored only by existing pods' terms that weigh in scoring.
    const source = hasPreferred ? this.handle.snapshot.nodeList() : [...this.handle.snapshot.nodesWithScoringAffinityPods()];
    if (!hasPreferred && source.length === 0) return skip();
    const byTopology = new Map<string, number>();
    const keys = new Set<string>();
    const add = (term: AffinityTerm, node: NodeInfo, w: number): void => {
      const value = node.labels[term.topologyKey];
      if (value === undefined || w === 0) return;
      keys.add(term.topologyKey);
      const k = pairKey(term.topologyKey, value);
      byTopology.set(k, (byTopology.get(k) ?? 0) + w);
    };
    for (const node of source) {
      if (!node.hasNode) continue;
      const others = hasPreferred ? node.pods.values() : node.podsWithAffinity.values();
      for (const existing of others) {
        for (const t of pod.preferredAffinity) if (termMatches(t, existing.pod, this.nsLabels)) add(t, node, t.weight);
        for (const t of pod.preferredAntiAffinity) if (termMatches(t, existing.pod, this.nsLabels)) add(t, node, -t.weight);
        if (this.hardWeight > 0) {
          for (const t of existing.requiredAffinity) if (termMatches(t, pod.pod, this.nsLabels)) add(t, node, this.hardWeight);
        }
        for (const t of existing.preferredAffinity) if (termMatches(t, pod.pod, this.nsLabels)) add(t, node, t.weight);
        for (const t of existing.preferredAntiAffinity) if (termMatches(t, pod.pod, this.nsLabels)) add(t, node, -t.weight);
      }
    }
    if (byTopology.size === 0) return skip();
    state.write(preScoreKey, new PreScoreState(byTopology, keys));
    return success();
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const s = state.read<PreScoreState>(preScoreKey);
    if (!s) return 0;
    const labels = node.labels;
    let sum = 0;
    for (const key of s.keys) {
      const value = ownLabel(labels, key);
      if (value !== undefined) sum += s.scores.get(pairKey(key, value)) ?? 0;
    }
    return sum;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: NodeScore[]): void {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      min = Math.min(min, s.score);
      max = Math.max(max, s.score);
    }
    const diff = max - min;
    for (const s of scores) s.score = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (s.score - min)) / diff) : 0;
  }

  events(): EventRegistration[] {
    return [
      { event: 'AssignedPodAdd' },
      { event: 'AssignedPodLabel' },
      { event: 'AssignedPodDelete' },
      { event: 'NodeAdd' },
      { event: 'NodeLabel' },
    ];
  }

  private satisfiesAffinity(s: PreFilterState, pod: PodInfo, node: NodeInfo): boolean {
    if (pod.requiredAffinity.length === 0) return true;
    let allPresent = true;
    for (const term of pod.requiredAffinity) {
      const value = node.labels[term.topologyKey];
      if (value === undefined) return false;
      if (s.affinity.get(term.topologyKey, value) <= 0) allPresent = false;
    }
    if (allPresent) return true;
    // The first pod of a group that selects itself may go anywhere its topology keys exist, or it could never start.
    return s.affinity.size === 0 && pod.requiredAffinity.every((t) => termMatches(t, pod.pod, this.nsLabels));
  }

  private countExistingAnti(s: PreFilterState, pod: PodInfo, existing: PodInfo, node: NodeInfo, by: number): void {
    for (const term of existing.requiredAntiAffinity) if (termMatches(term, pod.pod, this.nsLabels)) s.existingAnti.bump(term, node, by);
  }

  private countIncoming(s: PreFilterState, pod: PodInfo, existing: PodInfo, node: NodeInfo, by: number): void {
    if (pod.requiredAffinity.length && pod.requiredAffinity.every((t) => termMatches(t, existing.pod, this.nsLabels))) {
      for (const t of pod.requiredAffinity) s.affinity.bump(t, node, by);
    }
    for (const t of pod.requiredAntiAffinity) if (termMatches(t, existing.pod, this.nsLabels)) s.anti.bump(t, node, by);
  }

  private update(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, by: number): void {
    const s = state.read<PreFilterState>(preFilterKey);
    if (!s) return;
    this.countExistingAnti(s, pod, other, node, by);
    this.countIncoming(s, pod, other, node, by);
  }
}

