// PodTopologySpread: spreads matching pods evenly over topology domains
// (zones, nodes, any label). DoNotSchedule constraints filter: placing the
// pod must not make its domain exceed the least populated one by more than
// maxSkew. ScheduleAnyway constraints score: fewer matching pods in the
// node's domains is better.
import type { Node, Pod, TopologySpreadConstraint } from '../../src/api/core/v1.js';
import type { Selector } from '../../src/machinery/labels.js';
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
import { HOSTNAME_LABEL } from '../../src/machinery/topology.js';
import { compileSelector, type NodeInfo, type PodInfo } from '../nodeinfo.js';
import { podMatchesNodeSelectorAndAffinity } from '../../src/machinery/node-affinity.js';
import { findUntoleratedTaint } from './tainttoleration.js';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

const preFilterKey = `PreFilter${POD_TOPOLOGY_SPREAD}`;
const preScoreKey = `PreScore${POD_TOPOLOGY_SPREAD}`;

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: Selector;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
}

function compile(list: TopologySpreadConstraint[], when: string): Constraint[] {
  return list
    .filter((c) => c.whenUnsatisfiable === when)
    .map((c) => ({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector: compileSelector(c.labelSelector),
      minDomains: c.minDomains ?? 1,
      honorAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      honorTaints: c.nodeTaintsPolicy === 'Honor',
    }));
}

const pairKey = (key: string, value: string): string => `${key}\x00${value}`;

/** Whether a node's pods count for the constraints: it has every key and passes the policies. */
function nodeCounts(constraints: Constraint[], pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const c of constraints) if (labels[c.topologyKey] === undefined) return false;
  if (constraints.some((c) => c.honorAffinity) && !podMatchesNodeSelectorAndAffinity(pod, node)) return false;
  if (constraints.some((c) => c.honorTaints) && findUntoleratedTaint(node.spec.taints ?? [], pod.spec.tolerations)) return false;
  return true;
}

function countMatching(c: Constraint, namespace: string, node: NodeInfo): number {
  let n = 0;
  for (const pi of node.pods.values()) {
    const p = pi.pod;
    if (p.metadata.deletionTimestamp || (p.metadata.namespace ?? '') !== namespace) continue;
    if (c.selector.matches(p.metadata.labels ?? {})) n++;
  }
  return n;
}

class PreFilterState implements StateData {
  private minByKey: Map<string, number> | undefined;
  private domainsByKey: Map<string, number> | undefined;

  constructor(
    readonly constraints: Constraint[],
    /** domain -> matching pods; every eligible domain is present, possibly with 0 */
    readonly counts: Map<string, number>,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(this.constraints, new Map(this.counts));
  }

  update(key: string, value: string, by: number): void {
    const k = pairKey(key, value);
    if (!this.counts.has(k)) return;
    this.counts.set(k, this.counts.get(k)! + by);
    this.minByKey = undefined;
  }

  /** The smallest count over the key's domains; 0 while there are fewer domains than minDomains. */
  minMatch(c: Constraint): number {
    if (!this.minByKey) {
      const mins = new Map<string, { min: number; domains: number }>();
      for (const [k, n] of this.counts) {
        const key = k.slice(0, k.indexOf('\x00'));
        const cur = mins.get(key);
        if (!cur) mins.set(key, { min: n, domains: 1 });
        else {
          cur.min = Math.min(cur.min, n);
          cur.domains++;
        }
      }
      this.minByKey = new Map();
      this.domainsByKey = new Map();
      for (const [k, v] of mins) {
        this.minByKey.set(k, v.min);
        this.domainsByKey.set(k, v.domains);
      }
    }
    if ((this.domainsByKey?.get(c.topologyKey) ?? 0) < c.minDomains) return 0;
    return this.minByKey.get(c.topologyKey) ?? 0;
  }
}

class PreScoreState implements StateData {
  constructor(
    readonly constraints: Constraint[],
    readonly counts: Map<string, number>,
    readonly weights: number[],
    readonly ignored: Set<string>,
    readonly namespace: string,
  ) {}

