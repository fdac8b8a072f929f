// One pass of the StatefulSet's update (Kubernetes' stateful_set_control.go
// updateStatefulSet), against a PodControl that does the writes:
//   1. every ordinal in [start, start+replicas) gets a pod; failed and
//      succeeded pods are recreated; under OrderedReady each pod waits for
//      all lower ordinals to be Running and Ready (and available);
//   2. pods above the range are deleted from the highest ordinal down, one
//      at a time under OrderedReady, and only once the rest are healthy;
//   3. under RollingUpdate, the highest-ordinal pod at or above `partition`
//      that is not at the update revision is deleted (step 1 recreates it
//      at the update revision next pass), one at a time, waiting for each
//      to be healthy again.
// Parallel management does steps 1 and 2 without waiting between pods.
import type { PodTemplateSpec } from '../../src/api/core/v1.js';
import type { OwnerReference } from '../../src/api/meta.js';
import type { StatefulSetStatus } from '../../src/api/apps/v1.js';
import { isPodAvailable, isPodReady, type PodObject } from '../replicaset/pods.js';
import {
  endOrdinal,
  identityMatches,
  inOrdinalRange,
  newStatefulSetPod,
  ordinalOf,
  podRevision,
  startOrdinal,
  type StatefulSetObject,
} from './identity.js';

/** The writes one pass makes; the controller sends them to the apiserver, tests record them. */
export interface StatefulPodControl {
  create(pod: PodObject): Promise<void>;
  delete(pod: PodObject): Promise<void>;
  /** restores identity labels a pod lost */
  updateIdentity(pod: PodObject): Promise<void>;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface Revision {
  name: string;
  template: PodTemplateSpec;
}

export interface UpdateInput {
  set: StatefulSetObject;
  current: Revision;
  update: Revision;
  collisionCount: number;
  /** the pods the set owns */
  pods: PodObject[];
  controllerRef: OwnerReference;
  nowMs: number;
}

// A pod not yet created: a placeholder from newStatefulSetPod has no phase.
const isCreated = (p: PodObject): boolean => (p.status?.phase ?? '') !== '';
const isFailed = (p: PodObject): boolean => p.status?.phase === 'Failed';
const isSucceeded = (p: PodObject): boolean => p.status?.phase === 'Succeeded';
const isTerminating = (p: PodObject): boolean => p.metadata.deletionTimestamp !== undefined;
const isRunningAndReady = (p: PodObject): boolean => p.status?.phase === 'Running' && isPodReady(p);
const isHealthy = (p: PodObject): boolean => isRunningAndReady(p) && !isTerminating(p);

export function computeReplicaCounts(
  lists: readonly (readonly (PodObject | undefined)[])[],
  minReadySeconds: number,
  currentRevision: string,
  updateRevision: string,
  nowMs: number,
): Required<Pick<StatefulSetStatus, 'replicas' | 'readyReplicas' | 'availableReplicas' | 'currentReplicas' | 'updatedReplicas'>> {
  const c = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const list of lists) {
    for (const pod of list) {
      if (!pod) continue;
      if (isCreated(pod)) c.replicas++;
      if (isRunningAndReady(pod)) {
        c.readyReplicas++;
        if (isPodAvailable(pod, minReadySeconds, nowMs)) c.availableReplicas++;
      }
      if (isCreated(pod) && !isTerminating(pod)) {
        const rev = podRevision(pod);
        if (rev === currentRevision) c.currentReplicas++;
        if (rev === updateRevision) c.updatedReplicas++;
      }
    }
  }
  return c;
}

/**
 * The pass itself: the status it leaves (before completeRollingUpdate) and
 * the error that stopped it, if a write failed; the status is worth writing
 * either way.
 */
