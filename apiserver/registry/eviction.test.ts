import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/meta.js';
import { isNotFound, type ResourceRef } from '../../src/client/index.js';
import { startMemoryApiServer, type MemoryApiServer } from '../../controllers/testing/apiserver.js';

const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const pdbsRef: ResourceRef = { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', namespaced: true };

let api: MemoryApiServer;
beforeAll(async () => {
  api = await startMemoryApiServer();
});
afterAll(async () => {
  await api?.stop();
});

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const pods = () => api.client.resource<Obj>(podsRef);

/** A pod bound to a node and running, ready or not, as a kubelet would report it. */
async function runningPod(name: string, labels: Record<string, string> = {}, ready = true): Promise<Obj> {
  const created = await pods().create('default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] },
  });
  return pods().updateStatus('default', {
    ...created,
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
}

/** POSTs an Eviction without a client in between: the status code and headers as the server sent them. */
async function post(name: string, body: Record<string, unknown>, query = ''): Promise<{ status: number; json: Record<string, unknown>; retryAfter?: string }> {
  const res = await fetch(`${api.url}/api/v1/namespaces/default/pods/${name}/eviction${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const retryAfter = res.headers.get('retry-after');
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, ...(retryAfter ? { retryAfter } : {}) };
}

const evict = (name: string, body: Record<string, unknown> = {}, query = '') =>
  post(name, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...body }, query);

async function gone(name: string): Promise<boolean> {
  try {
    await pods().get('default', name);
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

describe('pods/eviction', () => {
  it('deletes the pod gracefully and answers 201 Success, marking it as a disruption target', async () => {
    await runningPod('a');
    const res = await evict('a');
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    const pod = await pods().get('default', 'a');
    expect(pod.metadata.deletionTimestamp).toBeDefined();
    expect(pod.metadata.deletionGracePeriodSeconds).toBe(30);
    expect((pod.status?.conditions as { type: string; reason?: string }[]).find((c) => c.type === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'EvictionByEvictionAPI',
      message: 'Eviction API: evicting',
    });
  });

  it('honours the delete options it carries, and dry run', async () => {
    await runningPod('b');
    expect((await evict('b', {}, '?dryRun=All')).status).toBe(201);
    expect((await pods().get('default', 'b')).metadata.deletionTimestamp).toBeUndefined();
    expect((await evict('b', { deleteOptions: { gracePeriodSeconds: 0 } })).status).toBe(201);
    expect(await gone('b')).toBe(true);
  });

  it('answers 404 for a missing pod and 400 when the body names another pod', async () => {
    const missing = await evict('nope');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ reason: 'NotFound', message: 'pods "nope" not found' });
    await runningPod('c');
    const res = await post('c', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other' } });
    expect(res).toMatchObject({ status: 400, json: { reason: 'BadRequest', message: 'name in URL does not match name in Eviction object' } });
  });

  it('refuses with 429 what a budget does not allow, without Retry-After, and takes a disruption from one that does', async () => {
    await runningPod('d1', { app: 'db' });
    await runningPod('d2', { app: 'db' });
    const pdb = await api.client.resource<Obj>(pdbsRef).create('default', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'db' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } },
    });
    // No controller has looked at the budget yet: come back later.
    const early = await evict('d1');
    expect(early.status).toBe(429);
    expect(early.retryAfter).toBe('10');
    expect(early.json).toMatchObject({ details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget db is still being processed by the server.' }] } });

    const status = { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 };
    await api.client.resource<Obj>(pdbsRef).updateStatus('default', { ...pdb, status });
    expect((await evict('d1')).status).toBe(201);
    const after = await api.client.resource<Obj>(pdbsRef).get('default', 'db');
    expect(after.status).toMatchObject({ disruptionsAllowed: 0, disruptedPods: { d1: expect.any(String) } });

    const refused = await evict('d2');
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBeUndefined();
    expect(refused.json).toMatchObject({
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget db needs 1 healthy pods and has 2 currently' }] },
    });
    expect((await pods().get('default', 'd2')).metadata.deletionTimestamp).toBeUndefined();
  });

  it('lets an unready pod go without spending a healthy budget, and a pending pod whatever the budget', async () => {
    await runningPod('e1', { app: 'cache' });
    await runningPod('e2', { app: 'cache' }, false);
    await pods().create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'e3', labels: { app: 'cache' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const pdb = await api.client.resource<Obj>(pdbsRef).create('default', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'cache' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'cache' } } },
    });
    await api.client.resource<Obj>(pdbsRef).updateStatus('default', {
      ...pdb,
      status: { observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 3 },
    });
    expect((await evict('e2')).status).toBe(201);
    expect((await evict('e3')).status).toBe(201);
    expect(await gone('e3')).toBe(true);
    expect((await evict('e1')).status).toBe(429);
    expect((await api.client.resource<Obj>(pdbsRef).get('default', 'cache')).status?.disruptionsAllowed).toBe(0);
  });

  it('answers 500 when several budgets select the pod', async () => {
    await runningPod('f', { app: 'twice' });
    for (const name of ['one', 'two']) {
      await api.client.resource<Obj>(pdbsRef).create('default', {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name },
        spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'twice' } } },
      });
    }
    const res = await evict('f');
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' });
  });
});
