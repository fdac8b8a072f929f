import { describe, expect, it } from 'vitest';
import { compareForDeletion, isPodAvailable, podFromTemplate, podsToDelete, type PodObject } from './pods.js';

interface P {
  name: string;
  node?: string;
  phase?: string;
  ready?: boolean;
  readySince?: string;
  restarts?: number;
  created?: string;
}

function pod(p: P): PodObject {
  return {
    metadata: { name: p.name, uid: p.name, creationTimestamp: p.created ?? '2024-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'c', image: 'x' }], ...(p.node ? { nodeName: p.node } : {}) },
    status: {
      ...(p.phase ? { phase: p.phase } : {}),
      conditions: [{ type: 'Ready', status: p.ready ? 'True' : 'False', ...(p.readySince ? { lastTransitionTime: p.readySince } : {}) }],
      containerStatuses: [{ name: 'c', ready: !!p.ready, restartCount: p.restarts ?? 0, image: 'x', imageID: '' }],
    },
  };
}

const order = (pods: PodObject[]): string[] => [...pods].sort((a, b) => compareForDeletion(a, b)).map((p) => p.metadata.name ?? '');

describe('which pods go first when scaling down', () => {
  it('unscheduled before scheduled', () => {
    expect(order([pod({ name: 'on-node', node: 'n1' }), pod({ name: 'nowhere' })])).toEqual(['nowhere', 'on-node']);
  });

  it('Pending before Unknown before Running', () => {
    const pods = [pod({ name: 'run', node: 'n', phase: 'Running' }), pod({ name: 'unk', node: 'n', phase: 'Unknown' }), pod({ name: 'pend', node: 'n', phase: 'Pending' })];
    expect(order(pods)).toEqual(['pend', 'unk', 'run']);
  });

  it('not ready before ready, then more restarts first, then newer first', () => {
    const base = { node: 'n', phase: 'Running' };
    expect(order([pod({ name: 'ready', ...base, ready: true }), pod({ name: 'not', ...base })])).toEqual(['not', 'ready']);
    expect(order([pod({ name: 'calm', ...base, restarts: 0 }), pod({ name: 'crashy', ...base, restarts: 7 })])).toEqual(['crashy', 'calm']);
    expect(
      order([pod({ name: 'old', ...base, created: '2024-01-01T00:00:00Z' }), pod({ name: 'new', ...base, created: '2024-06-01T00:00:00Z' })]),
    ).toEqual(['new', 'old']);
  });

  it('prefers pods doubled up on a node with related pods', () => {
    const a = pod({ name: 'alone', node: 'n1', phase: 'Running' });
    const b = pod({ name: 'crowded', node: 'n2', phase: 'Running' });
    const sibling = pod({ name: 'sibling', node: 'n2', phase: 'Running' });
    expect(podsToDelete([a, b], [sibling], 1).map((p) => p.metadata.name)).toEqual(['crowded']);
  });
});

describe('availability', () => {
  it('needs minReadySeconds since the Ready transition', () => {
    const p = pod({ name: 'p', ready: true, readySince: '2024-01-01T00:00:00Z' });
    const t0 = Date.parse('2024-01-01T00:00:00Z');
    expect(isPodAvailable(p, 0, t0)).toBe(true);
    expect(isPodAvailable(p, 10, t0 + 5_000)).toBe(false);
    expect(isPodAvailable(p, 10, t0 + 10_001)).toBe(true);
    expect(isPodAvailable(pod({ name: 'q' }), 0, t0)).toBe(false);
  });
});

describe('pods from a template', () => {
  it('carry the template labels and annotations, the controller reference and a generated name', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u', controller: true, blockOwnerDeletion: true };
    const p = podFromTemplate(
      { metadata: { labels: { app: 'web' }, annotations: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      'web',
      'ns',
      ref,
    );
    expect(p.metadata).toEqual({ generateName: 'web-', namespace: 'ns', labels: { app: 'web' }, annotations: { a: 'b' }, ownerReferences: [ref] });
    expect(() => podFromTemplate({ spec: { containers: [] } }, 'web', 'ns', ref)).toThrow('no labels');
  });
});
