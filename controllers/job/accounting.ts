// Counting a Job's finished pods exactly once (Kubernetes' pod tracking with
// the batch.kubernetes.io/job-tracking finalizer):
//   1. every pod is created with the finalizer, so it cannot vanish before
//      it is counted;
//   2. a finished pod still carrying the finalizer is new: its uid goes into
//      status.uncountedTerminatedPods, and that status is written;
//   3. then the finalizer is removed from the pod;
//   4. uids in uncountedTerminatedPods whose pod no longer carries the
//      finalizer (or is gone) move into status.succeeded / status.failed.
// A pod without the finalizer is never counted again, a uid already in the
// uncounted lists is never added twice, and pods whose finalizer removal is
// in flight (the cache has not shown it yet) are skipped, so no pod is
// counted twice even when the controller restarts between two steps.
import type { JobCondition, JobStatus } from '../../src/api/batch/v1.js';
import type { PodObject } from '../replicaset/pods.js';
import { jobComplete, jobFailed, jobFailureTarget, jobSuccessCriteriaMet, newCondition } from './conditions.js';
import { completionIndexOf, formatIndexes } from './indexes.js';
import { hasTrackingFinalizer, isIndexed, isPodFailed, matchPodFailurePolicy, type JobObject } from './pods.js';

/** MaxUncountedPods: how many pods one status write may add, keeping the status small. */
export const maxUncountedPods = 500;

export interface Uncounted {
  succeeded: Set<string>;
  failed: Set<string>;
}

export function uncountedOf(status: JobStatus | undefined): Uncounted {
  return {
    succeeded: new Set(status?.uncountedTerminatedPods?.succeeded ?? []),
    failed: new Set(status?.uncountedTerminatedPods?.failed ?? []),
  };
}

/** getNewFinishedPods: finished pods still carrying the finalizer and not yet in the uncounted lists. */
export function newFinishedPods(
  job: JobObject,
  pods: readonly PodObject[],
  uncounted: Uncounted,
  expectedRmFinalizers: ReadonlySet<string>,
): { succeeded: PodObject[]; failed: PodObject[] } {
  const completions = job.spec.completions ?? 0;
  const valid = (p: PodObject, skip: ReadonlySet<string>): boolean => {
    const uid = p.metadata.uid ?? '';
    if (!hasTrackingFinalizer(p) || skip.has(uid) || expectedRmFinalizers.has(uid)) return false;
    if (isIndexed(job)) {
      const ix = completionIndexOf(p);
      if (ix < 0 || ix >= completions) return false;
    }
    return true;
  };
  return {
    succeeded: pods.filter((p) => valid(p, uncounted.succeeded) && p.status?.phase === 'Succeeded'),
    failed: pods.filter((p) => valid(p, uncounted.failed) && isPodFailed(p, job)),
  };
}

/** nonIgnoredFailedPodsCount: failures an Ignore rule of the pod failure policy does not discount. */
export function countedFailures(job: JobObject, failed: readonly PodObject[]): number {
  if (!job.spec.podFailurePolicy) return failed.length;
  return failed.filter((p) => matchPodFailurePolicy(job.spec.podFailurePolicy, p).countFailed).length;
}

/** How many pods should be running (manageJob's wantActive). */
export function wantActive(job: JobObject, active: number, succeeded: number): number {
  const parallelism = job.spec.parallelism ?? 1;
  if (job.spec.completions === undefined) {
    // Once any pod has succeeded the rest are left to finish and none is added.
    return succeeded > 0 ? active : parallelism;
  }
  return Math.max(0, Math.min(parallelism, job.spec.completions - succeeded));
}

/** Whether the Job has reached success: completions succeeded (or any, without completions) and nothing running. */
export function isComplete(job: JobObject, succeeded: number, active: number): boolean {
  if (active !== 0) return false;
  return job.spec.completions === undefined ? succeeded > 0 : succeeded >= job.spec.completions;
}

