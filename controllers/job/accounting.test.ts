import { describe, expect, it } from 'vitest';
import type { PodObject } from '../replicaset/pods.js';
import { cleanUncounted, enactFinished, newFinishedPods, planTracking, uncountedOf, wantActive } from './accounting.js';
import { nextBackoffRecord, remainingBackoffMs } from './backoff.js';
import { newCondition } from './conditions.js';
import { firstPendingIndexes, formatIndexes, parseIndexes } from './indexes.js';
import { activePodsForRemoval, jobTrackingFinalizer, matchPodFailurePolicy, type JobObject } from './pods.js';

function job(spec: Partial<JobObject['spec']> = {}, status: JobObject['status'] = {}): JobObject {
  return { metadata: { name: 'j', namespace: 'ns', uid: 'j1' }, spec: { template: {}, ...spec }, status };
}

function pod(uid: string, phase: string, opts: { finalizer?: boolean; deleting?: boolean; index?: number; finishedAt?: string; exitCode?: number } = {}): PodObject {
  return {
    metadata: {
      name: `j-${uid}`,
      namespace: 'ns',
      uid,
      ...(opts.finalizer === false ? {} : { finalizers: [jobTrackingFinalizer] }),
      ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
      ...(opts.index !== undefined ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(opts.index) } } : {}),
    },
    spec: { containers: [] },
    status: {
      phase,
      containerStatuses: opts.finishedAt
        ? [{ name: 'c', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: opts.exitCode ?? 1, finishedAt: opts.finishedAt } } }]
        : [],
    },
  };
}

describe('counting finished pods', () => {
  it('counts a finished pod only while it still has the finalizer and is not already uncounted or being released', () => {
    const j = job({}, { uncountedTerminatedPods: { succeeded: ['b'] } });
    const pods = [pod('a', 'Succeeded'), pod('b', 'Succeeded'), pod('c', 'Succeeded', { finalizer: false }), pod('d', 'Succeeded'), pod('e', 'Failed'), pod('f', 'Running', { deleting: true })];
    const fresh = newFinishedPods(j, pods, uncountedOf(j.status), new Set(['d']));
    expect(fresh.succeeded.map((p) => p.metadata.uid)).toEqual(['a']);
    // A pod deleted before it could succeed is a failure, unless only Failed pods count.
    expect(fresh.failed.map((p) => p.metadata.uid)).toEqual(['e', 'f']);
    expect(newFinishedPods(job({ podReplacementPolicy: 'Failed' }), pods, uncountedOf(undefined), new Set()).failed.map((p) => p.metadata.uid)).toEqual(['e']);
  });

  it('writes new finished pods as uncounted first, then counts them once their finalizer is gone', () => {
    const j = job({ completions: 2 }, { succeeded: 1 });
    const pods = [pod('a', 'Succeeded'), pod('b', 'Running')];
    const plan = planTracking({ job: j, pods, expectedRmFinalizers: new Set(), prevSucceededIndexes: [], nowMs: 0 }, false);
    expect(plan.needsFlush).toBe(true);
    expect(plan.status.uncountedTerminatedPods).toEqual({ succeeded: ['a'] });
    expect(plan.status.succeeded).toBe(1);
    expect(plan.podsToRemoveFinalizer.map((p) => p.metadata.uid)).toEqual(['a']);
    // Finalizer removed: the uid moves into the counter, once.
    const status = structuredClone(plan.status);
    expect(cleanUncounted(status, new Set(['b']))).toBe(true);
    expect(status).toMatchObject({ succeeded: 2, uncountedTerminatedPods: {} });
    expect(cleanUncounted(status, new Set(['b']))).toBe(false);
    // Seen again from a stale cache (finalizer still shown, removal in flight): not counted again.
    const again = planTracking({ job: job({ completions: 2 }, status), pods, expectedRmFinalizers: new Set(['a']), prevSucceededIndexes: [], nowMs: 0 }, false);
    expect(again.needsFlush).toBe(false);
    expect(again.status.uncountedTerminatedPods).toEqual({});
  });

  it('turns FailureTarget into Failed only once nothing is uncounted or terminating, and counts running pods as failed', () => {
    const j = job({ backoffLimit: 0 });
    const target = newCondition('FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', 1000);
    const plan = planTracking({ job: j, pods: [pod('a', 'Running')], expectedRmFinalizers: new Set(), finished: target, prevSucceededIndexes: [], nowMs: 2000 }, false);
    expect(plan.status.conditions?.map((c) => c.type)).toEqual(['FailureTarget']);
    expect(plan.status.uncountedTerminatedPods).toEqual({ failed: ['a'] });
    expect(plan.final).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
    const status = structuredClone(plan.status);
    expect(enactFinished(status, plan.final, 0)).toBe(false);
    cleanUncounted(status, new Set());
    expect(enactFinished(status, plan.final, 1)).toBe(false);
    expect(enactFinished(status, plan.final, 0)).toBe(true);
    expect(status.conditions?.map((c) => c.type)).toEqual(['FailureTarget', 'Failed']);
    expect(status.failed).toBe(1);
    expect(status.completionTime).toBeUndefined();
  });

  it('records completed indexes instead of uids for Indexed Jobs', () => {
    const j = job({ completions: 4, completionMode: 'Indexed' }, { completedIndexes: '0' });
    const pods = [pod('a', 'Succeeded', { index: 2 }), pod('b', 'Succeeded', { index: 3 }), pod('c', 'Succeeded', { index: 9 })];
    const plan = planTracking({ job: j, pods, expectedRmFinalizers: new Set(), prevSucceededIndexes: parseIndexes('0', 4), nowMs: 0 }, false);
    expect(plan.status).toMatchObject({ completedIndexes: '0,2-3', succeeded: 3 });
    expect(plan.status.uncountedTerminatedPods).toEqual({});
  });
});

