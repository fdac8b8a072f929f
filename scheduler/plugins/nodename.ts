// NodeName: a pod that names its node fits only there.
import { success, unresolvable, type EnqueueExtensions, type EventRegistration, type FilterPlugin, type Status } from '../framework.js';
import type { NodeInfo, PodInfo } from '../nodeinfo.js';

export const NODE_NAME = 'NodeName';
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export class NodeName implements FilterPlugin, EnqueueExtensions {
  readonly name = NODE_NAME;

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status {
    const want = pod.pod.spec.nodeName;
    return !want || want === node.name ? success() : unresolvable(ERR_REASON_NODE_NAME);
  }

  events(): EventRegistration[] {
    return [{ event: 'NodeAdd' }];
  }
}
