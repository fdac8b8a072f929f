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
import { CPU, EPHEMERAL_STORAGE, MEMORY, nodeAllocatable, PODS } from '../resources.js';

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

/** Whether the pod fits on every resource, from the fixed slots: the common answer, found without allocating. */
function fitsEverything(pod: PodInfo, node: NodeInfo): boolean {
  if (node.numPods + 1 > node.allocatablePods) return false;
  const cpu = pod.cpuRequest;
  if (cpu > 0 && cpu > node.allocatableCpu - node.requestedCpu) return false;
  const memory = pod.memoryRequest;
  if (memory > 0 && memory > node.allocatableMemory - node.requestedMemory) return false;
  const storage = pod.ephemeralStorageRequest;
  if (storage > 0 && storage > node.allocatableEphemeralStorage - node.requestedEphemeralStorage) return false;
  const scalar = pod.scalarRequests;
  for (let i = 0; i < scalar.length; i++) {
    const [name, requested] = scalar[i]!;
    if (requested > (node.allocatable.get(name) ?? 0) - (node.requested.get(name) ?? 0)) return false;
  }
  return true;
}

/** fitsRequest: every resource the pod lacks on the node, pods first. */
export function insufficientResources(pod: PodInfo, node: NodeInfo, ignored: (name: string) => boolean = () => false): InsufficientResource[] {
  if (fitsEverything(pod, node)) return NONE;
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
function resourceScore(leastAllocated: boolean, requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return leastAllocated
    ? Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity)
    : Math.trunc((requested * MAX_NODE_SCORE) / capacity);
}

const SLOT_OTHER = 0;
const SLOT_CPU = 1;
const SLOT_MEMORY = 2;
const SLOT_EPHEMERAL_STORAGE = 3;
const SLOT_PODS = 4;

/** A scored resource, with where its numbers live resolved once. */
export interface ScoredResource extends ResourceSpec {
  readonly slot: number;
}

export function scoredResources(specs: readonly ResourceSpec[]): ScoredResource[] {
  const slotOf = (name: string): number =>
    name === CPU ? SLOT_CPU : name === MEMORY ? SLOT_MEMORY : name === EPHEMERAL_STORAGE ? SLOT_EPHEMERAL_STORAGE : name === PODS ? SLOT_PODS : SLOT_OTHER;
  return specs.map((r) => ({ name: r.name, weight: r.weight, slot: slotOf(r.name) }));
}

/** What the node would have requested of a resource with the pod placed: the non-zero defaults count for cpu and memory. */
export function scoringRequested(pod: PodInfo, node: NodeInfo, r: ScoredResource): number {
  switch (r.slot) {
    case SLOT_CPU:
      return node.nonZeroRequestedCpu + pod.nonZeroCpuRequest;
    case SLOT_MEMORY:
      return node.nonZeroRequestedMemory + pod.nonZeroMemoryRequest;
    case SLOT_EPHEMERAL_STORAGE:
      return node.requestedEphemeralStorage + pod.ephemeralStorageRequest;
    case SLOT_PODS:
      return node.numPods + 1;
    default:
      return (node.requested.get(r.name) ?? 0) + (pod.requests.get(r.name) ?? 0);
  }
}

export function scoringCapacity(node: NodeInfo, r: ScoredResource): number {
  switch (r.slot) {
    case SLOT_CPU:
      return node.allocatableCpu;
    case SLOT_MEMORY:
      return node.allocatableMemory;
    case SLOT_EPHEMERAL_STORAGE:
      return node.allocatableEphemeralStorage;
    case SLOT_PODS:
      return node.allocatablePods;
    default:
      return node.allocatable.get(r.name) ?? 0;
  }
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NODE_RESOURCES_FIT;
  readonly strategy: ScoringStrategyType;
  readonly resources: ResourceSpec[];
  private readonly scored: ScoredResource[];
  private readonly leastAllocated: boolean;
  private readonly ignored: (name: string) => boolean;

  constructor(args: NodeResourcesFitArgs = {}) {
    this.strategy = args.scoringStrategy?.type ?? 'LeastAllocated';
    this.resources = args.scoringStrategy?.resources?.length ? args.scoringStrategy.resources : defaultScoringResources;
    this.scored = scoredResources(this.resources);
    this.leastAllocated = this.strategy !== 'MostAllocated';
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
    const scored = this.scored;
    for (let i = 0; i < scored.length; i++) {
      const r = scored[i]!;
      const capacity = scoringCapacity(node, r);
      if (capacity === 0) continue;
      total += resourceScore(this.leastAllocated, scoringRequested(pod, node, r), capacity) * r.weight;
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
