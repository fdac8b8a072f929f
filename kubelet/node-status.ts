// The node's status as the kubelet's status setters build it (capacity and
// allocatable, addresses, daemon endpoints, nodeInfo, conditions), and the
// reporter that writes it through nodes/status when something changed or the
// report period has passed.
import type { Logger } from 'pino';
import type { Node, NodeCondition, NodeStatus, NodeSystemInfo } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { rfc3339 } from '../src/client/events.js';
import type { ResourceRef, RestClient } from '../src/client/index.js';
import { parseQuantity, Quantity } from '../src/machinery/quantity.js';

export const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
export type NodeObject = Node & KubeObject;

/** Kubernetes' default hard eviction thresholds, held back from allocatable. */
const EVICTION_MEMORY_BYTES = 100n * 1024n * 1024n;
const EVICTION_NODEFS_PERCENT = 10n;

export interface NodeResources {
  /** cores, e.g. "4" or "3500m" */
  cpu: string;
  /** a quantity ("8Gi"), or bytes as the machine reports them (printed in binary units, as cadvisor's are) */
  memory: string | number;
  pods: number;
  /** the root dir's filesystem size */
  ephemeralStorageBytes: number;
}

export function nodeCapacity(r: NodeResources): Record<string, string> {
  return {
    cpu: parseQuantity(r.cpu).toString(),
    'ephemeral-storage': Quantity.fromInt(BigInt(Math.floor(r.ephemeralStorageBytes)), 'BinarySI').toString(),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: typeof r.memory === 'number' ? Quantity.fromInt(BigInt(Math.floor(r.memory)), 'BinarySI').toString() : parseQuantity(r.memory).toString(),
    pods: String(r.pods),
  };
}

/** Capacity less the eviction thresholds (no system or kube reservations). */
export function nodeAllocatable(capacity: Record<string, string>): Record<string, string> {
  const out = { ...capacity };
  const memory = parseQuantity(capacity.memory ?? '0').valueBig() - EVICTION_MEMORY_BYTES;
  out.memory = Quantity.fromInt(memory > 0n ? memory : 0n, 'BinarySI').toString();
  const storage = parseQuantity(capacity['ephemeral-storage'] ?? '0').valueBig();
  out['ephemeral-storage'] = Quantity.fromInt(storage - (storage * EVICTION_NODEFS_PERCENT) / 100n, 'DecimalSI').toString();
  return out;
}

export interface NodeStatusInputs {
  nodeIP: string;
  hostname: string;
  kubeletPort: number;
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  nodeInfo: NodeSystemInfo;
  /** why the node is not ready (runtime down, ...); undefined when ready */
  notReadyReason?: string;
}

interface ConditionSpec {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

function conditionSpecs(notReady: string | undefined): ConditionSpec[] {
  return [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    notReady
      ? { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: notReady }
      : { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  ];
}

/**
 * The status to report. A condition keeps its lastTransitionTime while its
 * status stays what the previous status said; every condition's
 * lastHeartbeatTime is now.
 */
export function desiredNodeStatus(inputs: NodeStatusInputs, previous: NodeStatus | undefined, nowMs: number): NodeStatus {
  const now = rfc3339(nowMs);
  const conditions: NodeCondition[] = conditionSpecs(inputs.notReadyReason).map((c) => {
    const prev = previous?.conditions?.find((p) => p.type === c.type);
    const transition = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
    return { type: c.type, status: c.status, lastHeartbeatTime: now, lastTransitionTime: transition, reason: c.reason, message: c.message };
  });
  return {
    capacity: inputs.capacity,
    allocatable: inputs.allocatable,
    conditions,
    addresses: [
      { type: 'InternalIP', address: inputs.nodeIP },
      { type: 'Hostname', address: inputs.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: inputs.kubeletPort } },
    nodeInfo: inputs.nodeInfo,
  };
}

function withoutHeartbeats(s: NodeStatus | undefined): unknown {
  if (!s) return undefined;
  return {
    capacity: s.capacity,
    allocatable: s.allocatable,
    conditions: (s.conditions ?? []).map(({ lastHeartbeatTime: _h, ...rest }) => rest),
    addresses: s.addresses,
    daemonEndpoints: s.daemonEndpoints,
    nodeInfo: s.nodeInfo,
  };
}

/** Whether anything but heartbeat times differs (Kubernetes' nodeStatusHasChanged). */
export function nodeStatusChanged(a: NodeStatus | undefined, b: NodeStatus | undefined): boolean {
  return !deepEqual(withoutHeartbeats(a), withoutHeartbeats(b));
}

/** Structural equality of JSON values, ignoring key order. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual(ao[k], bo[k]));
}

export interface NodeStatusReporterOptions {
  client: RestClient;
  nodeName: string;
  /** builds the inputs afresh (runtime health may change) */
  inputs: () => Promise<NodeStatusInputs>;
  /** write at least this often even when nothing changed; Kubernetes' 1 min */
  reportFrequencyMs: number;
  now?: () => number;
  log?: Logger;
}

/**
 * Writes node status with a merge patch of the fields the kubelet owns (no
 * resourceVersion: the kubelet is the only writer of these, and the node
 * lifecycle controller's Unknown conditions must simply be overwritten).
 */
export class NodeStatusReporter {
  private last?: NodeStatus;
  private lastReportAt = -Infinity;
  private readonly now: () => number;

  constructor(private readonly opts: NodeStatusReporterOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Seeds the previous status (the registered node's), so transition times carry over a restart. */
  seed(status: NodeStatus | undefined): void {
    this.last = status;
  }

  /** Reports if something changed or the report period passed; returns whether it wrote. */
  async update(force = false): Promise<boolean> {
    const now = this.now();
    const status = desiredNodeStatus(await this.opts.inputs(), this.last, now);
    const nodes = this.opts.client.resource<NodeObject>(nodesRef);
    const unchanged = this.lastReportAt > -Infinity && !nodeStatusChanged(this.last, status) && now - this.lastReportAt < this.opts.reportFrequencyMs;
    // As Kubernetes' kubelet, compare with the server's copy too: the node lifecycle controller may
    // have set the conditions Unknown while this kubelet was away, and that must be corrected at once.
    if (!force && unchanged && !(await this.serverDisagrees(nodes, status))) return false;
    await nodes.patchStatus(undefined, this.opts.nodeName, { status }, 'merge');
    this.last = status;
    this.lastReportAt = now;
    return true;
  }

  private async serverDisagrees(nodes: ReturnType<RestClient['resource']>, status: NodeStatus): Promise<boolean> {
    let server: NodeObject;
    try {
      server = (await nodes.get(undefined, this.opts.nodeName, { resourceVersion: '0' })) as NodeObject;
    } catch {
      return false;
    }
    const onServer = new Map((server.status?.conditions ?? []).map((c) => [c.type, c.status]));
    return (status.conditions ?? []).some((c) => onServer.get(c.type) !== c.status);
  }

  /** The last status written (or seeded). */
  get lastStatus(): NodeStatus | undefined {
    return this.last;
  }
}