/** cleanUncountedPodsWithoutFinalizers: moves uids whose finalizer is gone into the counters; true when anything moved. */
export function cleanUncounted(status: JobStatus, uidsWithFinalizer: ReadonlySet<string>): boolean {
  const u = (status.uncountedTerminatedPods ??= {});
  let changed = false;
  const succeeded = (u.succeeded ?? []).filter((uid) => uidsWithFinalizer.has(uid));
  if (succeeded.length !== (u.succeeded ?? []).length) {
    status.succeeded = (status.succeeded ?? 0) + (u.succeeded ?? []).length - succeeded.length;
    changed = true;
  }
  const failed = (u.failed ?? []).filter((uid) => uidsWithFinalizer.has(uid));
  if (failed.length !== (u.failed ?? []).length) {
    status.failed = (status.failed ?? 0) + (u.failed ?? []).length - failed.length;
    changed = true;
  }
  if (succeeded.length) u.succeeded = succeeded;
  else delete u.succeeded;
  if (failed.length) u.failed = failed;
  else delete u.failed;
  return changed;
}

export interface TrackingInput {
  job: JobObject;
  pods: readonly PodObject[];
  expectedRmFinalizers: ReadonlySet<string>;
  /** the decision reached this sync: an interim FailureTarget / SuccessCriteriaMet, or a final Failed */
  finished?: JobCondition;
  /** Indexed Jobs: indexes status.completedIndexes already lists */
  prevSucceededIndexes: readonly number[];
  nowMs: number;
}

export interface TrackingPlan {
  /** the status to write first: new uncounted uids, interim conditions, completed indexes */
  status: JobStatus;
  needsFlush: boolean;
  podsToRemoveFinalizer: PodObject[];
  /** uids still carrying the finalizer (those whose removal succeeds are taken out before counting) */
  uidsWithFinalizer: Set<string>;
  /** the terminal condition to set once nothing is uncounted or terminating */
  final?: JobCondition;
  reachedMaxUncounted: boolean;
}

