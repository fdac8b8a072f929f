// A StatefulSet pod's stable identity (Kubernetes' statefulset/stateful_set_utils.go):
// the name <set>-<ordinal>, the pod-name and pod-index labels, hostname and
// subdomain for DNS through the governing Service, and the revision label
// saying which template the pod was made from.
import type { StatefulSet } from '../../src/api/apps/v1.js';
import type { PodTemplateSpec } from '../../src/api/core/v1.js';
import type { KubeObject, OwnerReference } from '../../src/api/meta.js';
import { revisionHashLabel } from '../common/controller-revision.js';
import type { PodObject } from '../replicaset/pods.js';

export type StatefulSetObject = StatefulSet & KubeObject;

/** apps.StatefulSetPodNameLabel */
export const podNameLabel = 'statefulset.kubernetes.io/pod-name';
/** apps.PodIndexLabel */
export const podIndexLabel = 'apps.kubernetes.io/pod-index';

const ordinalName = /^(.*)-([0-9]+)$/;

/** getParentNameAndOrdinal: ("web", 2) for web-2; ordinal -1 when the name has none. */
export function parentAndOrdinal(podName: string): { parent: string; ordinal: number } {
  const m = ordinalName.exec(podName);
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return Number.isSafeInteger(n) && n <= 2147483647 ? { parent: m[1]!, ordinal: n } : { parent: '', ordinal: -1 };
}

export function ordinalOf(pod: KubeObject): number {
  return parentAndOrdinal(pod.metadata.name ?? '').ordinal;
}

export function podName(set: StatefulSetObject, ordinal: number): string {
  return `${set.metadata.name ?? ''}-${ordinal}`;
}

/** isMemberOf: named after this set, so the set may claim it. */
export function isMemberOf(set: StatefulSetObject, pod: KubeObject): boolean {
  return parentAndOrdinal(pod.metadata.name ?? '').parent === set.metadata.name;
}

export function startOrdinal(set: StatefulSetObject): number {
  return set.spec.ordinals?.start ?? 0;
}

/** The last ordinal the set should have (start - 1 when scaled to zero). */
export function endOrdinal(set: StatefulSetObject): number {
  return startOrdinal(set) + (set.spec.replicas ?? 1) - 1;
}

export function inOrdinalRange(set: StatefulSetObject, pod: KubeObject): boolean {
  const o = ordinalOf(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
}

export function podRevision(pod: PodObject): string {
  return pod.metadata.labels?.[revisionHashLabel] ?? '';
}

/** identityMatches: name, namespace and identity labels as the set would give them. */
export function identityMatches(set: StatefulSetObject, pod: PodObject): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod.metadata.name ?? '');
  const labels = pod.metadata.labels ?? {};
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.namespace === set.metadata.namespace &&
    labels[podNameLabel] === pod.metadata.name &&
    labels[podIndexLabel] === String(ordinal)
  );
}

/** updateIdentity: the labels a pod must carry; name and namespace cannot change on a live pod. */
export function withIdentityLabels(pod: PodObject): PodObject {
  const ordinal = ordinalOf(pod);
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      labels: { ...pod.metadata.labels, [podNameLabel]: pod.metadata.name ?? '', [podIndexLabel]: String(ordinal) },
    },
  };
}

/**
 * newStatefulSetPod: the pod for one ordinal from a template (the current or
 * the update revision's), with its identity and revision label. Hostname and
 * subdomain are set only here: they are immutable once the pod exists.
 */
export function newStatefulSetPod(
  set: StatefulSetObject,
  template: PodTemplateSpec,
  revision: string,
  ordinal: number,
  controllerRef: OwnerReference,
): PodObject {
  const meta = template.metadata ?? {};
  const name = podName(set, ordinal);
  const spec = structuredClone(template.spec ?? { containers: [] });
  spec.hostname = name;
  if (set.spec.serviceName) spec.subdomain = set.spec.serviceName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace ?? '',
      labels: { ...(meta.labels ?? {}), [podNameLabel]: name, [podIndexLabel]: String(ordinal), [revisionHashLabel]: revision },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerRef],
    },
    spec,
  };
}
