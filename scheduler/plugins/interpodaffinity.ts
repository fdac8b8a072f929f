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

type Counts = Map<string, number>;
const pairKey = (key: string, value: string): string => `${key}\x00${value}`;

function bump(counts: Counts, term: AffinityTerm, node: NodeInfo, by: number): void {
  const value = node.labels[term.topologyKey];
  if (value === undefined) return;
  const k = pairKey(term.topologyKey, value);
  const n = (counts.get(k) ?? 0) + by;
  if (n === 0) counts.delete(k);
  else counts.set(k, n);
}

class PreFilterState implements StateData {
  constructor(
    /** domains holding an existing pod whose required anti-affinity matches the incoming pod */
    readonly existingAnti: Counts = new Map(),
    /** domains holding pods matching all of the incoming pod's affinity terms */
    readonly affinity: Counts = new Map(),
    /** domains holding pods matching one of the incoming pod's anti-affinity terms */
    readonly anti: Counts = new Map(),
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(new Map(this.existingAnti), new Map(this.affinity), new Map(this.anti));
  }
}

class PreScoreState implements StateData {
  constructor(readonly scores: Map<string, number>) {}

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
    const s = new PreFilterState();
    for (const node of this.handle.snapshot.nodesWithRequiredAntiAffinityPods()) {
      for (const existing of node.podsWithRequiredAntiAffinity.values()) this.countExistingAnti(s, pod, existing, node, 1);
    }
    if (pod.requiredAffinity.length === 0 && pod.requiredAntiAffinity.length === 0 && s.existingAnti.size === 0) return skip();
    if (pod.requiredAffinity.length || pod.requiredAntiAffinity.length) {
      for (const node of this.handle.snapshot.nodeList()) {
        for (const existing of node.pods.values()) this.countIncoming(s, pod, existing, node, 1);
      }
    }
    state.write(preFilterKey, s);
    return success();
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
      if (value !== undefined && (s.anti.get(pairKey(term.topologyKey, value)) ?? 0) > 0) {
        return unschedulable(ERR_REASON_ANTI_AFFINITY);
      }
    }
    if (s.existingAnti.size > 0) {
      for (const [k, v] of Object.entries(node.labels)) {
        if ((s.existingAnti.get(pairKey(k, v)) ?? 0) > 0) return unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
      }
    }
    return success();
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: NodeInfo[]): Status {
    const hasPreferred = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
    const source = hasPreferred ? this.handle.snapshot.nodeList() : [...this.handle.snapshot.nodesWithAffinityPods()];
    if (!hasPreferred && source.length === 0) return skip();
    const byTopology = new Map<string, number>();
    const add = (term: AffinityTerm, node: NodeInfo, w: number): void => {
      const value = node.labels[term.topologyKey];
      if (value === undefined || w === 0) return;
      const k = pairKey(term.topologyKey, value);
      byTopology.set(k, (byTopology.get(k) ?? 0) + w);
    };
    for (const node of source) {
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
    state.write(preScoreKey, new PreScoreState(byTopology));
    return success();
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const s = state.read<PreScoreState>(preScoreKey);
    if (!s) return 0;
    let sum = 0;
    for (const [k, v] of Object.entries(node.labels)) sum += s.scores.get(pairKey(k, v)) ?? 0;
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
      if ((s.affinity.get(pairKey(term.topologyKey, value)) ?? 0) <= 0) allPresent = false;
    }
    if (allPresent) return true;
    // The first pod of a group that selects itself may go anywhere its topology keys exist, or it could never start.
    return s.affinity.size === 0 && pod.requiredAffinity.every((t) => termMatches(t, pod.pod, this.nsLabels));
  }

  private countExistingAnti(s: PreFilterState, pod: PodInfo, existing: PodInfo, node: NodeInfo, by: number): void {
    for (const term of existing.requiredAntiAffinity) if (termMatches(term, pod.pod, this.nsLabels)) bump(s.existingAnti, term, node, by);
  }

  private countIncoming(s: PreFilterState, pod: PodInfo, existing: PodInfo, node: NodeInfo, by: number): void {
    if (pod.requiredAffinity.length && pod.requiredAffinity.every((t) => termMatches(t, existing.pod, this.nsLabels))) {
      for (const t of pod.requiredAffinity) bump(s.affinity, t, node, by);
    }
    for (const t of pod.requiredAntiAffinity) if (termMatches(t, existing.pod, this.nsLabels)) bump(s.anti, t, node, by);
  }

  private update(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, by: number): void {
    const s = state.read<PreFilterState>(preFilterKey);
    if (!s) return;
    this.countExistingAnti(s, pod, other, node, by);
    this.countIncoming(s, pod, other, node, by);
  }
}

