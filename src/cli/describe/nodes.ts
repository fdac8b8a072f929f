// kubectl describe node: roles, taints, lease, conditions, addresses,
// capacity, system info, the pods running there with their requests and
// limits, and the resources they take together.
import type { Lease } from '../../api/coordination/v1.js';
import type { Container, Event, Node, Pod } from '../../api/core/v1.js';
import { parseQuantity, type Quantity } from '../../machinery/quantity.js';
import { describeEvents } from './events.js';
import { printAnnotationsMultiline, printLabelsMultiline, printTaintsMultiline } from './multiline.js';
import { rfc1123z, since } from './time.js';
import { LEVEL_0, LEVEL_1, tabbedString, type PrefixWriter } from './writer.js';

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const ZERO = parseQuantity('0');

type ResourceMap = Map<string, Quantity>;

/** findNodeRoles: node-role.kubernetes.io/<role> labels and the kubernetes.io/role label. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort(byCodeUnit);
}

function parseList(list: Record<string, string> | undefined): ResourceMap {
  const out: ResourceMap = new Map();
  for (const [k, v] of Object.entries(list ?? {})) {
    try {
      out.set(k, parseQuantity(v));
    } catch {
      // A quantity the server accepted always parses; anything else is left out.
    }
  }
  return out;
}

function addInto(into: ResourceMap, list: ResourceMap): void {
  for (const [k, q] of list) into.set(k, (into.get(k) ?? ZERO).add(q));
}

function maxInto(into: ResourceMap, list: ResourceMap): void {
  for (const [k, q] of list) {
    const cur = into.get(k);
    if (!cur || q.cmp(cur) > 0) into.set(k, q);
  }
}

/**
 * PodRequestsAndLimits for one side (requests or limits): the containers'
 * sum, sidecars (restartable init containers) added to it, at least what any
 * init container needs while it runs, plus the pod overhead (for limits only
 * on resources that have a limit).
 */
function podResources(pod: Pod, side: 'requests' | 'limits'): ResourceMap {
  const of = (c: Container): ResourceMap => parseList(c.resources?.[side]);
  const total: ResourceMap = new Map();
  for (const c of pod.spec.containers) addInto(total, of(c));
  const sidecars: ResourceMap = new Map();
  const initMax: ResourceMap = new Map();
  for (const c of pod.spec.initContainers ?? []) {
    if (c.restartPolicy === 'Always') {
      addInto(total, of(c));
      addInto(sidecars, of(c));
      maxInto(initMax, sidecars);
    } else {
      const running: ResourceMap = new Map();
      addInto(running, of(c));
      addInto(running, sidecars);
      maxInto(initMax, running);
    }
  }
  maxInto(total, initMax);
  for (const [k, q] of parseList(pod.spec.overhead)) {
    if (side === 'requests' || total.has(k)) total.set(k, (total.get(k) ?? ZERO).add(q));
  }
  return total;
}

/** int64(float64(a) / float64(b) * 100), 0 where the divisor is. */
function percent(part: number, whole: number): number {
  if (whole === 0) return 0;
  return Math.trunc((part / whole) * 100);
}

const qty = (m: ResourceMap, k: string): Quantity => m.get(k) ?? ZERO;

const isHugePages = (name: string): boolean => name.startsWith('hugepages-');
const isStandardContainerResource = (name: string): boolean =>
  name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || isHugePages(name);