  clone(): PreScoreState {
    return this;
  }
}

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = POD_TOPOLOGY_SPREAD;

  constructor(
    _args: unknown,
    private readonly handle: FrameworkHandle,
  ) {}

  preFilter(state: CycleState, pod: PodInfo): Status {
    const constraints = compile(pod.pod.spec.topologySpreadConstraints ?? [], 'DoNotSchedule');
    if (constraints.length === 0) return skip();
    const ns = pod.pod.metadata.namespace ?? '';
    const counts = new Map<string, number>();
    for (const node of this.handle.snapshot.nodeList()) {
      if (!nodeCounts(constraints, pod.pod, node.node)) continue;
      for (const c of constraints) {
        const k = pairKey(c.topologyKey, node.labels[c.topologyKey]!);
        counts.set(k, (counts.get(k) ?? 0) + countMatching(c, ns, node));
      }
    }
    state.write(preFilterKey, new PreFilterState(constraints, counts));
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
    const labels = pod.pod.metadata.labels ?? {};
    for (const c of s.constraints) {
      const value = node.labels[c.topologyKey];
      if (value === undefined) return unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
      const self = c.selector.matches(labels) ? 1 : 0;
      const skew = (s.counts.get(pairKey(c.topologyKey, value)) ?? 0) + self - s.minMatch(c);
      if (skew > c.maxSkew) return unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return success();
  }

  preScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[]): Status {
    const constraints = compile(pod.pod.spec.topologySpreadConstraints ?? [], 'ScheduleAnyway');
    if (constraints.length === 0) return skip();
    const ns = pod.pod.metadata.namespace ?? '';
    const ignored = new Set<string>();
    const counts = new Map<string, number>();
    const domains = constraints.map(() => new Set<string>());
    for (const node of nodes) {
      if (constraints.some((c) => node.labels[c.topologyKey] === undefined)) {
        ignored.add(node.name);
        continue;
      }
      constraints.forEach((c, i) => {
        const value = node.labels[c.topologyKey]!;
        domains[i]!.add(value);
        if (c.topologyKey !== HOSTNAME_LABEL) counts.set(pairKey(c.topologyKey, value), 0);
      });
    }
    for (const node of this.handle.snapshot.nodeList()) {
      if (!nodeCounts(constraints, pod.pod, node.node)) continue;
      for (const c of constraints) {
        if (c.topologyKey === HOSTNAME_LABEL) continue;
        const k = pairKey(c.topologyKey, node.labels[c.topologyKey]!);
        if (counts.has(k)) counts.set(k, counts.get(k)! + countMatching(c, ns, node));
      }
    }
    const weights = domains.map((d) => Math.log(d.size + 2));
    state.write(preScoreKey, new PreScoreState(constraints, counts, weights, ignored, ns));
    return success();
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const s = state.read<PreScoreState>(preScoreKey);
    if (!s || s.ignored.has(node.name)) return 0;
    let score = 0;
    s.constraints.forEach((c, i) => {
      const value = node.labels[c.topologyKey]!;
      const n = c.topologyKey === HOSTNAME_LABEL ? countMatching(c, s.namespace, node) : (s.counts.get(pairKey(c.topologyKey, value)) ?? 0);
      score += n * s.weights[i]! + (c.maxSkew - 1);
    });
    return Math.round(score);
  }

  normalizeScore(state: CycleState, _pod: PodInfo, scores: NodeScore[]): void {
    const s = state.read<PreScoreState>(preScoreKey);
    if (!s) return;
    let min = Infinity;
    let max = 0;
    for (const sc of scores) {
      if (s.ignored.has(sc.name)) continue;
      min = Math.min(min, sc.score);
      max = Math.max(max, sc.score);
    }
    for (const sc of scores) {
      if (s.ignored.has(sc.name)) sc.score = 0;
      else if (max === 0) sc.score = MAX_NODE_SCORE;
      else sc.score = Math.trunc((MAX_NODE_SCORE * (max + min - sc.score)) / max);
    }
  }

  events(): EventRegistration[] {
    return [
      { event: 'AssignedPodAdd' },
      { event: 'AssignedPodLabel' },
      { event: 'AssignedPodDelete' },
      { event: 'NodeAdd' },
      { event: 'NodeLabel' },
      { event: 'NodeDelete' },
    ];
  }

  private update(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, by: number): void {
    const s = state.read<PreFilterState>(preFilterKey);
    if (!s || (other.pod.metadata.namespace ?? '') !== (pod.pod.metadata.namespace ?? '')) return;
    if (!nodeCounts(s.constraints, pod.pod, node.node)) return;
    for (const c of s.constraints) {
      if (c.selector.matches(other.pod.metadata.labels ?? {})) s.update(c.topologyKey, node.labels[c.topologyKey]!, by);
    }
  }
}
