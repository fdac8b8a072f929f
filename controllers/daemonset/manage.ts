// What the DaemonSet controller decides on each sync, as pure functions of
// the nodes and the pods it owns (Kubernetes' daemon controller manage,
// podsShouldBeOnNode, rollingUpdate and updateDaemonSetStatus): which nodes
// need a pod, which pods must go, which old pods a rolling update replaces
// next, and the status counts.
import type { DaemonSetStatus } from '../../src/api/apps/v1.js';
import { isPodAvailable, isPodReady, type PodObject } from '../replicaset/pods.js';
import { revisionHashLabel } from '../common/controller-revision.js';
import { scaledValueFromIntOrPercent } from '../deployment/fenceposts.js';
import { nodeShouldRunDaemonPod, targetNodeName } from './placement.js';
import type { DaemonSetObject, NodeObject } from './types.js';

/** Pods by the node they run on or are pinned to; terminal pods already being deleted are left out. */
export function podsByNode(pods: readonly PodObject[]): Map<string, PodObject[]> {
  const out = new Map<string, PodObject[]>();
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if ((phase === 'Succeeded' || phase === 'Failed') && pod.metadata.deletionTimestamp) continue;
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    const list = out.get(node);
    if (list) list.push(pod);
    else out.set(node, [pod]);
  }
  return out;
}

/** podByCreationTimestampAndPhase: bound pods first, then oldest first, then by name. */
export function compareOldestFirst(a: PodObject, b: PodObject): number {
  const boundA = a.spec?.nodeName ? 0 : 1;
  const boundB = b.spec?.nodeName ? 0 : 1;
  if (boundA !== boundB) return boundA - boundB;
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** util.AllowsSurge: a RollingUpdate whose maxSurge resolves above zero. */
export function allowsSurge(ds: DaemonSetObject): boolean {
  const s = ds.spec.updateStrategy;
  if (s?.type !== 'RollingUpdate') return false;
  try {
    return scaledValueFromIntOrPercent(s.rollingUpdate?.maxSurge, 1, true) !== 0;
  } catch {
    return false;
  }
}

export function isPodUpdated(pod: PodObject, hash: string): boolean {
  return hash !== '' && pod.metadata.labels?.[revisionHashLabel] === hash;
}

/** Deleting failed pods is backed off per node, so a kubelet rejecting the pod is not fought in a hot loop. */
export interface FailedPodBackoff {
  /** ms left before a failed pod on this node may be deleted again, 0 when it may be now (and the backoff grows) */
  tryDelete(ds: DaemonSetObject, nodeName: string, nowMs: number): number;
}

export interface ManagePlan {
  nodesNeedingPods: string[];
  podsToDelete: PodObject[];
  /** failed pods whose deletion waits for backoff: look again after this long */
  retryAfterMs?: number;
  /** failed pods found, for a Warning event each */
  failedPods: { pod: PodObject; node: string }[];
}

/** manage: for every node, create the missing daemon pod or delete the ones that should not be there. */
export function planManage(
  ds: DaemonSetObject,
  nodes: readonly NodeObject[],
  byNode: ReadonlyMap<string, PodObject[]>,
  hash: string,
  nowMs: number,
  backoff: FailedPodBackoff,
): ManagePlan {
  const plan: ManagePlan = { nodesNeedingPods: [], podsToDelete: [], failedPods: [] };
  const surge = allowsSurge(ds);
  const minReady = ds.spec.minReadySeconds ?? 0;
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const pods = byNode.get(name);
    if (shouldRun && !pods) {
      plan.nodesNeedingPods.push(name);
      continue;
    }
    if (!pods) continue;
    if (!shouldContinueRunning) {
      for (const pod of pods) if (!pod.metadata.deletionTimestamp) plan.podsToDelete.push(pod);
      continue;
    }
    const running: PodObject[] = [];
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) continue;
      const phase = pod.status?.phase;
      if (phase === 'Failed') {
        const wait = backoff.tryDelete(ds, name, nowMs);
        if (wait > 0) {
          plan.retryAfterMs = Math.min(plan.retryAfterMs ?? Infinity, wait);
          continue;
        }
        plan.failedPods.push({ pod, node: name });
        plan.podsToDelete.push(pod);
      } else if (phase === 'Succeeded') {
        plan.podsToDelete.push(pod);
      } else {
        running.push(pod);
      }
    }
    running.sort(compareOldestFirst);
    if (!surge) {
      // One pod per node: the oldest stays.
      plan.podsToDelete.push(...running.slice(1));
      continue;
    }
    // With surge a node may hold an old pod and a new one, the old one only
    // while it is ready and the new one is not yet available.
    let oldestNew: PodObject | undefined;
    let oldestOld: PodObject | undefined;
    for (const pod of running) {
      if (isPodUpdated(pod, hash)) {
        if (!oldestNew) {
          oldestNew = pod;
          continue;
        }
      } else if (!oldestOld) {
        oldestOld = pod;
        continue;
      }
      plan.podsToDelete.push(pod);
    }
    if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, minReady, nowMs))) {
      plan.podsToDelete.push(oldestOld);
    }
  }
  // Pods pinned to a node that no longer exists were never bound: nobody else will delete them.
  const names = new Set(nodes.map((n) => n.metadata.name ?? ''));
  for (const [node, pods] of byNode) {
    if (names.has(node)) continue;
    for (const pod of pods) if (!pod.spec?.nodeName && !pod.metadata.deletionTimestamp) plan.podsToDelete.push(pod);
  }
  return plan;
}

