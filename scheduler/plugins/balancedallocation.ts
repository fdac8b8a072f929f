// NodeResourcesBalancedAllocation: prefers nodes where, with the pod
// placed, the used shares of the resources stay close to each other (one
// minus their standard deviation), so no resource runs out while others
// sit idle.
import {
  MAX_NODE_SCORE,
  type CycleState,
  type EnqueueExtensions,
  type EventRegistration,
  type ScorePlugin,
} from '../framework.js';
import type { NodeInfo, PodInfo } from '../nodeinfo.js';
import { defaultScoringResources, scoredResources, scoringCapacity, scoringRequested, type ResourceSpec, type ScoredResource } from './noderesourcesfit.js';

export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

export interface BalancedAllocationArgs {
  resources?: ResourceSpec[];
}

export class NodeResourcesBalancedAllocation implements ScorePlugin, EnqueueExtensions {
  readonly name = NODE_RESOURCES_BALANCED_ALLOCATION;
  private readonly resources: ScoredResource[];
  /** the used shares of one node, reused from node to node */
  private readonly fractions: Float64Array;

  constructor(args: BalancedAllocationArgs = {}) {
    this.resources = scoredResources(args.resources?.length ? args.resources : defaultScoringResources);
    this.fractions = new Float64Array(this.resources.length);
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const fractions = this.fractions;
    let n = 0;
    for (let i = 0; i < this.resources.length; i++) {
      const r = this.resources[i]!;
      const capacity = scoringCapacity(node, r);
      if (capacity === 0) continue;
      fractions[n++] = Math.min(1, scoringRequested(pod, node, r) / capacity);
    }
    let std = 0;
    if (n === 2) std = Math.abs((fractions[0]! - fractions[1]!) / 2);
    else if (n > 2) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += fractions[i]!;
      const mean = sum / n;
      let squares = 0;
      for (let i = 0; i < n; i++) squares += (fractions[i]! - mean) ** 2;
      std = Math.sqrt(squares / n);
    }
    return Math.trunc((1 - std) * MAX_NODE_SCORE);
  }

  events(): EventRegistration[] {
    return [{ event: 'NodeAdd' }, { event: 'NodeAllocatable' }, { event: 'AssignedPodDelete' }];
  }
}
