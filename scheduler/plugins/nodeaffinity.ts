// NodeAffinity: spec.nodeSelector and required node affinity decide where a
// pod may go (filter; terms are ORed, expressions within a term ANDed, on
// labels with In/NotIn/Exists/DoesNotExist/Gt/Lt and on metadata.name with
// matchFields); preferred terms add their weights to the nodes they match
// (score). Terms that pin metadata.name narrow the search in PreFilter.
import type { Node, Pod } from '../../src/api/core/v1.js';
import {
  skip,
  success,
  unresolvable,
  type CycleState,
  type EnqueueExtensions,
  type EventRegistration,
  type FilterPlugin,
  type NodeScore,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
} from '../framework.js';
import type { NodeInfo, PodInfo } from '../nodeinfo.js';
import { podMatchesNodeSelectorAndAffinity, termMatchesNode } from '../../src/machinery/node-affinity.js';
import { defaultNormalizeScore } from './helpers.js';

export const NODE_AFFINITY = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

/**
 * The node names the required terms allow, when every term pins
 * metadata.name with In (Kubernetes' getNodeNames); undefined when any
 * term can match other nodes.
 */
export function requiredNodeNames(pod: Pod): Set<string> | undefined {
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return undefined;
  const union = new Set<string>();
  for (const term of terms) {
    let names: Set<string> | undefined;
    for (const f of term.matchFields ?? []) {
      if (f.key !== 'metadata.name' || f.operator !== 'In') continue;
      const these = new Set(f.values ?? []);
      names = names ? new Set([...names].filter((n) => these.has(n))) : these;
    }
    if (!names) return undefined;
    for (const n of names) union.add(n);
  }
  return union;
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NODE_AFFINITY;

  preFilter(_state: CycleState, pod: PodInfo): Status | PreFilterResult {
    const spec = pod.pod.spec;
    const hasSelector = Object.keys(spec.nodeSelector ?? {}).length > 0;
    if (!hasSelector && !spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution) return skip();
    const names = requiredNodeNames(pod.pod);
    if (names && names.size === 0) return unresolvable(ERR_REASON_POD);
    return names ? { status: success(), nodeNames: names, outside: unresolvable(ERR_REASON_POD) } : success();
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return podMatchesNodeSelectorAndAffinity(pod.pod, node.node) ? success() : unresolvable(ERR_REASON_POD);
  }

  preScore(_state: CycleState, pod: PodInfo): Status {
    return (pod.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).length ? success() : skip();
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    let sum = 0;
    for (const t of pod.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (t.weight !== 0 && termMatchesNode(t.preference, node.node)) sum += t.weight;
    }
    return sum;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: NodeScore[]): void {
    defaultNormalizeScore(scores, false);
  }

  events(): EventRegistration[] {
    const nowMatches = (pod: Pod, _old: unknown, next: unknown): boolean => podMatchesNodeSelectorAndAffinity(pod, next as Node);
    return [
      { event: 'NodeAdd', hint: nowMatches },
      { event: 'NodeLabel', hint: nowMatches },
    ];
  }
}
