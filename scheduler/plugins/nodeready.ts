// NodeReady: a node whose Ready condition is False or Unknown (or missing)
// takes only pods that tolerate the taint the node lifecycle controller puts
// on such a node (node.kubernetes.io/not-ready or .../unreachable,
// NoSchedule), so the scheduler does not depend on that controller having
// run yet. The message is the one TaintToleration gives for that taint.
import type { Node, Taint } from '../../src/api/core/v1.js';
import { success, unresolvable, type EnqueueExtensions, type EventRegistration, type FilterPlugin, type Status } from '../framework.js';
import { taintNodeNotReady, taintNodeUnreachable, toleratesTaint } from '../../src/machinery/taints.js';
import type { NodeInfo, PodInfo } from '../nodeinfo.js';
import { untoleratedTaintReason } from './tainttoleration.js';

export const NODE_READY = 'NodeReady';

// Node objects from the informer are never changed in place, so the answer can be kept per object.
const known = new WeakMap<Node, Taint | null>();

/** The NoSchedule taint the lifecycle controller gives a node in this state, or undefined for a Ready node. */
export function readinessTaint(node: Node): Taint | undefined {
  const cached = known.get(node);
  if (cached !== undefined) return cached ?? undefined;
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const taint: Taint | null =
    ready?.status === 'True' ? null : { key: ready?.status === 'False' ? taintNodeNotReady : taintNodeUnreachable, effect: 'NoSchedule' };
  known.set(node, taint);
  return taint ?? undefined;
}

export class NodeReady implements FilterPlugin, EnqueueExtensions {
  readonly name = NODE_READY;

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status {
    const taint = readinessTaint(node.node);
    if (!taint || toleratesTaint(pod.pod.spec.tolerations, taint)) return success();
    return unresolvable(untoleratedTaintReason(taint));
  }

  events(): EventRegistration[] {
    return [
      { event: 'NodeAdd' },
      { event: 'NodeCondition', hint: (_pod, _old, next) => readinessTaint(next as Node) === undefined },
    ];
  }
}
