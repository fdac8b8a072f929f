// Job conditions as Kubernetes writes them: Suspended, the interim
// FailureTarget and SuccessCriteriaMet, and the terminal Failed and Complete
// (added only once every pod is counted and none is still terminating).
import type { JobCondition } from '../../src/api/batch/v1.js';
import { rfc3339 } from '../../src/client/index.js';

export const jobComplete = 'Complete';
export const jobFailed = 'Failed';
export const jobSuspended = 'Suspended';
export const jobFailureTarget = 'FailureTarget';
export const jobSuccessCriteriaMet = 'SuccessCriteriaMet';

export const reasonBackoffLimitExceeded = 'BackoffLimitExceeded';
export const reasonDeadlineExceeded = 'DeadlineExceeded';
export const reasonPodFailurePolicy = 'PodFailurePolicy';
export const reasonCompletionsReached = 'CompletionsReached';

export function newCondition(type: string, status: string, reason: string, message: string, nowMs: number): JobCondition {
  const t = rfc3339(nowMs);
  return { type, status, lastProbeTime: t, lastTransitionTime: t, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

export function findCondition(list: readonly JobCondition[] | undefined, type: string): JobCondition | undefined {
  return (list ?? []).find((c) => c.type === type);
}

/** IsJobFinished: Complete or Failed is True. */
export function isFinished(conditions: readonly JobCondition[] | undefined): boolean {
  return (conditions ?? []).some((c) => (c.type === jobComplete || c.type === jobFailed) && c.status === 'True');
}

/**
 * ensureJobConditionStatus: sets the condition (a new transition time only
 * when it changes); a False condition is never added where none was.
 */
export function ensureCondition(
  list: readonly JobCondition[],
  type: string,
  status: string,
  reason: string,
  message: string,
  nowMs: number,
): { conditions: JobCondition[]; changed: boolean } {
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = list[i]!;
    if (c.status === status && (c.reason ?? '') === reason && (c.message ?? '') === message) return { conditions: [...list], changed: false };
    const out = [...list];
    out[i] = newCondition(type, status, reason, message, nowMs);
    return { conditions: out, changed: true };
  }
  if (status === 'False') return { conditions: [...list], changed: false };
  return { conditions: [...list, newCondition(type, status, reason, message, nowMs)], changed: true };
}
