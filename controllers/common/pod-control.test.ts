// Slow-start batches, and PodControl against a real apiserver on in-memory storage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/meta.js';
import type { ResourceRef } from '../../src/client/index.js';
import { startMemoryApiServer, type MemoryApiServer } from '../testing/apiserver.js';
import type { PodObject } from '../replicaset/pods.js';
import { PodControl, slowStartBatch } from './pod-control.js';

describe('slow start', () => {
  it('sends batches of 1, 2, 4, ... and stops after the first failing batch', async () => {
    let calls = 0;
    const r = await slowStartBatch(20, 1, async () => {
      calls++;
      if (calls > 7) throw new Error('quota exceeded');
    });
    // batches 1, 2, 4 succeed; the batch of 8 fails and nothing more is sent
    expect(r.successes).toBe(7);
    expect(String(r.error)).toMatch(/quota/);
    expect(calls).toBe(15);
  });

  it('makes exactly count calls when all succeed', async () => {
    let calls = 0;
    const r = await slowStartBatch(500, 1, async () => {
      calls++;
    });
    expect(r).toEqual({ successes: 500 });
    expect(calls).toBe(500);
  });

  it('gives each call its own position', async () => {
    const seen: number[] = [];
    await slowStartBatch(6, 1, async (i) => {
      seen.push(i);
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const namespacesRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };

let api: MemoryApiServer;
let n = 0;

beforeAll(async () => {
  api = await startMemoryApiServer();
});
afterAll(async () => {
  await api?.stop();
});

async function namespace(): Promise<string> {
  const name = `pc-${++n}`;
  await api.client.resource(namespacesRef).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

function setup() {
  const events: { reason: string; message: string }[] = [];
  const observed = { creations: 0, deletions: [] as string[] };
  const control = new PodControl(
    api.client.resource<PodObject>(podsRef),
    { event: (_obj: KubeObject, _type: string, reason: string, message: string) => void events.push({ reason, message }) },
    {
      creationObserved: () => void observed.creations++,
      deletionObserved: (_key, podKey) => void observed.deletions.push(podKey),
    },
  );
  return { control, events, observed };
}

const owner = (ns: string): KubeObject => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: ns, uid: 'u1' } });

function pod(ns: string, name: string, containers = [{ name: 'c', image: 'busybox' }]): PodObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers } };
}

describe('PodControl', () => {
  it('creates the pods in the owner namespace and records each creation', async () => {
    const ns = await namespace();
    const { control, events, observed } = setup();
    const r = await control.createPods(owner(ns), `${ns}/web`, 3, (i) => pod(ns, `web-${i}`));
    expect(r).toEqual({ successes: 3 });
    const names = (await api.client.resource<PodObject>(podsRef).list(ns)).items.map((p) => p.metadata.name).sort();
    expect(names).toEqual(['web-0', 'web-1', 'web-2']);
    expect(events.map((e) => e.message).sort()).toEqual(['Created pod: web-0', 'Created pod: web-1', 'Created pod: web-2']);
    expect(observed.creations).toBe(0);
  });

  it('stops after a failing batch and marks the creations never made as observed', async () => {
    const ns = await namespace();
    const { control, events, observed } = setup();
    // The first pod is valid, the rest have no containers and are refused.
    const r = await control.createPods(owner(ns), `${ns}/web`, 5, (i) => pod(ns, `web-${i}`, i === 0 ? undefined : []));
    expect(r.successes).toBe(1);
    expect(r.error).toBeDefined();
    expect(events.filter((e) => e.reason === 'FailedCreate')).toHaveLength(2);
    expect(events.filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(1);
    expect(observed.creations).toBe(4);
  });

  it('takes a namespace being deleted as no failure', async () => {
    const ns = await namespace();
    await api.client.resource(namespacesRef).delete(undefined, ns);
    const { control, events, observed } = setup();
    const r = await control.createPods(owner(ns), `${ns}/web`, 2, (i) => pod(ns, `web-${i}`));
    expect(r).toEqual({ successes: 2 });
    expect(events).toEqual([]);
    expect(observed.creations).toBe(0);
  });

  it('deletes a pod, and marks an expected deletion observed when the pod is already gone', async () => {
    const ns = await namespace();
    const { control, events, observed } = setup();
    const created = await api.client.resource<PodObject>(podsRef).create(ns, pod(ns, 'a'));
    expect(await control.deleteExpected(owner(ns), `${ns}/web`, created)).toBe(true);
    expect(events).toEqual([{ reason: 'SuccessfulDelete', message: 'Deleted pod: a' }]);
    expect(observed.deletions).toEqual([]);

    expect(await control.deleteExpected(owner(ns), `${ns}/web`, pod(ns, 'never'))).toBe(false);
    expect(observed.deletions).toEqual([`${ns}/never`]);
    expect(events).toHaveLength(1);
  });

  it('records a failure of the step before deletion and leaves the pod', async () => {
    const ns = await namespace();
    const { control, events, observed } = setup();
    const created = await api.client.resource<PodObject>(podsRef).create(ns, pod(ns, 'b'));
    const first = () => Promise.reject(new Error('patch refused'));
    await expect(control.deleteExpected(owner(ns), `${ns}/web`, created, first)).rejects.toThrow('patch refused');
    expect(events).toEqual([{ reason: 'FailedDelete', message: 'Error deleting: patch refused' }]);
    expect(observed.deletions).toEqual([`${ns}/b`]);
    await expect(api.client.resource<PodObject>(podsRef).get(ns, 'b')).resolves.toBeDefined();
  });
});
