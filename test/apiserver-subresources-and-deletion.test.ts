// Deletion (grace periods, preconditions, propagation finalizers, user
// finalizers, deletecollection), the scale and binding subresources, and the
// namespace lifecycle, against a real apiserver on a real etcd.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/api/meta.js';
import type { Status } from '../src/api/status.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import {
  CM_PATH,
  configMap,
  DEPLOY_PATH,
  deployment,
  expectStatus,
  Http,
  makeNamespace,
  pod,
  POD_PATH,
  unique,
} from './apiserver-helpers.js';

const run = promisify(execFile);

let s: TestApiServer;
let http: Http;

beforeAll(async () => {
  s = await startApiServer();
  http = Http.of(s);
});
afterAll(async () => {
  await http?.close();
  await s?.stop();
});

const binding = (podName: string, nodeName: string) => ({
  apiVersion: 'v1',
  kind: 'Binding',
  metadata: { name: podName },
  target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
});

async function bound(ns: string, name: string, nodeName = 'node-1'): Promise<void> {
  expect((await http.post(POD_PATH(ns), pod(name))).status).toBe(201);
  const res = await http.post(POD_PATH(ns, name, 'binding'), binding(name, nodeName));
  expect(res.status, res.text).toBe(201);
}

async function exists(path: string): Promise<boolean> {
  const res = await http.get(path);
  if (res.status === 404) return false;
  expect(res.status, res.text).toBe(200);
  return true;
}

