import { describe, expect, it } from 'vitest';
import type { ReplicaSetObject } from '../replicaset/status.js';
import {
  findActiveOrLatest,
  findNewReplicaSet,
  maxUnavailable,
  newRSNewReplicas,
  proportionalSizes,
  setNewReplicaSetAnnotations,
  type DeploymentObject,
} from './replicasets.js';

const template = (image: string, hash?: string) => ({
  metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
  spec: { containers: [{ name: 'c', image }] },
});

function deploy(replicas: number, maxSurge: number | string, maxUnavailable: number | string, image = 'v2'): DeploymentObject {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'd1' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: template(image),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
    },
  };
}

let seq = 0;
function rs(name: string, replicas: number, opts: { image?: string; available?: number; annotations?: Record<string, string>; created?: string } = {}): ReplicaSetObject {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      creationTimestamp: opts.created ?? new Date(Date.UTC(2024, 0, 1, 0, 0, ++seq)).toISOString(),
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec: { replicas, template: template(opts.image ?? 'v1', name.slice(4)) },
    status: { replicas, availableReplicas: opts.available ?? replicas },
  };
}

describe('rolling update arithmetic', () => {
  it('grows the new ReplicaSet only up to desired + maxSurge pods in total', () => {
    const d = deploy(10, '25%', '25%');
    const old = rs('web-old', 10);
    const fresh = rs('web-new', 0, { image: 'v2' });
    expect(newRSNewReplicas(d, [old, fresh], fresh)).toBe(3);
    expect(newRSNewReplicas(d, [rs('web-old', 7), fresh], fresh)).toBe(6);
    expect(newRSNewReplicas(d, [rs('web-old', 13), fresh], fresh)).toBe(0);
    // never past desired
    expect(newRSNewReplicas(d, [rs('web-old', 0), rs('web-new', 9)], rs('web-new', 9))).toBe(10);
  });

  it('caps maxUnavailable at the replica count and is 0 for Recreate', () => {
    expect(maxUnavailable(deploy(2, 0, 5))).toBe(2);
    const recreate = deploy(4, 1, 1);
    recreate.spec.strategy = { type: 'Recreate' };
    expect(maxUnavailable(recreate)).toBe(0);
  });

  it('finds the new ReplicaSet ignoring the hash label, the oldest when several match', () => {
    const d = deploy(3, 1, 0, 'v1');
    const a = rs('web-aaaaa', 1, { created: '2024-01-01T00:00:05Z' });
    const b = rs('web-bbbbb', 1, { created: '2024-01-01T00:00:01Z' });
    expect(findNewReplicaSet(d, [a, b])?.metadata.name).toBe('web-bbbbb');
    expect(findNewReplicaSet(deploy(3, 1, 0, 'v9'), [a, b])).toBeUndefined();
  });
});

describe('proportional scaling', () => {
  it('splits added replicas by each ReplicaSet’s share (Kubernetes’ documented example)', () => {
    // 10 replicas, maxSurge 3: mid-rollout the old RS has 8 and the new 5; scaled to 15.
    const d = deploy(15, 3, 2);
    const annotations = { 'deployment.kubernetes.io/max-replicas': '13', 'deployment.kubernetes.io/desired-replicas': '10' };
    const old = rs('web-old', 8, { annotations });
    const fresh = rs('web-new', 5, { image: 'v2', annotations });
    const { sizes, direction } = proportionalSizes(d, [old, fresh]);
    expect(direction).toBe('up');
    expect(sizes.get('web-old')).toBe(11);
    expect(sizes.get('web-new')).toBe(7);
  });

  it('takes replicas away proportionally, the rounding remainder from the largest', () => {
    const d = deploy(5, 1, 1);
    const annotations = { 'deployment.kubernetes.io/max-replicas': '11' };
    const a = rs('web-a', 6, { annotations });
    const b = rs('web-b', 5, { annotations });
    const { sizes, direction } = proportionalSizes(d, [a, b]);
    expect(direction).toBe('down');
    expect((sizes.get('web-a') ?? 0) + (sizes.get('web-b') ?? 0)).toBe(6);
    expect(sizes.get('web-a')).toBe(3);
  });

  it('hands a resize to the single active ReplicaSet, or to the latest when none is active', () => {
    const old1 = rs('web-1', 0);
    const old2 = rs('web-2', 0);
    expect(findActiveOrLatest(undefined, [old1, old2])?.metadata.name).toBe('web-2');
    expect(findActiveOrLatest(rs('web-n', 0), [rs('web-3', 4)])?.metadata.name).toBe('web-3');
    expect(findActiveOrLatest(rs('web-n', 1), [rs('web-4', 4)])).toBeUndefined();
  });
});

describe('revision annotations', () => {
  it('raises the revision, remembers the old one, and never lowers it', () => {
    const d = deploy(3, 1, 0);
    d.metadata.annotations = { team: 'a', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    const r = rs('web-x', 3, { annotations: { 'deployment.kubernetes.io/revision': '1' } });
    expect(setNewReplicaSetAnnotations(d, r, 3, true)).toBe(true);
    expect(r.metadata.annotations).toEqual({
      team: 'a',
      'deployment.kubernetes.io/revision': '3',
      'deployment.kubernetes.io/revision-history': '1',
    });
    expect(setNewReplicaSetAnnotations(d, r, 2, true)).toBe(false);
    expect(r.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  });
});

describe('finding the new ReplicaSet after kubectl rollout undo', () => {
  it('takes a template sent with creationTimestamp: null as the old ReplicaSet it came from', () => {
    const old = rs('web-aaa', 0, { image: 'v1' });
    const current = rs('web-bbb', 3, { image: 'v2' });
    const undone = deploy(3, 1, 0, 'v1');
    // kubectl sends the old ReplicaSet's template as Go marshals it, zero creationTimestamp as null.
    undone.spec.template = { ...undone.spec.template, metadata: { ...undone.spec.template.metadata, creationTimestamp: null } };
    expect(findNewReplicaSet(undone, [old, current])?.metadata.name).toBe('web-aaa');
  });

  it('still tells different templates apart', () => {
    const undone = deploy(3, 1, 0, 'v3');
    undone.spec.template = { ...undone.spec.template, metadata: { ...undone.spec.template.metadata, creationTimestamp: null } };
    expect(findNewReplicaSet(undone, [rs('web-aaa', 0, { image: 'v1' }), rs('web-bbb', 3, { image: 'v2' })])).toBeUndefined();
  });
});