/** How many nodes should run the DaemonSet, and maxSurge and maxUnavailable resolved against that. */
export function desiredNodeCounts(ds: DaemonSetObject, nodes: readonly NodeObject[]): { desired: number; maxSurge: number; maxUnavailable: number } {
  let desired = 0;
  for (const node of nodes) if (nodeShouldRunDaemonPod(node, ds).shouldRun) desired++;
  const ru = ds.spec.updateStrategy?.rollingUpdate;
  const maxSurge = allowsSurge(ds) ? scaledValueFromIntOrPercent(ru?.maxSurge, desired, true) : 0;
  let maxUnavailable = scaledValueFromIntOrPercent(ru?.maxUnavailable, desired, true);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { desired, maxSurge, maxUnavailable };
}

/** findUpdatedPodsOnNode: the node's one new and one old pod; ok false when it has more of either (manage sorts that out first). */
function updatedPodsOnNode(pods: readonly PodObject[], hash: string): { ok: boolean; newPod?: PodObject; oldPod?: PodObject } {
  let newPod: PodObject | undefined;
  let oldPod: PodObject | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { ok: true, ...(newPod ? { newPod } : {}), ...(oldPod ? { oldPod } : {}) };
}

export interface RollingUpdatePlan {
  podsToDelete: PodObject[];
  nodesNeedingPods: string[];
}

/**
 * rollingUpdate. Without surge, old pods are deleted (and recreated by
 * manage at the new revision) while at most maxUnavailable nodes lack an
 * available pod, old unavailable pods first. With surge, a new pod is
 * started beside an old one on at most maxSurge nodes at a time and the old
 * one goes once the new one is available.
 */
export function planRollingUpdate(
  ds: DaemonSetObject,
  nodes: readonly NodeObject[],
  byNode: ReadonlyMap<string, PodObject[]>,
  hash: string,
  nowMs: number,
): RollingUpdatePlan {
  const { desired, maxSurge, maxUnavailable } = desiredNodeCounts(ds, nodes);
  const minReady = ds.spec.minReadySeconds ?? 0;
  const available = (p: PodObject): boolean => isPodAvailable(p, minReady, nowMs);
  // Nodes in Kubernetes' map iteration order would be random; by name keeps the order predictable.
  const entries = [...byNode.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (maxSurge === 0) {
    let unavailable = 0;
    const replacements: PodObject[] = [];
    const candidates: PodObject[] = [];
    for (const [, pods] of entries) {
      const { ok, newPod, oldPod } = updatedPodsOnNode(pods, hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) {
        unavailable++;
        continue;
      }
      if (newPod) {
        if (!available(newPod)) unavailable++;
        continue;
      }
      if (!available(oldPod!)) {
        replacements.push(oldPod!);
        unavailable++;
      } else if (unavailable < maxUnavailable) {
        candidates.push(oldPod!);
      }
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    return { podsToDelete: [...replacements, ...candidates.slice(0, room)], nodesNeedingPods: [] };
  }

  const nodeByName = new Map(nodes.map((n) => [n.metadata.name ?? '', n]));
  const shouldRun = (name: string): boolean => {
    const node = nodeByName.get(name);
    return node !== undefined && nodeShouldRunDaemonPod(node, ds).shouldRun;
  };
  const oldPodsToDelete: PodObject[] = [];
  const shouldNotRun: PodObject[] = [];
  const candidateNodes: string[] = [];
  const allowedNodes: string[] = [];
  let surged = 0;
  let numAvailable = 0;
  for (const [name, pods] of entries) {
    const { ok, newPod, oldPod } = updatedPodsOnNode(pods, hash);
    if (!ok) {
      surged++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod ? available(newPod) : false) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun(name)) oldPodsToDelete.push(oldPod);
        else allowedNodes.push(name);
      } else if (!shouldRun(name)) {
        shouldNotRun.push(oldPod);
      } else if (surged < maxSurge) {
        candidateNodes.push(name);
      }
      continue;
    }
    if (!available(newPod)) {
      surged++;
      continue;
    }
    oldPodsToDelete.push(oldPod);
  }
  // Pods on nodes the DaemonSet no longer wants go only once enough pods elsewhere are available.
  const deletable = Math.min(numAvailable - desired, shouldNotRun.length);
  if (deletable > 0) oldPodsToDelete.push(...shouldNotRun.slice(0, deletable));
  const room = Math.min(Math.max(0, maxSurge - surged), candidateNodes.length);
  return { podsToDelete: oldPodsToDelete, nodesNeedingPods: [...allowedNodes, ...candidateNodes.slice(0, room)] };
}

export type DaemonSetCounts = Required<
  Pick<
    DaemonSetStatus,
    | 'desiredNumberScheduled'
    | 'currentNumberScheduled'
    | 'numberMisscheduled'
    | 'numberReady'
    | 'updatedNumberScheduled'
    | 'numberAvailable'
    | 'numberUnavailable'
  >
>;

/** updateDaemonSetStatus's counts: each node that should run the pod is judged by its oldest daemon pod. */
export function calculateCounts(
  ds: DaemonSetObject,
  nodes: readonly NodeObject[],
  byNode: ReadonlyMap<string, PodObject[]>,
  hash: string,
  nowMs: number,
): DaemonSetCounts {
  const c: DaemonSetCounts = {
    desiredNumberScheduled: 0,
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    updatedNumberScheduled: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
  };
  const minReady = ds.spec.minReadySeconds ?? 0;
  for (const node of nodes) {
    const pods = byNode.get(node.metadata.name ?? '') ?? [];
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    if (!shouldRun) {
      if (pods.length) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    if (!pods.length) continue;
    c.currentNumberScheduled++;
    const pod = [...pods].sort(compareOldestFirst)[0]!;
    if (isPodReady(pod)) {
      c.numberReady++;
      if (isPodAvailable(pod, minReady, nowMs)) c.numberAvailable++;
    }
    if (isPodUpdated(pod, hash)) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}