describe('delete', () => {
  it('removes an object with nothing to wait for at once', async () => {
    const ns = await makeNamespace(http);
    const cm = (await http.post(CM_PATH(ns), configMap('cfg'))).json as KubeObject;
    const res = await http.delete(CM_PATH(ns, 'cfg'));
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'cfg', kind: 'configmaps', uid: cm.metadata.uid },
    });
    expect(await exists(CM_PATH(ns, 'cfg'))).toBe(false);
    expectStatus(await http.delete(CM_PATH(ns, 'cfg')), 404, 'NotFound', 'configmaps "cfg" not found');

    // a pod never scheduled has nothing to stop: gone at once, and the answer is the pod
    await http.post(POD_PATH(ns), pod('unscheduled'));
    const pd = await http.delete(POD_PATH(ns, 'unscheduled'), { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 30 });
    expect(pd.status).toBe(200);
    expect(pd.json).toMatchObject({ kind: 'Pod', metadata: { name: 'unscheduled' } });
    expect(await exists(POD_PATH(ns, 'unscheduled'))).toBe(false);
  });

  it('deletes a scheduled pod gracefully, then at once with gracePeriodSeconds=0', async () => {
    const ns = await makeNamespace(http);
    await bound(ns, 'web');
    const before = Date.now();
    const res = await http.delete(POD_PATH(ns, 'web'));
    expect(res.status, res.text).toBe(200);
    const terminating = res.json as KubeObject;
    expect(terminating.metadata.deletionGracePeriodSeconds).toBe(30);
    const deadline = Date.parse(terminating.metadata.deletionTimestamp!);
    expect(deadline).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 29_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 31_000);

    const still = await http.get(POD_PATH(ns, 'web'));
    expect(still.status).toBe(200);
    expect((still.json as KubeObject).metadata.deletionTimestamp).toBe(terminating.metadata.deletionTimestamp);

    // the kubelet's status writes and a user's label during the grace period keep the pod
    const withStatus = { ...(still.json as KubeObject), status: { phase: 'Running' } };
    expect((await http.put(`${POD_PATH(ns, 'web')}/status`, withStatus)).status).toBe(200);
    const labelled = await http.patch(POD_PATH(ns, 'web'), { metadata: { labels: { late: 'yes' } } }, 'application/merge-patch+json');
    expect(labelled.status, labelled.text).toBe(200);
    expect(await exists(POD_PATH(ns, 'web'))).toBe(true);

    // a longer grace period cannot extend a deletion already under way
    const longer = await http.delete(`${POD_PATH(ns, 'web')}?gracePeriodSeconds=120`);
    expect(longer.status).toBe(200);
    expect((longer.json as KubeObject).metadata.deletionGracePeriodSeconds).toBe(30);

    const now = await http.delete(`${POD_PATH(ns, 'web')}?gracePeriodSeconds=0`);
    expect(now.status, now.text).toBe(200);
    expect(await exists(POD_PATH(ns, 'web'))).toBe(false);
  });

  it('honours the grace period asked for', async () => {
    const ns = await makeNamespace(http);
    await bound(ns, 'short');
    const res = await http.delete(POD_PATH(ns, 'short'), { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 5 });
    expect(res.status, res.text).toBe(200);
    expect((res.json as KubeObject).metadata.deletionGracePeriodSeconds).toBe(5);
    expect(await exists(POD_PATH(ns, 'short'))).toBe(true);
  });

  it('checks preconditions: a uid or resourceVersion that does not match is a 409 and deletes nothing', async () => {
    const ns = await makeNamespace(http);
    const cm = (await http.post(CM_PATH(ns), configMap('cfg'))).json as KubeObject;
    const wrongUid = await http.delete(CM_PATH(ns, 'cfg'), {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      preconditions: { uid: '00000000-0000-0000-0000-000000000000' },
    });
    const st = expectStatus(wrongUid, 409, 'Conflict');
    expect(st.message).toContain('Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000');
    const wrongRv = await http.delete(CM_PATH(ns, 'cfg'), { preconditions: { resourceVersion: '1' } });
    expectStatus(wrongRv, 409, 'Conflict');
    expect(await exists(CM_PATH(ns, 'cfg'))).toBe(true);

    const ok = await http.delete(CM_PATH(ns, 'cfg'), {
      preconditions: { uid: cm.metadata.uid, resourceVersion: cm.metadata.resourceVersion },
    });
    expect(ok.status, ok.text).toBe(200);
    expect(await exists(CM_PATH(ns, 'cfg'))).toBe(false);
  });

  it('keeps an object deleted with Foreground or Orphan propagation until its finalizer is removed', async () => {
    const ns = await makeNamespace(http);
    for (const [name, policy, finalizer] of [
      ['fg', 'Foreground', 'foregroundDeletion'],
      ['orph', 'Orphan', 'orphan'],
    ] as const) {
      await http.post(DEPLOY_PATH(ns), deployment(name));
      const res = await http.delete(DEPLOY_PATH(ns, name), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: policy });
      expect(res.status, res.text).toBe(200);
      const obj = res.json as KubeObject;
      expect(obj.metadata.finalizers).toEqual([finalizer]);
      expect(obj.metadata.deletionTimestamp).toBeTruthy();
      const got = (await http.get(DEPLOY_PATH(ns, name))).json as KubeObject;
      expect(got.metadata.finalizers).toEqual([finalizer]);
      expect(got.metadata.deletionTimestamp).toBe(obj.metadata.deletionTimestamp);
    }
    // orphanDependents=false asks for an answer of 202 while the object stays
    await http.post(DEPLOY_PATH(ns), deployment('legacy'));
    const legacy = await http.delete(DEPLOY_PATH(ns, 'legacy'), { propagationPolicy: 'Foreground', orphanDependents: false });
    expect(legacy.status, legacy.text).toBe(202);

    const patched = await http.patch(DEPLOY_PATH(ns, 'fg'), { metadata: { finalizers: null } }, 'application/merge-patch+json');
    expect(patched.status, patched.text).toBe(200);
    expect(await exists(DEPLOY_PATH(ns, 'fg'))).toBe(false);

    const orph = (await http.get(DEPLOY_PATH(ns, 'orph'))).json as KubeObject;
    const put = await http.put(DEPLOY_PATH(ns, 'orph'), { ...orph, metadata: { ...orph.metadata, finalizers: [] } });
    expect(put.status, put.text).toBe(200);
    expect(await exists(DEPLOY_PATH(ns, 'orph'))).toBe(false);
  });

  it('keeps an object with finalizers until an update removes the last one', async () => {
    const ns = await makeNamespace(http);
    const cm = configMap('held');
    await http.post(CM_PATH(ns), { ...cm, metadata: { ...cm.metadata, finalizers: ['example.com/a', 'example.com/b'] } });
    const del = await http.delete(CM_PATH(ns, 'held'));
    expect(del.status, del.text).toBe(200);
    expect(del.json).toMatchObject({ kind: 'ConfigMap', metadata: { deletionGracePeriodSeconds: 0 } });
    expect((del.json as KubeObject).metadata.deletionTimestamp).toBeTruthy();

    // no new finalizers once deletion has started
    const add = await http.patch(
      CM_PATH(ns, 'held'),
      { metadata: { finalizers: ['example.com/a', 'example.com/b', 'example.com/c'] } },
      'application/merge-patch+json',
    );
    const st = expectStatus(add, 422, 'Invalid');
    expect(st.details?.causes?.map((c) => c.field)).toEqual(['metadata.finalizers']);

    const one = await http.patch(CM_PATH(ns, 'held'), { metadata: { finalizers: ['example.com/b'] } }, 'application/merge-patch+json');
    expect(one.status, one.text).toBe(200);
    expect(await exists(CM_PATH(ns, 'held'))).toBe(true);
    const current = (await http.get(CM_PATH(ns, 'held'))).json as KubeObject;
    const last = await http.put(CM_PATH(ns, 'held'), { ...current, metadata: { ...current.metadata, finalizers: [] } });
    expect(last.status, last.text).toBe(200);
    expect(await exists(CM_PATH(ns, 'held'))).toBe(false);
  });

  it('deletes a collection by label selector and leaves the rest', async () => {
    const ns = await makeNamespace(http);
    for (const [name, app] of [
      ['a1', 'a'],
      ['a2', 'a'],
      ['a3', 'a'],
      ['b1', 'b'],
      ['n1', undefined],
    ] as const) {
      await http.post(CM_PATH(ns), configMap(name, app ? { app } : undefined));
    }
    const other = await makeNamespace(http);
    await http.post(CM_PATH(other), configMap('a-elsewhere', { app: 'a' }));

    const res = await http.delete(`${CM_PATH(ns)}?labelSelector=app%3Da`);
    expect(res.status, res.text).toBe(200);
    const deleted = (res.json as { items: KubeObject[] }).items.map((o) => o.metadata.name).sort();
    expect(deleted).toEqual(['a1', 'a2', 'a3']);
    const left = (await http.get(CM_PATH(ns))).json as { items: KubeObject[] };
    expect(left.items.map((o) => o.metadata.name).sort()).toEqual(['b1', 'n1']);
    expect(await exists(CM_PATH(other, 'a-elsewhere'))).toBe(true);
  });
});

