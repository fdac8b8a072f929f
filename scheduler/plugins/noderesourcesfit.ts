// NodeResourcesFit: a pod fits a node when every resource it requests is
// within what the node has left (allocatable minus the requests of the pods
// already there, assumed ones included) and the node's pod count allows one
// more. Scores by how much room is left (LeastAllocated, the default) or how
// full the node gets (MostAllocated), over weighted resources.
import type { Node } from '../../src/api/core/v1.js';
import {
  MAX_NODE_SCORE,
  success,
  unresolvable,
  unschedulable,
  type CycleState,
  type EnqueueExtensions,
  type EventRegistration,
  type FilterPlugin,
  type ScorePlugin,
  type Status,
} from '../framework.js';
import type { NodeInfo, PodInfo } from '../nodeinfo.js';
import { CPU, MEMORY, nodeAllocatable, PODS } from '../resources.js';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated';

export interface ResourceSpec {
  name: string;
  weight: number;
}

export interface NodeResourcesFitArgs {
  scoringStrategy?: { type?: ScoringStrategyType; resources?: ResourceSpec[] };
  /** resources (by name or prefix ending in "/") the filter does not check */
  ignoredResources?: string[];
  ignoredResourceGroups?: string[];
}

export const defaultScoringResources: ResourceSpec[] = [
  { name: CPU, weight: 1 },
  { name: MEMORY, weight: 1 },
];

export interface InsufficientResource {
  resource: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
  /** the node could never hold the pod, whatever was evicted */
  unresolvable: boolean;
}

const NONE: InsufficientResource[] = [];

/** fitsRequest: every resource the pod lacks on the node, pods first. */
export function insufficientResources(pod: PodInfo, node: NodeInfo, ignored: (name: string) => boolean = () => false): InsufficientResource[] {
  let out = NONE;
  const allowedPods = node.allocatable.get(PODS) ?? 0;
  if (node.pods.size + 1 > allowedPods) {
    out = [{ resource: PODS, reason: 'Too many pods', requested: 1, used: node.pods.size, capacity: allowedPods, unresolvable: false }];
  }
  const list = pod.requestList;
  for (let i = 0; i < list.length; i++) {
    const [name, requested] = list[i]!;
    if (name === PODS) continue;
    const capacity = node.allocatable.get(name) ?? 0;
    const used = node.requested.get(name) ?? 0;
    if (requested > capacity - used && !ignored(name)) {
      if (out === NONE) out = [];
      out.push({ resource: name, reason: `Insufficient ${name}`, requested, used, capacity, unresolvable: requested > capacity });
    }
  }
  return out;
}

/** Score of one resource: the share left free, or the share used, 0..MAX_NODE_SCORE. */
function resourceScore(type: ScoringStrategyType, requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return type === 'MostAllocated'
    ? Math.trunc((requested * MAX_NODE_SCORE) / capacity)
    : Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** What a pod asks of a resource for scoring: the non-zero defaults for cpu and memory, the request otherwise. */
export function scoringRequest(pod: PodInfo, node: NodeInfo, resource: string): { requested: number; capacity: number } {
  const nonZero = resource === CPU || resource === MEMORY;
  const existing = (nonZero ? node.nonZeroRequested : node.requested).get(resource) ?? 0;
  const own = (nonZero ? pod.nonZeroRequests : pod.requests).get(resource) ?? 0;
  const capacity = resource === PODS ? (node.allocatable.get(PODS) ?? 0) : (node.allocatable.get(resource) ?? 0);
  const requested = resource === PODS ? node.pods.size + 1 : existing + own;
  return { requested, capacity };
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NODE_RESOURCES_FIT;
  readonly strategy: ScoringStrategyType;
  readonly resources: ResourceSpec[];
  private readonly ignored: (name: string) => boolean;

  constructor(args: NodeResourcesFitArgs = {}) {
    this.strategy = args.scoringStrategy?.type ?? 'LeastAllocated';
    this.resources = args.scoringStrategy?.resources?.length ? args.scoringStrategy.resources : defaultScoringResources;
    const names = new Set(args.ignoredResources ?? []);
    const groups = args.ignoredResourceGroups ?? [];
    this.ignored = (name) => names.has(name) || groups.some((g) => name.startsWith(`${g}/`));
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const missing = insufficientResources(pod, node, this.ignored);
    if (missing.length === 0) return success();
    const reasons = missing.map((m) => m.reason);
    return missing.some((m) => m.unresolvable) ? unresolvable(...reasons) : unschedulable(...reasons);
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    let total = 0;
    let weights = 0;
    for (const r of this.resources) {
      const { requested, capacity } = scoringRequest(pod, node, r.name);
      if (capacity === 0) continue;
      total += resourceScore(this.strategy, requested, capacity) * r.weight;
      weights += r.weight;
    }
    return weights === 0 ? 0 : Math.trunc(total / weights);
  }

  events(): EventRegistration[] {
    return [
      { event: 'NodeAdd' },
      {
        event: 'NodeAllocatable',
        hint: (_pod, old, next) => {
          const before = nodeAllocatable(old as Node);
          for (const [k, v] of nodeAllocatable(next as Node)) if (v > (before.get(k) ?? 0)) return true;
          return false;
        },
      },
      { event: 'AssignedPodDelete' },
    ];
  }
}
