// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods
// that tolerate the node.kubernetes.io/unschedulable:NoSchedule taint.
import type { Node } from '../../src/api/core/v1.js';
import { success, unresolvable, type EnqueueExtensions, type EventRegistration, type FilterPlugin, type Status } from '../framework.js';
import { taintNodeUnschedulable, toleratesTaint } from '../../src/machinery/taints.js';
import type { NodeInfo, PodInfo } from '../nodeinfo.js';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  readonly name = NODE_UNSCHEDULABLE;

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status {
    if (!node.unschedulable) return success();
    if (toleratesTaint(pod.pod.spec.tolerations, { key: taintNodeUnschedulable, effect: 'NoSchedule' })) return success();
    return unresolvable(ERR_REASON_UNSCHEDULABLE);
  }

  events(): EventRegistration[] {
    return [
      { event: 'NodeAdd' },
      {
        event: 'NodeSpecUnschedulable',
        hint: (_pod, _old, next) => !(next as Node).spec.unschedulable,
      },
    ];
  }
}
