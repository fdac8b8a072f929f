import { describe, expect, it } from 'vitest';
import type { DaemonSet, Deployment, StatefulSet } from '../../api/apps/v1.js';
import { daemonSetStatus, deploymentStatus, statefulSetStatus, statusViewerFor } from './status.js';

const deployment = (status: Deployment['status'], extra: { generation?: number; revision?: string } = {}): Deployment => ({
  metadata: {
    name: 'web',
    generation: extra.generation ?? 2,
    ...(extra.revision ? { annotations: { 'deployment.kubernetes.io/revision': extra.revision } } : {}),
  },
  spec: { replicas: 3, template: {} },
  status,
});

describe('deployment rollout status', () => {
  it('waits for the controller to observe the latest spec', () => {
    expect(deploymentStatus(deployment({ observedGeneration: 1 }), 0)).toEqual({
      message: 'Waiting for deployment spec update to be observed...\n',
      done: false,
    });
  });

  it('follows a rolling update through its stages to the end', () => {
    const stages = [
      { observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3 },
      { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 },
      { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 1 },
      { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
    ];
    expect(stages.map((s) => deploymentStatus(deployment(s), 0))).toEqual([
      { message: 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n', done: false },
      { message: 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...\n', done: false },
      { message: 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...\n', done: false },
      { message: 'deployment "web" successfully rolled out\n', done: true },
    ]);
  });

  it('fails once the progress deadline is exceeded', () => {
    const stuck = deployment({
      observedGeneration: 2,
      replicas: 4,
      updatedReplicas: 1,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    });
    expect(() => deploymentStatus(stuck, 0)).toThrow('deployment "web" exceeded its progress deadline');
  });

  it('refuses a revision other than the one running', () => {
    const d = deployment({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, { revision: '3' });
    expect(() => deploymentStatus(d, 2)).toThrow('desired revision (2) is different from the running revision (3)');
    expect(deploymentStatus(d, 3).done).toBe(true);
  });
});

describe('daemon set and stateful set rollout status', () => {
  const ds = (status: DaemonSet['status'], type = 'RollingUpdate'): DaemonSet => ({
    metadata: { name: 'agent', generation: 1 },
    spec: { template: {}, updateStrategy: { type } },
    status,
  });

  it('counts updated, then available daemon pods', () => {
    expect(daemonSetStatus(ds({ observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 1 })).message).toBe(
      'Waiting for daemon set "agent" rollout to finish: 1 out of 2 new pods have been updated...\n',
    );
    expect(daemonSetStatus(ds({ observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1 })).message).toBe(
      'Waiting for daemon set "agent" rollout to finish: 1 of 2 updated pods are available...\n',
    );
    expect(daemonSetStatus(ds({ observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2 }))).toEqual({
      message: 'daemon set "agent" successfully rolled out\n',
      done: true,
    });
    expect(() => daemonSetStatus(ds({}, 'OnDelete'))).toThrow('rollout status is only available for RollingUpdate strategy type');
  });

  it('waits for ready pods, then for the update revision to become current', () => {
    const sts = (status: StatefulSet['status']): StatefulSet => ({
      metadata: { name: 'db', generation: 1 },
      spec: { replicas: 2, template: {}, updateStrategy: { type: 'RollingUpdate' } },
      status,
    });
    expect(statefulSetStatus(sts({})).message).toBe('Waiting for statefulset spec update to be observed...\n');
    expect(statefulSetStatus(sts({ observedGeneration: 1, readyReplicas: 1 })).message).toBe('Waiting for 1 pods to be ready...\n');
    expect(statefulSetStatus(sts({ observedGeneration: 1, readyReplicas: 2, updatedReplicas: 1, currentRevision: 'db-1', updateRevision: 'db-2' }))).toEqual({
      message: 'waiting for statefulset rolling update to complete 1 pods at revision db-2...\n',
      done: false,
    });
    expect(statefulSetStatus(sts({ observedGeneration: 1, readyReplicas: 2, currentReplicas: 2, currentRevision: 'db-2', updateRevision: 'db-2' }))).toEqual({
      message: 'statefulset rolling update complete 2 pods at revision db-2...\n',
      done: true,
    });
  });

  it('has no status viewer for other kinds', () => {
    expect(() => statusViewerFor({ group: 'apps', kind: 'ReplicaSet' })).toThrow('no status viewer has been implemented for ReplicaSet.apps');
    expect(() => statusViewerFor({ group: '', kind: 'Pod' })).toThrow('no status viewer has been implemented for Pod');
  });
});