describe('scale subresource', () => {
  it('reads and writes replicas through an autoscaling/v1 Scale', async () => {
    const ns = await makeNamespace(http);
    const d = deployment('web', { replicas: 2 });
    const withExpr = {
      ...d,
      spec: {
        ...d.spec,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
        template: { ...d.spec.template, metadata: { labels: { app: 'web', tier: 'a' } } },
      },
    };
    const created = (await http.post(DEPLOY_PATH(ns), withExpr)).json as KubeObject;
    const got = await http.get(DEPLOY_PATH(ns, 'web', 'scale'));
    expect(got.status, got.text).toBe(200);
    expect(got.json).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', namespace: ns, uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion },
      spec: { replicas: 2 },
      status: { replicas: 0, selector: 'app=web,tier in (a,b)' },
    });

    const scale = got.json as KubeObject & { spec: { replicas: number } };
    const put = await http.put(DEPLOY_PATH(ns, 'web', 'scale'), { ...scale, spec: { replicas: 5 } });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toMatchObject({ kind: 'Scale', spec: { replicas: 5 } });
    const after = (await http.get(DEPLOY_PATH(ns, 'web'))).json as KubeObject & { spec: { replicas: number } };
    expect(after.spec.replicas).toBe(5);
    expect(after.metadata.generation).toBe(2);

    // the Scale's resourceVersion guards the write
    const stale = await http.put(DEPLOY_PATH(ns, 'web', 'scale'), { ...scale, spec: { replicas: 7 } });
    expectStatus(stale, 409, 'Conflict');

    const patched = await http.patch(DEPLOY_PATH(ns, 'web', 'scale'), { spec: { replicas: 1 } }, 'application/merge-patch+json');
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ spec: { replicas: 1 } });
    expect(((await http.get(DEPLOY_PATH(ns, 'web'))).json as { spec: { replicas: number } }).spec.replicas).toBe(1);
  });

  it('rejects negative replicas with 422 and keeps the deployment as it was', async () => {
    const ns = await makeNamespace(http);
    await http.post(DEPLOY_PATH(ns), deployment('web', { replicas: 3 }));
    const put = await http.put(DEPLOY_PATH(ns, 'web', 'scale'), {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'web', namespace: ns },
      spec: { replicas: -1 },
    });
    const st = expectStatus(put, 422, 'Invalid');
    expect(st.details?.causes?.map((c) => c.field)).toEqual(['spec.replicas']);
    const patch = await http.patch(DEPLOY_PATH(ns, 'web', 'scale'), { spec: { replicas: -1 } }, 'application/merge-patch+json');
    expectStatus(patch, 422, 'Invalid');
    expect(((await http.get(DEPLOY_PATH(ns, 'web'))).json as { spec: { replicas: number } }).spec.replicas).toBe(3);
  });

  it('is what kubectl scale uses', async () => {
    const ns = await makeNamespace(http);
    await http.post(DEPLOY_PATH(ns), deployment('web', { replicas: 1 }));
    const { stdout } = await run('/usr/bin/kubectl', ['-n', ns, 'scale', 'deployment/web', '--replicas=4'], {
      env: { ...process.env, KUBECONFIG: s.kubeconfig },
      timeout: 30_000,
    });
    expect(stdout).toContain('deployment.apps/web scaled');
    expect(((await http.get(DEPLOY_PATH(ns, 'web'))).json as { spec: { replicas: number } }).spec.replicas).toBe(4);
  });
});