/** trackJobStatusAndRemoveFinalizers up to the first status write. */
export function planTracking(input: TrackingInput, needsFlushIn: boolean): TrackingPlan {
  const { job, pods, expectedRmFinalizers, nowMs } = input;
  const status: JobStatus = structuredClone(job.status ?? {});
  status.uncountedTerminatedPods ??= {};
  const indexed = isIndexed(job);
  const completions = job.spec.completions ?? 0;
  const ordered = indexed ? [...pods].sort((a, b) => completionIndexOf(a) - completionIndexOf(b)) : pods;
  const uidsWithFinalizer = new Set<string>();
  for (const p of pods) {
    const uid = p.metadata.uid ?? '';
    if (hasTrackingFinalizer(p) && !expectedRmFinalizers.has(uid)) uidsWithFinalizer.add(uid);
  }
  let needsFlush = cleanUncounted(status, uidsWithFinalizer) || needsFlushIn;
  const uncounted = uncountedOf(status);
  const u = status.uncountedTerminatedPods;
  const addedSucceeded: string[] = [];
  const addedFailed: string[] = [];
  const prev = new Set(input.prevSucceededIndexes);
  const newIndexes: number[] = [];
  const podsToRemoveFinalizer: PodObject[] = [];
  let finished = input.finished;
  const finishing = finished !== undefined && finished.type !== jobSuccessCriteriaMet && finished.type !== jobComplete;
  let reachedMaxUncounted = false;
  for (const pod of ordered) {
    const uid = pod.metadata.uid ?? '';
    if (!hasTrackingFinalizer(pod) || expectedRmFinalizers.has(uid)) continue;
    const failed = isPodFailed(pod, job);
    const canRemove = job.metadata.deletionTimestamp !== undefined || finished !== undefined || pod.status?.phase === 'Succeeded' || failed;
    if (!canRemove) continue;
    podsToRemoveFinalizer.push(pod);
    if (pod.status?.phase === 'Succeeded' && !uncounted.failed.has(uid)) {
      if (indexed) {
        const ix = completionIndexOf(pod);
        if (ix >= 0 && ix < completions && !prev.has(ix)) {
          newIndexes.push(ix);
          needsFlush = true;
        }
      } else if (!uncounted.succeeded.has(uid)) {
        addedSucceeded.push(uid);
        needsFlush = true;
      }
    } else if (failed || finishing) {
      // A Job that has failed counts every pod it still has as failed.
      const ix = completionIndexOf(pod);
      if (!uncounted.failed.has(uid) && (!indexed || (ix >= 0 && ix < completions))) {
        if (matchPodFailurePolicy(job.spec.podFailurePolicy, pod).countFailed) {
          addedFailed.push(uid);
          needsFlush = true;
        }
      }
    }
    if (newIndexes.length + (u.succeeded?.length ?? 0) + addedSucceeded.length + (u.failed?.length ?? 0) + addedFailed.length >= maxUncountedPods) {
      reachedMaxUncounted = true;
      break;
    }
  }
  if (addedSucceeded.length) u.succeeded = [...(u.succeeded ?? []), ...addedSucceeded];
  if (addedFailed.length) u.failed = [...(u.failed ?? []), ...addedFailed];
  if (indexed) {
    const all = [...prev, ...newIndexes];
    const s = formatIndexes(all);
    if (s !== (job.status?.completedIndexes ?? '')) needsFlush = true;
    status.completedIndexes = s;
    status.succeeded = new Set(all).size;
  }
  let final: JobCondition | undefined;
  if (finished?.type === jobFailureTarget) {
    status.conditions = [...(status.conditions ?? []), finished];
    needsFlush = true;
    final = newCondition(jobFailed, 'True', finished.reason ?? '', finished.message ?? '', nowMs);
  } else if (finished?.type === jobSuccessCriteriaMet) {
    if (!(status.conditions ?? []).some((c) => c.type === jobSuccessCriteriaMet)) {
      status.conditions = [...(status.conditions ?? []), finished];
      needsFlush = true;
    }
    final = newCondition(jobComplete, 'True', finished.reason ?? '', finished.message ?? '', nowMs);
  } else if (finished) {
    final = finished;
    finished = undefined;
  }
  return { status, needsFlush, podsToRemoveFinalizer, uidsWithFinalizer, ...(final ? { final } : {}), reachedMaxUncounted };
}

/**
 * enactJobFinished: sets the terminal condition (and completionTime for
 * Complete) once every pod is counted and none is still terminating.
 * Returns whether it did.
 */
export function enactFinished(status: JobStatus, final: JobCondition | undefined, terminating: number): boolean {
  if (!final) return false;
  const u = status.uncountedTerminatedPods;
  if ((u?.succeeded?.length ?? 0) + (u?.failed?.length ?? 0) > 0) return false;
  if (terminating > 0) return false;
  const conditions = status.conditions ?? [];
  const i = conditions.findIndex((c) => c.type === final.type);
  if (i >= 0) {
    const c = conditions[i]!;
    if (c.status !== final.status || (c.reason ?? '') !== (final.reason ?? '') || (c.message ?? '') !== (final.message ?? '')) {
      conditions[i] = final;
    }
  } else {
    conditions.push(final);
  }
  status.conditions = conditions;
  if (final.type === jobComplete) status.completionTime = final.lastTransitionTime ?? '';
  return true;
}

/** JobStatus as Kubernetes serializes it: active, succeeded and failed are omitempty; ready and terminating are pointers and stay at 0. */
export function omitZeroCounts(status: JobStatus): JobStatus {
  const out = { ...status };
  if (!out.active) delete out.active;
  if (!out.succeeded) delete out.succeeded;
  if (!out.failed) delete out.failed;
  return out;
}
