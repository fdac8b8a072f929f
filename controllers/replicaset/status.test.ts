import { describe, expect, it } from 'vitest';
import type { PodObject } from './pods.js';
import { calculateStatus, statusNeedsUpdate, type ReplicaSetObject } from './status.js';

const rs: ReplicaSetObject = {
  metadata: { name: 'web', namespace: 'ns', generation: 2 },
  spec: { replicas: 3, minReadySeconds: 10, template: { metadata: { labels: { app: 'web', tier: 'fe' } } } },
  status: { replicas: 0, observedGeneration: 1 },
};

const t0 = Date.parse('2024-01-01T00:00:00Z');
function pod(labels: Record<string, string>, readySince?: string): PodObject {
  return {
    metadata: { name: 'p', labels },
    spec: { containers: [] },
    status: readySince ? { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }] } : {},
  };
}

describe('ReplicaSet status', () => {
  it('counts replicas, fully labelled, ready and available (after minReadySeconds) pods', () => {
    const pods = [pod({ app: 'web', tier: 'fe' }, '2024-01-01T00:00:00Z'), pod({ app: 'web' }, '2024-01-01T00:00:25Z'), pod({ app: 'web', tier: 'fe' })];
    const st = calculateStatus(rs, pods, undefined, t0 + 30_000);
    expect(st).toMatchObject({ replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1 });
    expect(statusNeedsUpdate(rs, st)).toBe(true);
  });

  it('raises ReplicaFailure while creating fails and drops it once it works', () => {
    const failed = calculateStatus(rs, [], new Error('pods "web-x" is forbidden: exceeded quota'), t0);
    expect(failed.conditions).toEqual([
      { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "web-x" is forbidden: exceeded quota', lastTransitionTime: '2024-01-01T00:00:00Z' },
    ]);
    const recovered = calculateStatus({ ...rs, status: failed }, [], undefined, t0);
    expect(recovered.conditions).toBeUndefined();
  });

  it('is not written again when nothing a reader sees changed', () => {
    const same: ReplicaSetObject = { ...rs, status: { replicas: 0, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 2 } };
    expect(statusNeedsUpdate(same, calculateStatus(same, [], undefined, t0))).toBe(false);
  });
});
