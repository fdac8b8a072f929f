import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod, PodStatus } from '../src/api/core/v1.js';
import { isNotFound } from '../src/client/index.js';
import { startMemoryApiServer, type MemoryApiServer } from '../controllers/testing/apiserver.js';
import { podsRef, StatusManager, type PodObject } from './status-manager.js';

let api: MemoryApiServer;
let clock = Date.parse('2024-01-01T00:00:00Z');
/** what the kubelet's informer would hold, by uid */
const cache = new Map<string, Pod>();
let sm: StatusManager;

const pods = () => api.client.resource<PodObject>(podsRef);

async function eventually<T>(fn: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function createPod(name: string): Promise<PodObject> {
  const p = await pods().create('default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'busybox:1' }] },
  });
  cache.set(p.metadata.uid!, p);
  return p;
}

function running(ready: boolean): PodStatus {
  return {
    phase: 'Running',
    conditions: [
      { type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: null },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null },
    ],
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    podIP: '10.244.0.5',
    podIPs: [{ ip: '10.244.0.5' }],
  };
}

beforeAll(async () => {
  api = await startMemoryApiServer();
  sm = new StatusManager({ client: api.client, lookup: (uid) => cache.get(uid), now: () => clock });
  sm.start();
});

afterAll(async () => {
  await sm.stop();
  await api.stop();
});

describe('StatusManager', () => {
  it('writes a changed status once and keeps transition times of conditions that did not change', async () => {
    const p = await createPod('a');
    sm.setPodStatus(p, running(false));
    const first = await eventually(async () => {
      const x = await pods().get('default', 'a');
      return x.status?.phase === 'Running' ? x : undefined;
    }, 'first write');
    expect(first.status?.startTime).toBe('2024-01-01T00:00:00Z');
    expect(first.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe('2024-01-01T00:00:00Z');

    // the same status again is not written
    sm.setPodStatus(first, running(false));
    await new Promise((r) => setTimeout(r, 100));
    expect((await pods().get('default', 'a')).metadata.resourceVersion).toBe(first.metadata.resourceVersion);

    clock += 60_000;
    sm.setPodStatus(first, running(true));
    const second = await eventually(async () => {
      const x = await pods().get('default', 'a');
      return x.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? x : undefined;
    }, 'Ready written');
    expect(second.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe('2024-01-01T00:01:00Z');
    expect(second.status?.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime).toBe('2024-01-01T00:00:00Z');
    expect(second.status?.startTime).toBe('2024-01-01T00:00:00Z');
  });

  it('re-reads the pod after a conflict and keeps conditions it does not own', async () => {
    const p = await createPod('b');
    // someone else changes the pod after the cache saw it: the cached resourceVersion is stale
    const changed = await pods().get('default', 'b');
    await pods().updateStatus('default', {
      ...changed,
      status: { ...changed.status, conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }] },
    });
    sm.setPodStatus(p, running(true));
    const written = await eventually(async () => {
      const x = await pods().get('default', 'b');
      return x.status?.phase === 'Running' ? x : undefined;
    }, 'write after conflict');
    expect(written.status?.conditions?.map((c) => c.type)).toEqual(['DisruptionTarget', 'Ready', 'PodScheduled']);
  });

  it('confirms the deletion of a terminated pod, and never deletes a new pod that took its name', async () => {
    const p = await createPod('c');
    await pods().delete('default', 'c', { gracePeriodSeconds: 30 });
    const deleting = await pods().get('default', 'c');
    expect(deleting.metadata.deletionTimestamp).toBeTruthy();
    cache.set(p.metadata.uid!, deleting);
    sm.markDeletable(deleting);
    await eventually(
      () =>
        pods()
          .get('default', 'c')
          .then(() => false)
          .catch((err: unknown) => isNotFound(err)),
      'pod deleted',
    );

    const old = await createPod('d');
    await pods().delete('default', 'd', { gracePeriodSeconds: 0 });
    const replacement = await createPod('d');
    // the kubelet still holds the old pod, being deleted
    const stale = { ...old, metadata: { ...old.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
    cache.set(old.metadata.uid!, stale);
    sm.markDeletable(stale);
    await new Promise((r) => setTimeout(r, 150));
    expect((await pods().get('default', 'd')).metadata.uid).toBe(replacement.metadata.uid);
  });
});
