// NodeReady: a node whose Ready condition is False or Unknown (or missing)
// takes only pods that tolerate the taint the node lifecycle controller puts
// on such a node (node.kubernetes.io/not-ready or .../unreachable,
// NoSchedule), so the scheduler does not depend on that controller having
// run yet. The message is the one TaintToleration gives for that taint.
import type { Node } from '../../src/api/core/v1.js';
import { success, unresolvable, type EnqueueExtensions, type EventRegistration, type FilterPlugin, type Status } from '../framework.js';
import { toleratesTaint } from '../../src/machinery/taints.js';
import { readinessTaint, type NodeInfo, type PodInfo } from '../nodeinfo.js';
import { untoleratedTaintReason } from './tainttoleration.js';

export const NODE_READY = 'NodeReady';

export class NodeReady implements FilterPlugin, EnqueueExtensions {
  readonly name = NODE_READY;

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status {
    const taint = node.readinessTaint;
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
