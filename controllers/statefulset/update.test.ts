import { describe, expect, it } from 'vitest';
import type { PodTemplateSpec } from '../../src/api/core/v1.js';
import type { PodObject } from '../replicaset/pods.js';
import { identityMatches, newStatefulSetPod, parentAndOrdinal, type StatefulSetObject } from './identity.js';
import { completeRollingUpdate, updateStatefulSet, type StatefulPodControl } from './update.js';

const ref = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true };
const tmpl = (image: string): PodTemplateSpec => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });
const v1 = { name: 'web-v1', template: tmpl('img:1') };
const v2 = { name: 'web-v2', template: tmpl('img:2') };

function set(replicas: number, extra: Partial<StatefulSetObject['spec']> = {}): StatefulSetObject {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'u1', generation: 1 },
    spec: { replicas, serviceName: 'web-svc', selector: { matchLabels: { app: 'web' } }, template: tmpl('img:2'), ...extra },
  };
}

type State = 'pending' | 'ready' | 'failed' | 'terminating';
function pod(s: StatefulSetObject, ordinal: number, state: State, revision = v1): PodObject {
  const p = newStatefulSetPod(s, revision.template, revision.name, ordinal, ref);
  p.metadata.uid = `uid-${ordinal}`;
  p.status = {
    phase: state === 'pending' ? 'Pending' : state === 'failed' ? 'Failed' : 'Running',
    conditions: [{ type: 'Ready', status: state === 'ready' || state === 'terminating' ? 'True' : 'False' }],
  };
  if (state === 'terminating') p.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
  return p;
}

function recorder() {
  const ops: string[] = [];
  const control: StatefulPodControl = {
    create: async (p) => void ops.push(`create ${p.metadata.name} ${p.metadata.labels?.['controller-revision-hash']}`),
    delete: async (p) => void ops.push(`delete ${p.metadata.name}`),
    updateIdentity: async (p) => void ops.push(`identity ${p.metadata.name}`),
    event: () => {},
  };
  return { ops, control };
}

async function pass(s: StatefulSetObject, pods: PodObject[], current = v1, update = v2) {
  const r = recorder();
  const { status } = await updateStatefulSet({ set: s, current, update, collisionCount: 0, pods, controllerRef: ref, nowMs: Date.now() }, r.control);
  return { ops: r.ops, status };
}

describe('StatefulSet pods', () => {
  it('are named by ordinal and carry their identity, hostname and subdomain', () => {
    const s = set(3);
    const p = newStatefulSetPod(s, tmpl('img:1'), 'web-v1', 2, ref);
    expect(p.metadata.name).toBe('web-2');
    expect(p.metadata.labels).toEqual({
      app: 'web',
      'statefulset.kubernetes.io/pod-name': 'web-2',
      'apps.kubernetes.io/pod-index': '2',
      'controller-revision-hash': 'web-v1',
    });
    expect(p.spec).toMatchObject({ hostname: 'web-2', subdomain: 'web-svc' });
    expect(identityMatches(s, p)).toBe(true);
    expect(parentAndOrdinal('my-db-12')).toEqual({ parent: 'my-db', ordinal: 12 });
    expect(parentAndOrdinal('web').ordinal).toBe(-1);
  });
});

describe('one StatefulSet pass', () => {
  it('under OrderedReady creates only the first missing pod, and only once its predecessors are ready', async () => {
    const s = set(3);
    expect((await pass(s, [], v2, v2)).ops).toEqual(['create web-0 web-v2']);
    expect((await pass(s, [pod(s, 0, 'pending', v2)], v2, v2)).ops).toEqual([]);
    expect((await pass(s, [pod(s, 0, 'ready', v2)], v2, v2)).ops).toEqual(['create web-1 web-v2']);
  });

  it('under Parallel creates every missing pod at once', async () => {
    const s = set(3, { podManagementPolicy: 'Parallel' });
    expect((await pass(s, [pod(s, 1, 'pending', v2)], v2, v2)).ops.sort()).toEqual(['create web-0 web-v2', 'create web-2 web-v2']);
  });

  it('scales down from the highest ordinal, one at a time, waiting for it to go', async () => {
    const s = set(1);
    const pods = [pod(s, 0, 'ready', v2), pod(s, 1, 'ready', v2), pod(s, 2, 'ready', v2)];
    expect((await pass(s, pods, v2, v2)).ops).toEqual(['delete web-2']);
    expect((await pass(s, [pods[0]!, pods[1]!, pod(s, 2, 'terminating', v2)], v2, v2)).ops).toEqual([]);
    // Nothing is deleted while a lower pod is unhealthy.
    expect((await pass(s, [pod(s, 0, 'pending', v2), pods[1]!], v2, v2)).ops).toEqual([]);
  });

  it('recreates a failed pod', async () => {
    const s = set(2);
    expect((await pass(s, [pod(s, 0, 'failed', v2), pod(s, 1, 'ready', v2)], v2, v2)).ops).toEqual(['delete web-0', 'create web-0 web-v2']);
  });

  it('rolls out from the highest ordinal, one pod at a time, down to the partition', async () => {
    const s = set(3);
    const old = [pod(s, 0, 'ready'), pod(s, 1, 'ready'), pod(s, 2, 'ready')];
    const first = await pass(s, old);
    expect(first.ops).toEqual(['delete web-2']);
    expect(first.status).toMatchObject({ replicas: 3, currentReplicas: 2, updatedReplicas: 0, currentRevision: 'web-v1', updateRevision: 'web-v2' });
    // web-2 is back at v2 but not ready yet: wait.
    expect((await pass(s, [old[0]!, old[1]!, pod(s, 2, 'pending', v2)])).ops).toEqual([]);
    expect((await pass(s, [old[0]!, old[1]!, pod(s, 2, 'ready', v2)])).ops).toEqual(['delete web-1']);
    const partitioned = set(3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
    expect((await pass(partitioned, [old[0]!, old[1]!, pod(partitioned, 2, 'ready', v2)])).ops).toEqual([]);
    // Below the partition a recreated pod keeps the current revision.
    expect((await pass(partitioned, [pod(partitioned, 0, 'ready'), pod(partitioned, 2, 'ready', v2)])).ops).toEqual(['create web-1 web-v1']);
  });

  it('leaves old pods alone under OnDelete', async () => {
    const s = set(2, { updateStrategy: { type: 'OnDelete' } });
    expect((await pass(s, [pod(s, 0, 'ready'), pod(s, 1, 'ready')])).ops).toEqual([]);
  });

  it('makes the update revision current once every pod runs it and is ready', async () => {
    const s = set(2);
    const { status } = await pass(s, [pod(s, 0, 'ready', v2), pod(s, 1, 'ready', v2)]);
    expect(completeRollingUpdate(s, status)).toMatchObject({ currentRevision: 'web-v2', currentReplicas: 2, updatedReplicas: 2, readyReplicas: 2 });
  });
});
