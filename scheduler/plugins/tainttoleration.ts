// TaintToleration: NoSchedule and NoExecute taints keep out pods that do not
// tolerate them (filter); PreferNoSchedule taints a pod does not tolerate
// count against the node (score, fewer is better).
import type { Node, Taint, Toleration } from '../../src/api/core/v1.js';
import {
  success,
  unresolvable,
  type CycleState,
  type StateData,
  type EnqueueExtensions,
  type EventRegistration,
  type FilterPlugin,
  type NodeScore,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
} from '../framework.js';
import { findMatchingUntoleratedTaint, toleratesTaint } from '../../src/machinery/taints.js';
import type { NodeInfo, PodInfo } from '../nodeinfo.js';
import { defaultNormalizeScore } from './helpers.js';

export const TAINT_TOLERATION = 'TaintToleration';

export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

/** The first NoSchedule/NoExecute taint not tolerated, if any. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined): Taint | undefined {
  return findMatchingUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
}

const preScoreKey = `PreScore${TAINT_TOLERATION}`;

/** Only tolerations that could apply to PreferNoSchedule count when scoring. */
function preferNoScheduleTolerations(pod: PodInfo): Toleration[] {
  return (pod.pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
}

class PreScoreState implements StateData {
  constructor(readonly tolerations: Toleration[]) {}

  clone(): PreScoreState {
    return this;
  }
}

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = TAINT_TOLERATION;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const taints = node.taints;
    if (taints.length === 0) return success();
    const taint = findUntoleratedTaint(taints, pod.pod.spec.tolerations);
    return taint ? unresolvable(untoleratedTaintReason(taint)) : success();
  }

  preScore(state: CycleState, pod: PodInfo): Status {
    state.write(preScoreKey, new PreScoreState(preferNoScheduleTolerations(pod)));
    return success();
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const taints = node.taints;
    if (taints.length === 0) return 0;
    const tolerations = state.read<PreScoreState>(preScoreKey)?.tolerations ?? preferNoScheduleTolerations(pod);
    let n = 0;
    for (const t of taints) if (t.effect === 'PreferNoSchedule' && !toleratesTaint(tolerations, t)) n++;
    return n;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: NodeScore[]): void {
    defaultNormalizeScore(scores, true);
  }

  events(): EventRegistration[] {
    return [
      { event: 'NodeAdd' },
      {
        event: 'NodeTaint',
        hint: (pod, _old, next) => findUntoleratedTaint((next as Node).spec.taints ?? [], pod.spec.tolerations) === undefined,
      },
    ];
  }
}