export async function updateStatefulSet(input: UpdateInput, control: StatefulPodControl): Promise<{ status: StatefulSetStatus; error?: unknown }> {
  const { set, current, update, pods, nowMs } = input;
  const minReady = set.spec.minReadySeconds ?? 0;
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata.generation ?? 0,
    currentRevision: current.name,
    updateRevision: update.name,
    collisionCount: input.collisionCount,
  };
  const start = startOrdinal(set);
  const replicaCount = Math.max(0, endOrdinal(set) - start + 1);
  const replicas: PodObject[] = new Array<PodObject>(replicaCount);
  const condemned: PodObject[] = [];
  for (const pod of pods) {
    if (inOrdinalRange(set, pod)) replicas[ordinalOf(pod) - start] = pod;
    else if (ordinalOf(pod) >= 0) condemned.push(pod);
  }
  const partition = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
  const rolling = (set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  /** newVersionedStatefulSetPod: below the partition a pod keeps the current revision. */
  const versioned = (ordinal: number): PodObject =>
    rolling && ordinal < start + partition
      ? newStatefulSetPod(set, current.template, current.name, ordinal, input.controllerRef)
      : newStatefulSetPod(set, update.template, update.name, ordinal, input.controllerRef);
  for (let i = 0; i < replicaCount; i++) replicas[i] ??= versioned(start + i);
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));

  let firstUnhealthy: PodObject | undefined;
  for (const p of replicas) if (!isHealthy(p)) firstUnhealthy ??= p;
  for (let i = condemned.length - 1; i >= 0; i--) if (!isHealthy(condemned[i]!)) firstUnhealthy ??= condemned[i];

  const setCounts = (): void => {
    Object.assign(status, computeReplicaCounts([replicas, condemned], minReady, current.name, update.name, nowMs));
  };
  setCounts();
  if (set.metadata.deletionTimestamp) return { status };

  const monotonic = (set.spec.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
  const setName = `${set.metadata.namespace}/${set.metadata.name}`;

  /** processReplica: true when an OrderedReady pass must stop here. */
  const processReplica = async (i: number): Promise<boolean> => {
    let pod = replicas[i]!;
    if (isFailed(pod) || isSucceeded(pod)) {
      control.event(
        'Warning',
        isFailed(pod) ? 'RecreatingFailedPod' : 'RecreatingTerminatedPod',
        `StatefulSet ${setName} is recreating ${isFailed(pod) ? 'failed' : 'terminated'} Pod ${pod.metadata.name}`,
      );
      await control.delete(pod);
      pod = replicas[i] = versioned(start + i);
    }
    if (!isCreated(pod)) {
      await control.create(pod);
      // One pod at a time: the next waits until this one is Running and Ready.
      if (monotonic) return true;
    }
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isPodAvailable(pod, minReady, nowMs))) return true;
    if (isCreated(pod) && !identityMatches(set, pod)) await control.updateIdentity(pod);
    return false;
  };

  /** processCondemned: true when an OrderedReady pass must stop here. */
  const processCondemned = async (i: number): Promise<boolean> => {
    const pod = condemned[i]!;
    if (isTerminating(pod)) return monotonic;
    // Under OrderedReady only the first unhealthy pod may go while something is unhealthy.
    if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isPodAvailable(pod, minReady, nowMs))) return true;
    await control.delete(pod);
    return true;
  };

  const runForAll = async (count: number, fn: (i: number) => Promise<boolean>): Promise<boolean> => {
    if (monotonic) {
      for (let i = 0; i < count; i++) if (await fn(i)) return true;
      return false;
    }
    const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => fn(i)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return false;
  };

  try {
    if (await runForAll(replicaCount, processReplica)) return { status };
    // Under OrderedReady every replica is now Running, Ready and available: scale down may proceed.
    if (await runForAll(condemned.length, processCondemned)) return { status };
  } catch (error) {
    return { status, error };
  } finally {
    setCounts();
  }
  if (!rolling) return { status };

  for (let target = replicaCount - 1; target >= partition; target--) {
    const pod = replicas[target]!;
    if (podRevision(pod) !== update.name && !isTerminating(pod)) {
      try {
        await control.delete(pod);
      } catch (error) {
        return { status, error };
      }
      status.currentReplicas = (status.currentReplicas ?? 0) - 1;
      return { status };
    }
    // Wait for the pod just replaced to come back healthy before the next.
    if (!isHealthy(pod)) return { status };
  }
  return { status };
}

/** completeRollingUpdate: once every pod is updated and ready the update revision becomes the current one. */
export function completeRollingUpdate(set: StatefulSetObject, status: StatefulSetStatus): StatefulSetStatus {
  const rolling = (set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  if (rolling && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
    return { ...status, currentReplicas: status.updatedReplicas ?? 0, currentRevision: status.updateRevision ?? '' };
  }
  return status;
}

/** inconsistentStatus: whether the status differs from what the set shows. */
export function statusChanged(set: StatefulSetObject, next: StatefulSetStatus): boolean {
  const cur = set.status ?? {};
  return (
    (cur.observedGeneration ?? 0) !== (next.observedGeneration ?? 0) ||
    (cur.replicas ?? 0) !== (next.replicas ?? 0) ||
    (cur.readyReplicas ?? 0) !== (next.readyReplicas ?? 0) ||
    (cur.currentReplicas ?? 0) !== (next.currentReplicas ?? 0) ||
    (cur.updatedReplicas ?? 0) !== (next.updatedReplicas ?? 0) ||
    (cur.availableReplicas ?? 0) !== (next.availableReplicas ?? 0) ||
    (cur.currentRevision ?? '') !== (next.currentRevision ?? '') ||
    (cur.updateRevision ?? '') !== (next.updateRevision ?? '') ||
    (cur.collisionCount ?? 0) !== (next.collisionCount ?? 0)
  );
}