function describeNodeResource(pods: Pod[], node: Node, w: PrefixWriter, now: number): void {
  w.write(LEVEL_0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(LEVEL_1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
  w.write(LEVEL_1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n');
  const allocatable = parseList(
    node.status?.allocatable && Object.keys(node.status.allocatable).length > 0 ? node.status.allocatable : node.status?.capacity,
  );
  const allocCpu = qty(allocatable, 'cpu').milliValue();
  const allocMem = qty(allocatable, 'memory').value();
  const allocEph = qty(allocatable, 'ephemeral-storage').value();
  const reqs: ResourceMap = new Map();
  const limits: ResourceMap = new Map();
  for (const pod of pods) {
    const r = podResources(pod, 'requests');
    const l = podResources(pod, 'limits');
    addInto(reqs, r);
    addInto(limits, l);
    const cpuR = qty(r, 'cpu');
    const cpuL = qty(l, 'cpu');
    const memR = qty(r, 'memory');
    const memL = qty(l, 'memory');
    w.write(
      LEVEL_1,
      `${pod.metadata.namespace ?? ''}\t${pod.metadata.name ?? ''}\t\t` +
        `${cpuR} (${percent(cpuR.milliValue(), allocCpu)}%)\t${cpuL} (${percent(cpuL.milliValue(), allocCpu)}%)\t` +
        `${memR} (${percent(memR.value(), allocMem)}%)\t${memL} (${percent(memL.value(), allocMem)}%)\t` +
        `${since(pod.metadata.creationTimestamp, now)}\n`,
    );
  }
  w.write(LEVEL_0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
  w.write(LEVEL_1, 'Resource\tRequests\tLimits\n');
  w.write(LEVEL_1, '--------\t--------\t------\n');
  const line = (name: string, r: Quantity, l: Quantity, milli: boolean, whole: number): void => {
    const rv = milli ? r.milliValue() : r.value();
    const lv = milli ? l.milliValue() : l.value();
    w.write(LEVEL_1, `${name}\t${r} (${percent(rv, whole)}%)\t${l} (${percent(lv, whole)}%)\n`);
  };
  line('cpu', qty(reqs, 'cpu'), qty(limits, 'cpu'), true, allocCpu);
  line('memory', qty(reqs, 'memory'), qty(limits, 'memory'), false, allocMem);
  line('ephemeral-storage', qty(reqs, 'ephemeral-storage'), qty(limits, 'ephemeral-storage'), false, allocEph);
  const names = [...allocatable.keys()].sort(byCodeUnit);
  for (const name of names.filter(isHugePages)) {
    line(name, qty(reqs, name), qty(limits, name), false, qty(allocatable, name).value());
  }
  for (const name of names.filter((n) => !isStandardContainerResource(n) && n !== 'pods')) {
    w.write(LEVEL_1, `${name}\t${qty(reqs, name)}\t${qty(limits, name)}\n`);
  }
}

/** The node's Lease in kube-node-lease, or the error that kept it from being read. */
export type NodeLease = { lease: Lease } | { error: string };

export function describeNode(
  node: Node,
  pods: Pod[] | undefined,
  lease: NodeLease | undefined,
  events: Event[] | undefined,
  now: number,
): string {
  return tabbedString((w) => {
    const st = node.status ?? {};
    w.write(LEVEL_0, `Name:\t${node.metadata.name ?? ''}\n`);
    const roles = nodeRoles(node);
    w.write(LEVEL_0, `Roles:\t${roles.length > 0 ? roles.join(',') : '<none>'}\n`);
    printLabelsMultiline(w, 'Labels', node.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', node.metadata.annotations);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(node.metadata.creationTimestamp)}\n`);
    printTaintsMultiline(w, 'Taints', node.spec.taints);
    w.write(LEVEL_0, `Unschedulable:\t${node.spec.unschedulable ? 'true' : 'false'}\n`);
    if (lease) {
      if ('error' in lease) {
        w.write(LEVEL_0, `Lease:\tFailed to get lease: ${lease.error}\n`);
      } else {
        const spec = lease.lease.spec;
        w.write(LEVEL_0, 'Lease:\n');
        w.write(LEVEL_1, `HolderIdentity:\t${spec.holderIdentity ?? '<unset>'}\n`);
        w.write(LEVEL_1, `AcquireTime:\t${spec.acquireTime ? rfc1123z(spec.acquireTime) : '<unset>'}\n`);
        w.write(LEVEL_1, `RenewTime:\t${spec.renewTime ? rfc1123z(spec.renewTime) : '<unset>'}\n`);
      }
    }
    if (st.conditions && st.conditions.length > 0) {
      w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
      w.write(LEVEL_1, '----\t------\t-----------------\t------------------\t------\t-------\n');
      for (const c of st.conditions) {
        w.write(
          LEVEL_1,
          `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`,
        );
      }
    }
    w.write(LEVEL_0, 'Addresses:\n');
    for (const a of st.addresses ?? []) w.write(LEVEL_1, `${a.type}:\t${a.address}\n`);
    const printList = (list: Record<string, string>): void => {
      for (const name of Object.keys(list).sort(byCodeUnit)) {
        let value = list[name]!;
        try {
          value = parseQuantity(value).toString();
        } catch {
          // shown as stored
        }
        w.write(LEVEL_0, `  ${name}:\t${value}\n`);
      }
    };
    if (st.capacity && Object.keys(st.capacity).length > 0) {
      w.write(LEVEL_0, 'Capacity:\n');
      printList(st.capacity);
    }
    if (st.allocatable && Object.keys(st.allocatable).length > 0) {
      w.write(LEVEL_0, 'Allocatable:\n');
      printList(st.allocatable);
    }
    const info = st.nodeInfo;
    w.write(LEVEL_0, 'System Info:\n');
    w.write(LEVEL_0, `  Machine ID:\t${info?.machineID ?? ''}\n`);
    w.write(LEVEL_0, `  System UUID:\t${info?.systemUUID ?? ''}\n`);
    w.write(LEVEL_0, `  Boot ID:\t${info?.bootID ?? ''}\n`);
    w.write(LEVEL_0, `  Kernel Version:\t${info?.kernelVersion ?? ''}\n`);
    w.write(LEVEL_0, `  OS Image:\t${info?.osImage ?? ''}\n`);
    w.write(LEVEL_0, `  Operating System:\t${info?.operatingSystem ?? ''}\n`);
    w.write(LEVEL_0, `  Architecture:\t${info?.architecture ?? ''}\n`);
    w.write(LEVEL_0, `  Container Runtime Version:\t${info?.containerRuntimeVersion ?? ''}\n`);
    w.write(LEVEL_0, `  Kubelet Version:\t${info?.kubeletVersion ?? ''}\n`);
    w.write(LEVEL_0, `  Kube-Proxy Version:\t${info?.kubeProxyVersion ?? ''}\n`);
    if (node.spec.podCIDR) w.write(LEVEL_0, `PodCIDR:\t${node.spec.podCIDR}\n`);
    if (node.spec.podCIDRs && node.spec.podCIDRs.length > 0) w.write(LEVEL_0, `PodCIDRs:\t${node.spec.podCIDRs.join(',')}\n`);
    if (node.spec.providerID) w.write(LEVEL_0, `ProviderID:\t${node.spec.providerID}\n`);
    if (pods) describeNodeResource(pods, node, w, now);
    else w.write(LEVEL_0, 'Pods:\tnot authorized\n');
    if (events) describeEvents(w, events, now);
  });
}
