import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/meta.js';
import { pauseMutation, restartMutation, resumeMutation } from './mutations.js';

const deploymentInfo = { group: 'apps', kind: 'Deployment' };
const obj = (paused?: boolean): KubeObject => ({ metadata: { name: 'web' }, spec: paused === undefined ? {} : { paused } });

describe('pause, resume and restart', () => {
  it('pauses a running deployment and refuses to pause it twice', () => {
    expect(pauseMutation(deploymentInfo, obj())).toEqual({ patch: { spec: { paused: true } } });
    expect(pauseMutation(deploymentInfo, obj(true))).toEqual({ error: 'is already paused' });
    expect(pauseMutation({ group: 'apps', kind: 'StatefulSet' }, obj())).toEqual({ error: 'pausing is not supported' });
  });

  it('resumes only a paused deployment', () => {
    expect(resumeMutation(deploymentInfo, obj(true))).toEqual({ patch: { spec: { paused: null } } });
    expect(resumeMutation(deploymentInfo, obj(false))).toEqual({ error: 'is not paused' });
  });

  it('restarts by stamping the pod template, except for a paused deployment', () => {
    expect(restartMutation({ group: 'apps', kind: 'DaemonSet' }, obj(), '2024-05-01T12:00:00Z')).toEqual({
      patch: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-01T12:00:00Z' } } } } },
    });
    expect(restartMutation(deploymentInfo, obj(true), 'now')).toEqual({ error: "can't restart paused deployment (run rollout resume first)" });
    expect(restartMutation({ group: 'apps', kind: 'ReplicaSet' }, obj(), 'now')).toEqual({ error: 'restarting is not supported' });
  });
});