describe('how many pods run', () => {
  it('never runs more than parallelism or the completions left', () => {
    expect(wantActive(job({ completions: 5, parallelism: 2 }), 0, 0)).toBe(2);
    expect(wantActive(job({ completions: 5, parallelism: 2 }), 2, 4)).toBe(1);
    expect(wantActive(job({ completions: 5, parallelism: 2 }), 0, 5)).toBe(0);
    // Without completions: parallelism until the first success, then no new pods.
    expect(wantActive(job({ parallelism: 3 }), 0, 0)).toBe(3);
    expect(wantActive(job({ parallelism: 3 }), 2, 1)).toBe(2);
  });

  it('starts the lowest pending indexes and removes duplicate and out-of-range index pods first', () => {
    expect(firstPendingIndexes([0, 2], [pod('x', 'Running', { index: 1 })], 2, 6)).toEqual([3, 4]);
    const j = job({ completions: 3, completionMode: 'Indexed' });
    const dupe = [pod('a', 'Running', { index: 1 }), pod('b', 'Pending', { index: 1 }), pod('c', 'Running', { index: 7 }), pod('d', 'Running', { index: 0 })];
    expect(activePodsForRemoval(j, dupe, 0).map((p) => p.metadata.uid).sort()).toEqual(['b', 'c']);
    expect(formatIndexes([5, 1, 2, 3, 7, 8])).toBe('1-3,5,7-8');
    expect(parseIndexes('1-3,5,7-8', 8)).toEqual([1, 2, 3, 5, 7]);
  });
});

describe('back-off between failures', () => {
  it('doubles per failure since the last success, from the last failure, up to the cap', () => {
    const f1 = pod('a', 'Failed', { finishedAt: '2024-01-01T00:00:00Z' });
    const f2 = pod('b', 'Failed', { finishedAt: '2024-01-01T00:00:10Z' });
    const rec = nextBackoffRecord(undefined, [], [f1, f2]);
    expect(rec).toEqual({ failuresAfterLastSuccess: 2, lastFailureMs: Date.parse('2024-01-01T00:00:10Z') });
    expect(remainingBackoffMs(rec, Date.parse('2024-01-01T00:00:15Z'))).toBe(15_000);
    expect(remainingBackoffMs(rec, Date.parse('2024-01-01T00:00:31Z'))).toBe(0);
    expect(remainingBackoffMs({ failuresAfterLastSuccess: 20, lastFailureMs: 0 }, 1000)).toBe(600_000 - 1000);
    const ok = pod('c', 'Succeeded', { finishedAt: '2024-01-01T00:00:20Z', exitCode: 0 });
    expect(nextBackoffRecord(rec, [ok], [])).toEqual({ failuresAfterLastSuccess: 0 });
  });
});

describe('pod failure policy', () => {
  const policy = {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } },
    ],
  };
  it('fails the Job on a matching exit code and ignores disruptions', () => {
    const fatal = pod('a', 'Failed', { finishedAt: '2024-01-01T00:00:00Z', exitCode: 42 });
    expect(matchPodFailurePolicy(policy, fatal)).toEqual({
      countFailed: true,
      action: 'FailJob',
      failJobMessage: 'Container c for pod ns/j-a failed with exit code 42 matching FailJob rule at index 1',
    });
    const evicted = pod('b', 'Failed', { finishedAt: '2024-01-01T00:00:00Z', exitCode: 137 });
    evicted.status!.conditions = [{ type: 'DisruptionTarget', status: 'True' }];
    expect(matchPodFailurePolicy(policy, evicted)).toEqual({ countFailed: false, action: 'Ignore' });
    expect(matchPodFailurePolicy(policy, pod('c', 'Failed', { finishedAt: '2024-01-01T00:00:00Z', exitCode: 1 }))).toEqual({ countFailed: true });
  });
});
