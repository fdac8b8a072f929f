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
import { defaultScoringResources, scoringRequest, type ResourceSpec } from './noderesourcesfit.js';

export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

export interface BalancedAllocationArgs {
  resources?: ResourceSpec[];
}

export class NodeResourcesBalancedAllocation implements ScorePlugin, EnqueueExtensions {
  readonly name = NODE_RESOURCES_BALANCED_ALLOCATION;
  private readonly resources: ResourceSpec[];

  constructor(args: BalancedAllocationArgs = {}) {
    this.resources = args.resources?.length ? args.resources : defaultScoringResources;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const fractions: number[] = [];
    for (const r of this.resources) {
      const { requested, capacity } = scoringRequest(pod, node, r.name);
      if (capacity === 0) continue;
      fractions.push(Math.min(1, requested / capacity));
    }
    let std = 0;
    if (fractions.length === 2) std = Math.abs((fractions[0]! - fractions[1]!) / 2);
    else if (fractions.length > 2) {
      const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
      std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length);
    }
    return Math.trunc((1 - std) * MAX_NODE_SCORE);
  }

  events(): EventRegistration[] {
    return [{ event: 'NodeAdd' }, { event: 'NodeAllocatable' }, { event: 'AssignedPodDelete' }];
  }
}