describe('binding subresource', () => {
  it('sets spec.nodeName and the PodScheduled condition, once', async () => {
    const ns = await makeNamespace(http);
    await http.post(POD_PATH(ns), pod('p'));
    const res = await http.post(POD_PATH(ns, 'p', 'binding'), binding('p', 'node-7'));
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ kind: 'Status', status: 'Success' });
    const p = (await http.get(POD_PATH(ns, 'p'))).json as KubeObject & {
      spec: { nodeName?: string };
      status: { conditions?: { type: string; status: string }[] };
    };
    expect(p.spec.nodeName).toBe('node-7');
    expect(p.status.conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'True' }));

    const again = await http.post(POD_PATH(ns, 'p', 'binding'), binding('p', 'node-8'));
    const st = expectStatus(again, 409, 'Conflict');
    expect(st.message).toContain('already assigned to node "node-7"');
    expect(((await http.get(POD_PATH(ns, 'p'))).json as { spec: { nodeName: string } }).spec.nodeName).toBe('node-7');
  });

  it('answers 404 for a pod that does not exist', async () => {
    const ns = await makeNamespace(http);
    const res = await http.post(POD_PATH(ns, 'ghost', 'binding'), binding('ghost', 'node-1'));
    expectStatus(res, 404, 'NotFound', 'pods "ghost" not found');
  });
});

describe('namespaces', () => {
  it('refuses to create into a namespace that does not exist', async () => {
    const missing = unique('missing');
    const res = await http.post(CM_PATH(missing), configMap('cfg'));
    expectStatus(res, 404, 'NotFound', `namespaces "${missing}" not found`);
    expect((res.json as Status).details).toMatchObject({ name: missing, kind: 'namespaces' });
    expectStatus(await http.get(CM_PATH(missing, 'cfg')), 404, 'NotFound');
  });

  it('refuses new content in a terminating namespace, which finalize then removes', async () => {
    const ns = await makeNamespace(http);
    await http.post(CM_PATH(ns), configMap('before'));
    const del = await http.delete(`/api/v1/namespaces/${ns}`);
    expect(del.status, del.text).toBe(200);
    expect(del.json).toMatchObject({ kind: 'Namespace', spec: { finalizers: ['kubernetes'] }, status: { phase: 'Terminating' } });
    expect((del.json as KubeObject).metadata.deletionTimestamp).toBeTruthy();

    const res = await http.post(CM_PATH(ns), configMap('after'));
    expectStatus(res, 403, 'Forbidden', `configmaps "after" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`);
    expect((res.json as { details?: { causes?: { reason?: string }[] } }).details?.causes?.[0]?.reason).toBe('NamespaceTerminating');
    expect(await exists(CM_PATH(ns, 'after'))).toBe(false);
    // what is there can still change
    const upd = await http.patch(CM_PATH(ns, 'before'), { data: { k: 'v2' } }, 'application/merge-patch+json');
    expect(upd.status, upd.text).toBe(200);

    const current = (await http.get(`/api/v1/namespaces/${ns}`)).json as KubeObject;
    const fin = await http.put(`/api/v1/namespaces/${ns}/finalize`, { ...current, spec: { finalizers: [] } });
    expect(fin.status, fin.text).toBe(200);
    expect(await exists(`/api/v1/namespaces/${ns}`)).toBe(false);
  });
});
