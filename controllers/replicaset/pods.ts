// What the ReplicaSet controller needs to know about pods (Kubernetes'
// podutil and controller_utils): which pods count, which are ready and
// available, which to delete first when scaling down, and how to make a pod
// from a template.
import type { Pod, PodTemplateSpec } from '../../src/api/core/v1.js';
import type { KubeObject, OwnerReference } from '../../src/api/meta.js';

export type PodObject = Pod & KubeObject;

/** Succeeded and failed pods, and pods being deleted, no longer count towards replicas. */
export function isPodActive(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

function readyCondition(pod: PodObject) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: PodObject): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds (measured from the Ready condition's lastTransitionTime). */
export function isPodAvailable(pod: PodObject, minReadySeconds: number, nowMs: number): boolean {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  if (!c.lastTransitionTime) return false;
  const since = Date.parse(c.lastTransitionTime);
  return Number.isFinite(since) && since + minReadySeconds * 1000 < nowMs;
}

/** When a ready pod becomes available, for requeueing a sync at that moment; undefined when never (not ready). */
export function availableAtMs(pod: PodObject, minReadySeconds: number): number | undefined {
  const c = readyCondition(pod);
  if (c?.status !== 'True' || !c.lastTransitionTime) return undefined;
  return Date.parse(c.lastTransitionTime) + minReadySeconds * 1000;
}

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function maxRestarts(pod: PodObject): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((s) => s.restartCount ?? 0));
}

function deletionCost(pod: PodObject): number {
  const v = pod.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

function time(s: string | null | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * Orders pods so the first ones are the best to delete (Kubernetes'
 * ActivePodsWithRanks): unscheduled before scheduled; Pending before Unknown
 * before Running; not ready before ready; lower pod-deletion-cost first; more
 * pods of the same owner on its node first (rank); ready for less time first;
 * more container restarts first; newer before older.
 */
export function compareForDeletion(a: PodObject, b: PodObject, rankA = 0, rankB = 0): number {
  const scheduledA = a.spec?.nodeName ? 1 : 0;
  const scheduledB = b.spec?.nodeName ? 1 : 0;
  if (scheduledA !== scheduledB) return scheduledA - scheduledB;
  const phaseA = phaseOrdinal[a.status?.phase ?? 'Pending'] ?? 0;
  const phaseB = phaseOrdinal[b.status?.phase ?? 'Pending'] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a) ? 1 : 0;
  const readyB = isPodReady(b) ? 1 : 0;
  if (readyA !== readyB) return readyA - readyB;
  const costA = deletionCost(a);
  const costB = deletionCost(b);
  if (costA !== costB) return costA - costB;
  if (rankA !== rankB) return rankB - rankA;
  if (readyA && readyB) {
    const sinceA = time(readyCondition(a)?.lastTransitionTime);
    const sinceB = time(readyCondition(b)?.lastTransitionTime);
    if (sinceA !== sinceB) {
      if (sinceA === undefined) return -1;
      if (sinceB === undefined) return 1;
      return sinceB - sinceA;
    }
  }
  const restartsA = maxRestarts(a);
  const restartsB = maxRestarts(b);
  if (restartsA !== restartsB) return restartsB - restartsA;
  const createdA = time(a.metadata.creationTimestamp);
  const createdB = time(b.metadata.creationTimestamp);
  if (createdA !== createdB) {
    if (createdA === undefined) return -1;
    if (createdB === undefined) return 1;
    return createdB - createdA;
  }
  return 0;
}

/**
 * The diff pods to delete: ranked by compareForDeletion, where a pod's rank is
 * how many pods of the owner and its siblings (related) share its node.
 */
export function podsToDelete(pods: PodObject[], related: PodObject[], diff: number): PodObject[] {
  if (diff >= pods.length) return pods.slice();
  const perNode = new Map<string, number>();
  const seen = new Set<string>();
  for (const p of [...related, ...pods]) {
    const uid = p.metadata.uid ?? '';
    if (seen.has(uid) || !p.spec?.nodeName || !isPodActive(p)) continue;
    seen.add(uid);
    perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  }
  const rank = (p: PodObject): number => (p.spec?.nodeName ? (perNode.get(p.spec.nodeName) ?? 0) : 0);
  return pods
    .map((p) => ({ p, r: rank(p) }))
    .sort((x, y) => compareForDeletion(x.p, y.p, x.r, y.r))
    .slice(0, diff)
    .map((x) => x.p);
}

/** getPodsPrefix: "<owner>-" as generateName, the owner's name alone if that would be too long. */
export function podNamePrefix(ownerName: string): string {
  const prefix = `${ownerName}-`;
  // generateName gets 5 random characters appended and must stay a valid DNS subdomain label run (63)
  return prefix.length <= 58 ? prefix : ownerName.slice(0, 58);
}

/** GetPodFromTemplate: what the controller posts to create one pod. */
export function podFromTemplate(template: PodTemplateSpec, ownerName: string, namespace: string, controllerRef: OwnerReference): PodObject {
  const meta = template.metadata ?? {};
  const labels = meta.labels ?? {};
  if (Object.keys(labels).length === 0) throw new Error('unable to create pods, no labels');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: podNamePrefix(ownerName),
      namespace,
      labels: { ...labels },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerRef],
    },
    spec: structuredClone(template.spec ?? { containers: [] }),
  };
}
