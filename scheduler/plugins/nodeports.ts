// NodePorts: two pods cannot hold the same host port (protocol and port, on
// the same host IP or 0.0.0.0) on one node.
import { skip, success, unschedulable, type CycleState, type EnqueueExtensions, type EventRegistration, type FilterPlugin, type PreFilterPlugin, type Status } from '../framework.js';
import type { NodeInfo, PodInfo } from '../nodeinfo.js';

export const NODE_PORTS = 'NodePorts';
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NODE_PORTS;

  preFilter(_state: CycleState, pod: PodInfo): Status {
    return pod.hostPorts.length === 0 ? skip() : success();
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    for (const p of pod.hostPorts) if (node.usedPorts.conflicts(p)) return unschedulable(ERR_REASON_NODE_PORTS);
    return success();
  }

  events(): EventRegistration[] {
    return [{ event: 'NodeAdd' }, { event: 'AssignedPodDelete' }];
  }
}
