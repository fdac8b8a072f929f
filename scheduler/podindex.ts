// Indexes over the pods in the scheduler's cache that let inter-pod affinity
// look only at pods that can matter, instead of at every pod for every pod
// scheduled: pods by label (for terms whose selector pins a label), and the
// required anti-affinity terms of existing pods grouped by what they were
// compiled from (replicas of one workload carry the same term), with how
// many pods carry each on which node, so an incoming pod is matched once per
// distinct term; and which nodes hold pods whose terms weigh in scoring
// other pods. Placeholder nodes (NodeInfo.hasNode false) are indexed too;
// readers skip them, as the node list does.
import type { AffinityTerm, NodeInfo, PodInfo } from './nodeinfo.js';

/** Identical required anti-affinity terms of existing pods. */
export interface TermGroup {
  /** one of the identical terms */
  readonly term: AffinityTerm;
  /** how many pods on each node carry the term */
  readonly nodes: ReadonlyMap<NodeInfo, number>;
}

interface MutableTermGroup extends TermGroup {
  readonly nodes: Map<NodeInfo, number>;
}

/** Required anti-affinity only keeps pods apart; every other term also counts in scores. */
const scoresOthers = (pi: PodInfo): boolean =>
  pi.requiredAffinity.length + pi.preferredAffinity.length + pi.preferredAntiAffinity.length > 0;

const labelKey = (key: string, value: string): string => `${key}\x00${value}`;
const NONE: ReadonlyMap<PodInfo, NodeInfo> = new Map();

export class PodIndex {
  private readonly byLabel = new Map<string, Map<PodInfo, NodeInfo>>();
  private readonly antiTerms = new Map<string, MutableTermGroup>();
  /** pods per node whose terms weigh when other pods are scored */
  private readonly scoring = new Map<NodeInfo, number>();

  add(pi: PodInfo, node: NodeInfo): void {
    const labels = pi.pod.metadata.labels;
    if (labels) {
      for (const k in labels) {
        if (!Object.prototype.hasOwnProperty.call(labels, k)) continue;
        const lk = labelKey(k, labels[k]!);
        let pods = this.byLabel.get(lk);
        if (!pods) this.byLabel.set(lk, (pods = new Map()));
        pods.set(pi, node);
      }
    }
    if (scoresOthers(pi)) this.scoring.set(node, (this.scoring.get(node) ?? 0) + 1);
    for (const term of pi.requiredAntiAffinity) {
      let g = this.antiTerms.get(term.key);
      if (!g) this.antiTerms.set(term.key, (g = { term, nodes: new Map() }));
      g.nodes.set(node, (g.nodes.get(node) ?? 0) + 1);
    }
  }

  remove(pi: PodInfo, node: NodeInfo): void {
    const labels = pi.pod.metadata.labels;
    if (labels) {
      for (const k in labels) {
        if (!Object.prototype.hasOwnProperty.call(labels, k)) continue;
        const lk = labelKey(k, labels[k]!);
        const pods = this.byLabel.get(lk);
        if (!pods) continue;
        pods.delete(pi);
        if (pods.size === 0) this.byLabel.delete(lk);
      }
    }
    if (scoresOthers(pi)) {
      const n = (this.scoring.get(node) ?? 0) - 1;
      if (n > 0) this.scoring.set(node, n);
      else this.scoring.delete(node);
    }
    for (const term of pi.requiredAntiAffinity) {
      const g = this.antiTerms.get(term.key);
      if (!g) continue;
      const n = (g.nodes.get(node) ?? 0) - 1;
      if (n > 0) g.nodes.set(node, n);
      else g.nodes.delete(node);
      if (g.nodes.size === 0) this.antiTerms.delete(term.key);
    }
  }

  /** The pods carrying the label key=value, with their nodes. */
  podsWithLabel(key: string, value: string): ReadonlyMap<PodInfo, NodeInfo> {
    return this.byLabel.get(labelKey(key, value)) ?? NONE;
  }

  requiredAntiAffinityGroups(): Iterable<TermGroup> {
    return this.antiTerms.values();
  }

  /** Nodes with pods whose terms weigh when other pods are scored: required affinity, preferred affinity or anti-affinity. */
  nodesWithScoringAffinityPods(): Iterable<NodeInfo> {
    return this.scoring.keys();
  }
}
