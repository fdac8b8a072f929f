// ReplicaSet status as Kubernetes computes it from the pods the controller
// owns: counts, the ReplicaFailure condition while creating or deleting
// fails, and whether anything changed enough to be written.
import type { ReplicaSet, ReplicaSetStatus } from '../../src/api/apps/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import { selectorFromSet } from '../../src/machinery/labels.js';
import { rfc3339 } from '../../src/client/events.js';
import { isPodAvailable, isPodReady, type PodObject } from './pods.js';

export type ReplicaSetObject = ReplicaSet & KubeObject;
type Condition = NonNullable<ReplicaSetStatus['conditions']>[number];

export const replicaFailure = 'ReplicaFailure';

/** The status the pods give (observedGeneration is set when it is written). */
export function calculateStatus(rs: ReplicaSetObject, pods: PodObject[], manageError: unknown, nowMs: number): ReplicaSetStatus {
  const status: ReplicaSetStatus = { ...rs.status };
  const templateLabels = selectorFromSet(rs.spec.template.metadata?.labels ?? {});
  const minReadySeconds = rs.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateLabels.matches(pod.metadata.labels ?? {})) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, nowMs)) available++;
    }
  }
  const failure = status.conditions?.find((c) => c.type === replicaFailure);
  if (manageError !== undefined && !failure) {
    const diff = pods.length - (rs.spec.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const cond: Condition = {
      type: replicaFailure,
      status: 'True',
      lastTransitionTime: rfc3339(nowMs),
      reason,
      message: manageError instanceof Error ? manageError.message : String(manageError),
    };
    status.conditions = [...(status.conditions ?? []), cond];
  } else if (manageError === undefined && failure) {
    const rest = (status.conditions ?? []).filter((c) => c.type !== replicaFailure);
    if (rest.length) status.conditions = rest;
    else delete status.conditions;
  }
  status.replicas = pods.length;
  status.fullyLabeledReplicas = fullyLabeled;
  status.readyReplicas = ready;
  status.availableReplicas = available;
  return status;
}

/** True when writing status would change what readers see (counts, conditions, or a newer generation observed). */
export function statusNeedsUpdate(rs: ReplicaSetObject, next: ReplicaSetStatus): boolean {
  const cur = rs.status ?? {};
  return (
    (cur.replicas ?? 0) !== (next.replicas ?? 0) ||
    (cur.fullyLabeledReplicas ?? 0) !== (next.fullyLabeledReplicas ?? 0) ||
    (cur.readyReplicas ?? 0) !== (next.readyReplicas ?? 0) ||
    (cur.availableReplicas ?? 0) !== (next.availableReplicas ?? 0) ||
    (rs.metadata.generation ?? 0) !== (cur.observedGeneration ?? 0) ||
    JSON.stringify(cur.conditions ?? []) !== JSON.stringify(next.conditions ?? [])
  );
}
