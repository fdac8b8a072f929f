// Back-off between a Job's pod recreations (Kubernetes' job/backoff_utils.go):
// each failure since the last success doubles the wait before the next pod
// is created, from 10 s up to 10 minutes, measured from the
// last failure. The record is kept in memory per Job and is advanced only by
// pods counted for the first time, so each failure counts once.
import type { PodObject } from '../replicaset/pods.js';
import { finishedTimeMs } from './pods.js';

/** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const defaultPodFailureBackoffMs = 10_000;
export const maxPodFailureBackoffMs = 10 * 60_000;

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureMs?: number;
}

/** newBackoffRecord: the record after these newly finished pods. */
export function nextBackoffRecord(old: BackoffRecord | undefined, newSucceeded: readonly PodObject[], newFailed: readonly PodObject[]): BackoffRecord {
  const rec: BackoffRecord = { failuresAfterLastSuccess: old?.failuresAfterLastSuccess ?? 0, ...(old?.lastFailureMs !== undefined ? { lastFailureMs: old.lastFailureMs } : {}) };
  const failedTimes = newFailed.map(finishedTimeMs).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failedTimes.length === 0) return rec;
    return { failuresAfterLastSuccess: rec.failuresAfterLastSuccess + failedTimes.length, lastFailureMs: failedTimes[failedTimes.length - 1]! };
  }
  const lastSuccess = Math.max(...newSucceeded.map(finishedTimeMs));
  const after = failedTimes.filter((t) => t > lastSuccess);
  return after.length ? { failuresAfterLastSuccess: after.length, lastFailureMs: after[after.length - 1]! } : { failuresAfterLastSuccess: 0 };
}

/** getRemainingTime: how long pod creation must still wait. */
export function remainingBackoffMs(rec: BackoffRecord, nowMs: number, baseMs = defaultPodFailureBackoffMs, maxMs = maxPodFailureBackoffMs): number {
  if (rec.failuresAfterLastSuccess === 0 || rec.lastFailureMs === undefined) return 0;
  let backoff = baseMs;
  for (let i = 1; i < rec.failuresAfterLastSuccess; i++) {
    backoff *= 2;
    if (backoff >= maxMs) {
      backoff = maxMs;
      break;
    }
  }
  const elapsed = nowMs - rec.lastFailureMs;
  return backoff < elapsed ? 0 : backoff - elapsed;
}
