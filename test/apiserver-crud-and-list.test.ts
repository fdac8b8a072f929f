// Create, get, list (selectors, paging, all namespaces, cluster scope),
// update and patch against a real apiserver on a real etcd.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeList, KubeObject } from '../src/api/meta.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import {
  CM_PATH,
  configMap,
  DEPLOY_PATH,
  deployment,
  expectStatus,
  Http,
  makeNamespace,
  node,
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

const PODS = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const CONFIGMAPS = { group: '', version: 'v1', plural: 'configmaps', namespaced: true };
const NODES = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
const NAMESPACES = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };

const names = (list: KubeList) => list.items.map((o) => o.metadata.name).sort();

describe('create and get', () => {
  it('has the built-in namespaces from the start', async () => {
    const list = await s.client.resource(NAMESPACES).list();
    expect(names(list)).toEqual(expect.arrayContaining(['default', 'kube-node-lease', 'kube-public', 'kube-system']));
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      const res = await http.get(`/api/v1/namespaces/${name}`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } });
    }
  });

  it('creates with POST (201, server-set metadata) and reads the same object back', async () => {
    const ns = await makeNamespace(http);
    const res = await http.post(POD_PATH(ns), pod('web', { labels: { app: 'web' } }));
    expect(res.status, res.text).toBe(201);
    const created = res.json as KubeObject;
    expect(created).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: ns, labels: { app: 'web' } } });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(created.status).toMatchObject({ phase: 'Pending' });

    const got = await http.get(POD_PATH(ns, 'web'));
    expect(got.status).toBe(200);
    expect(got.json).toEqual(created);
  });

  it('names an object from generateName with a 5-character suffix', async () => {
    const ns = await makeNamespace(http);
    const cms = s.client.resource(CONFIGMAPS);
    const a = await cms.create(ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'settings-' } } as KubeObject);
    const b = await cms.create(ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'settings-' } } as KubeObject);
    expect(a.metadata.name).toMatch(/^settings-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(b.metadata.name).toMatch(/^settings-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(a.metadata.name).not.toBe(b.metadata.name);
    expect(a.metadata.generateName).toBe('settings-');
    expect((await cms.get(ns, a.metadata.name!)).metadata.uid).toBe(a.metadata.uid);
  });

  it('serves cluster-scoped resources without a namespace', async () => {
    const nodes = s.client.resource(NODES);
    const name = unique('node');
    const created = await nodes.create(undefined, node(name) as KubeObject);
    expect(created.metadata.namespace).toBeUndefined();
    expect((await http.get(`/api/v1/nodes/${name}`)).json).toMatchObject({ kind: 'Node', metadata: { name } });
    expect(names(await nodes.list())).toContain(name);
    // a cluster-scoped resource has no namespaced path
    expectStatus(await http.get(`/api/v1/namespaces/default/nodes/${name}`), 404, 'NotFound');
  });
});

describe('list', () => {
  it('filters by label selector: =, !=, in, notin, exists, does not exist', async () => {
    const ns = await makeNamespace(http);
    const cms = s.client.resource(CONFIGMAPS);
    const labelled: Record<string, Record<string, string> | undefined> = {
      a: { app: 'web', tier: 'front' },
      b: { app: 'web', tier: 'back' },
      c: { app: 'db', tier: 'back' },
      d: { app: 'cache' },
      e: undefined,
    };
    for (const [name, labels] of Object.entries(labelled)) await cms.create(ns, configMap(name, labels) as KubeObject);
    const select = async (labelSelector: string) => names(await cms.list(ns, { labelSelector }));
    expect(await select('app=web')).toEqual(['a', 'b']);
    expect(await select('app==web,tier=back')).toEqual(['b']);
    expect(await select('app!=web')).toEqual(['c', 'd', 'e']);
    expect(await select('app in (db,cache)')).toEqual(['c', 'd']);
    expect(await select('tier notin (front)')).toEqual(['b', 'c', 'd', 'e']);
    expect(await select('tier')).toEqual(['a', 'b', 'c']);
    expect(await select('!tier')).toEqual(['d', 'e']);
    expect(await select('app,!tier')).toEqual(['d']);
    // the watch cache answers lists with a resourceVersion: same results
    expect(names(await cms.list(ns, { labelSelector: 'app in (web)', resourceVersion: '0' }))).toEqual(['a', 'b']);
    expectStatus(await http.get(`${CM_PATH(ns)}?labelSelector=${encodeURIComponent('app in (web')}`), 400, 'BadRequest');
  });

  it('filters by field selector: metadata.name, metadata.namespace, spec.nodeName, status.phase', async () => {
    const ns1 = await makeNamespace(http);
    const ns2 = await makeNamespace(http);
    const pods = s.client.resource(PODS);
    await pods.create(ns1, pod('p1', { nodeName: 'node-a' }) as KubeObject);
    await pods.create(ns1, pod('p2', { nodeName: 'node-b' }) as KubeObject);
    await pods.create(ns1, pod('p3') as KubeObject);
    await pods.create(ns2, pod('p4', { nodeName: 'node-a' }) as KubeObject);
    const p3 = await pods.get(ns1, 'p3');
    await pods.updateStatus(ns1, { ...p3, status: { phase: 'Running' } });

    expect(names(await pods.list(ns1, { fieldSelector: 'metadata.name=p2' }))).toEqual(['p2']);
    expect(names(await pods.list(undefined, { fieldSelector: `metadata.namespace=${ns2}` }))).toEqual(['p4']);
    const onA = await pods.list(undefined, { fieldSelector: 'spec.nodeName=node-a' });
    expect(onA.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort()).toEqual([`${ns1}/p1`, `${ns2}/p4`].sort());
    // unscheduled pods have an empty spec.nodeName, as the scheduler selects them
    expect(names(await pods.list(ns1, { fieldSelector: 'spec.nodeName=' }))).toEqual(['p3']);
    expect(names(await pods.list(ns1, { fieldSelector: 'status.phase=Running' }))).toEqual(['p3']);
    expect(names(await pods.list(ns1, { fieldSelector: 'status.phase!=Running,spec.nodeName!=node-b' }))).toEqual(['p1']);

    const bad = await http.get(`${POD_PATH(ns1)}?fieldSelector=spec.foo%3Dbar`);
    expectStatus(bad, 400, 'BadRequest', 'field label not supported: spec.foo');
  });

  it('pages with limit and continue: one resourceVersion, every item exactly once, remainingItemCount', async () => {
    const ns = await makeNamespace(http);
    const cms = s.client.resource(CONFIGMAPS);
    const all = Array.from({ length: 7 }, (_, i) => `cm-${i}`);
    for (const name of all) await cms.create(ns, configMap(name) as KubeObject);

    const first = await cms.list(ns, { limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.metadata.continue).toBeTruthy();
    expect(first.metadata.remainingItemCount).toBe(4);
    // changes after the first page do not show in later pages of the same list
    await cms.create(ns, configMap('cm-late') as KubeObject);
    await cms.delete(ns, 'cm-6');

    const second = await cms.list(ns, { limit: 3, continue: first.metadata.continue });
    expect(second.items).toHaveLength(3);
    expect(second.metadata.remainingItemCount).toBe(1);
    const third = await cms.list(ns, { limit: 3, continue: second.metadata.continue });
    expect(third.items).toHaveLength(1);
    expect(third.metadata.continue).toBeFalsy();
    expect(third.metadata.remainingItemCount).toBeUndefined();

    expect(new Set([first, second, third].map((p) => p.metadata.resourceVersion)).size).toBe(1);
    const seen = [first, second, third].flatMap((p) => p.items.map((o) => o.metadata.name));
    expect(seen.sort()).toEqual(all);

    const now = await cms.listAll(ns, { limit: 2 });
    expect(names(now)).toEqual([...all.filter((n) => n !== 'cm-6'), 'cm-late'].sort());
    expectStatus(await http.get(`${CM_PATH(ns)}?limit=2&continue=not-a-token`), 400, 'BadRequest');
  });

  it('pages a label-selected list without remainingItemCount', async () => {
    const ns = await makeNamespace(http);
    const cms = s.client.resource(CONFIGMAPS);
    for (let i = 0; i < 6; i++) await cms.create(ns, configMap(`c${i}`, { even: String(i % 2 === 0) }) as KubeObject);
    const first = await cms.list(ns, { limit: 2, labelSelector: 'even=true' });
    expect(names(first)).toEqual(['c0', 'c2']);
    expect(first.metadata.remainingItemCount).toBeUndefined();
    const rest = await cms.list(ns, { limit: 2, labelSelector: 'even=true', continue: first.metadata.continue });
    expect(names(rest)).toEqual(['c4']);
  });

  it('lists across all namespaces', async () => {
    const ns1 = await makeNamespace(http);
    const ns2 = await makeNamespace(http);
    await s.client.resource(PODS).create(ns1, pod('x', { labels: { across: ns1 } }) as KubeObject);
    await s.client.resource(PODS).create(ns2, pod('y', { labels: { across: ns1 } }) as KubeObject);
    const res = await http.get(`/api/v1/pods?labelSelector=across%3D${ns1}`);
    expect(res.status).toBe(200);
    const list = res.json as KubeList;
    expect(list).toMatchObject({ kind: 'PodList', apiVersion: 'v1' });
    expect(list.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort()).toEqual([`${ns1}/x`, `${ns2}/y`].sort());
  });
});

describe('update', () => {
  it('rejects a PUT with a stale resourceVersion with 409 Conflict and accepts one without', async () => {
    const ns = await makeNamespace(http);
    const cms = s.client.resource(CONFIGMAPS);
    const v1 = await cms.create(ns, configMap('cfg', undefined, { a: '1' }) as KubeObject);
    const v2 = await cms.update(ns, { ...v1, data: { a: '2' } } as KubeObject);
    expect(Number(v2.metadata.resourceVersion)).toBeGreaterThan(Number(v1.metadata.resourceVersion));

    const stale = await http.put(CM_PATH(ns, 'cfg'), { ...v1, data: { a: 'stale' } });
    expectStatus(
      stale,
      409,
      'Conflict',
      'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect((await cms.get(ns, 'cfg')).data).toEqual({ a: '2' });

    const { resourceVersion: _rv, ...meta } = v1.metadata;
    const blind = await http.put(CM_PATH(ns, 'cfg'), { ...v1, metadata: meta, data: { a: '3' } });
    expect(blind.status, blind.text).toBe(200);
    expect((await cms.get(ns, 'cfg')).data).toEqual({ a: '3' });
  });

  it('bumps a deployment generation on spec changes only, and a main-resource PUT leaves status alone', async () => {
    const ns = await makeNamespace(http);
    const deploys = s.client.resource({ group: 'apps', version: 'v1', plural: 'deployments', namespaced: true });
    const created = await deploys.create(ns, deployment('web') as KubeObject);
    expect(created.metadata.generation).toBe(1);

    const scaled = await deploys.update(ns, { ...created, spec: { ...(created.spec as object), replicas: 3 } });
    expect(scaled.metadata.generation).toBe(2);

    const relabelled = await deploys.update(ns, { ...scaled, metadata: { ...scaled.metadata, labels: { team: 'a' } } });
    expect(relabelled.metadata.generation).toBe(2);
    expect(relabelled.metadata.labels).toEqual({ team: 'a' });
    expect(Number(relabelled.metadata.resourceVersion)).toBeGreaterThan(Number(scaled.metadata.resourceVersion));

    // status written through the main resource is ignored
    const withStatus = await deploys.update(ns, { ...relabelled, status: { replicas: 7, readyReplicas: 7 } });
    expect(withStatus.status ?? {}).not.toHaveProperty('replicas');
    expect((await deploys.get(ns, 'web')).status ?? {}).not.toHaveProperty('replicas');
  });

  it('changes only status through the status subresource', async () => {
    const ns = await makeNamespace(http);
    const deploys = s.client.resource({ group: 'apps', version: 'v1', plural: 'deployments', namespaced: true });
    const created = await deploys.create(ns, deployment('api', { replicas: 2 }) as KubeObject);
    const res = await http.put(DEPLOY_PATH(ns, 'api', 'status'), {
      ...created,
      metadata: { ...created.metadata, labels: { sneaky: 'yes' } },
      spec: { ...(created.spec as object), replicas: 9 },
      status: { replicas: 2, readyReplicas: 1, observedGeneration: 1 },
    });
    expect(res.status, res.text).toBe(200);
    const after = await deploys.get(ns, 'api');
    expect(after.status).toMatchObject({ replicas: 2, readyReplicas: 1, observedGeneration: 1 });
    expect((after.spec as { replicas: number }).replicas).toBe(2);
    expect(after.metadata.generation).toBe(1);

    const pods = s.client.resource(PODS);
    const p = await pods.create(ns, pod('p') as KubeObject);
    const st = await pods.patchStatus(ns, 'p', { status: { phase: 'Running', podIP: '10.0.0.9' } }, 'merge');
    expect(st.status).toMatchObject({ phase: 'Running', podIP: '10.0.0.9' });
    expect(st.spec).toEqual(p.spec);
  });
});

describe('writes that store nothing', () => {
  it('validates a dryRun=All create and update but stores neither', async () => {
    const ns = await makeNamespace(http);
    const dry = await http.post(`${CM_PATH(ns)}?dryRun=All`, configMap('dry'));
    expect(dry.status, dry.text).toBe(201);
    expect(dry.json).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'dry', namespace: ns } });
    expectStatus(await http.get(CM_PATH(ns, 'dry')), 404, 'NotFound');
    expectStatus(await http.post(`${CM_PATH(ns)}?dryRun=All`, configMap('Bad_Name')), 422, 'Invalid');

    const real = (await http.post(CM_PATH(ns), configMap('real', undefined, { k: '1' }))).json as KubeObject;
    const dryPut = await http.put(`${CM_PATH(ns, 'real')}?dryRun=All`, { ...real, data: { k: '2' } });
    expect(dryPut.status, dryPut.text).toBe(200);
    expect((dryPut.json as { data: object }).data).toEqual({ k: '2' });
    const after = (await http.get(CM_PATH(ns, 'real'))).json as KubeObject;
    expect(after.metadata.resourceVersion).toBe(real.metadata.resourceVersion);
    expect((after as { data?: object }).data).toEqual({ k: '1' });
    expectStatus(await http.post(`${CM_PATH(ns)}?dryRun=Some`, configMap('x')), 400, 'BadRequest');
  });

  it('keeps the resourceVersion when an update changes nothing', async () => {
    const ns = await makeNamespace(http);
    const created = (await http.post(CM_PATH(ns), configMap('same'))).json as KubeObject;
    const put = await http.put(CM_PATH(ns, 'same'), created);
    expect(put.status, put.text).toBe(200);
    expect((put.json as KubeObject).metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const patch = await http.patch(CM_PATH(ns, 'same'), { data: { k: 'v' } }, 'application/merge-patch+json');
    expect((patch.json as KubeObject).metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it('answers an update or patch of a missing object with 404', async () => {
    const ns = await makeNamespace(http);
    expectStatus(await http.put(CM_PATH(ns, 'ghost'), configMap('ghost')), 404, 'NotFound', 'configmaps "ghost" not found');
    expectStatus(await http.patch(CM_PATH(ns, 'ghost'), { data: { a: 'b' } }, 'application/merge-patch+json'), 404, 'NotFound');
    expectStatus(await http.get(CM_PATH(ns, 'ghost')), 404, 'NotFound');
  });

  it("refuses changes to a pod's spec beyond what Kubernetes allows, and takes an image change", async () => {
    const ns = await makeNamespace(http);
    const created = (await http.post(POD_PATH(ns), pod('p'))).json as KubeObject & { spec: { containers: Record<string, unknown>[] } };
    const renamed = await http.put(POD_PATH(ns, 'p'), {
      ...created,
      spec: { ...created.spec, containers: [{ ...created.spec.containers[0], name: 'other' }] },
    });
    expectStatus(renamed, 422, 'Invalid', /pod updates may not change fields other than/);
    const image = await http.patch(POD_PATH(ns, 'p'), { spec: { containers: [{ name: 'main', image: 'busybox:1.37' }] } }, 'application/strategic-merge-patch+json');
    expect(image.status, image.text).toBe(200);
    expect((image.json as typeof created).spec.containers[0]).toMatchObject({ name: 'main', image: 'busybox:1.37' });
  });
});

describe('kubectl', () => {
  it('creates with apply, then patches with a second apply', async () => {
    const ns = await makeNamespace(http);
    const dir = mkdtempSync(join(tmpdir(), 'skiff-apply-'));
    const file = join(dir, 'deploy.yaml');
    const env = { ...process.env, KUBECONFIG: s.kubeconfig };
    try {
      const manifest = (replicas: number, image: string) =>
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: applied\n  namespace: ${ns}\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: applied}\n  template:\n    metadata:\n      labels: {app: applied}\n    spec:\n      containers:\n      - name: web\n        image: ${image}\n      - name: side\n        image: side:1\n`;
      writeFileSync(file, manifest(1, 'nginx:1'));
      const first = await run('/usr/bin/kubectl', ['apply', '-f', file], { env, timeout: 30_000 });
      expect(first.stdout).toContain('deployment.apps/applied created');
      writeFileSync(file, manifest(3, 'nginx:2'));
      const second = await run('/usr/bin/kubectl', ['apply', '-f', file], { env, timeout: 30_000 });
      expect(second.stdout).toContain('deployment.apps/applied configured');
      const got = (await http.get(DEPLOY_PATH(ns, 'applied'))).json as KubeObject & {
        spec: { replicas: number; template: { spec: { containers: { name: string; image: string }[] } } };
      };
      expect(got.spec.replicas).toBe(3);
      expect(got.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual(['web=nginx:2', 'side=side:1']);
      expect(got.metadata.generation).toBe(2);
      expect(got.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain('nginx:2');
      const third = await run('/usr/bin/kubectl', ['apply', '-f', file], { env, timeout: 30_000 });
      expect(third.stdout).toContain('deployment.apps/applied unchanged');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('patch', () => {
  it('applies merge patches and JSON patches', async () => {
    const ns = await makeNamespace(http);
    await s.client.resource(CONFIGMAPS).create(ns, configMap('cfg', { app: 'a' }, { x: '1', y: '2' }) as KubeObject);
    const merged = await http.patch(CM_PATH(ns, 'cfg'), { data: { y: null, z: '3' }, metadata: { labels: { env: 'prod' } } }, 'application/merge-patch+json');
    expect(merged.status, merged.text).toBe(200);
    expect(merged.json).toMatchObject({ data: { x: '1', z: '3' }, metadata: { labels: { app: 'a', env: 'prod' } } });
    expect((merged.json as { data: object }).data).not.toHaveProperty('y');

    const jp = await http.patch(
      CM_PATH(ns, 'cfg'),
      [
        { op: 'test', path: '/data/x', value: '1' },
        { op: 'replace', path: '/data/x', value: '10' },
        { op: 'add', path: '/data/w', value: '4' },
        { op: 'remove', path: '/metadata/labels/app' },
      ],
      'application/json-patch+json',
    );
    expect(jp.status, jp.text).toBe(200);
    expect((jp.json as { data: object }).data).toEqual({ x: '10', z: '3', w: '4' });
    expect((jp.json as KubeObject).metadata.labels).toEqual({ env: 'prod' });
  });

  it('rejects a JSON patch whose test operation fails with 422 and changes nothing', async () => {
    const ns = await makeNamespace(http);
    const before = await s.client.resource(CONFIGMAPS).create(ns, configMap('cfg', undefined, { x: '1' }) as KubeObject);
    const res = await http.patch(
      CM_PATH(ns, 'cfg'),
      [
        { op: 'replace', path: '/data/x', value: '2' },
        { op: 'test', path: '/data/x', value: 'nope' },
      ],
      'application/json-patch+json',
    );
    expectStatus(res, 422, 'Invalid');
    const after = await s.client.resource(CONFIGMAPS).get(ns, 'cfg');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.data).toEqual({ x: '1' });
  });

  it('merges containers by name in a strategic merge patch', async () => {
    const ns = await makeNamespace(http);
    const containers = [
      { name: 'app', image: 'app:1' },
      { name: 'sidecar', image: 'proxy:1' },
    ];
    await http.post(DEPLOY_PATH(ns), deployment('two', { containers }));
    const res = await http.patch(
      DEPLOY_PATH(ns, 'two'),
      { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'proxy:2' }] } } } },
      'application/strategic-merge-patch+json',
    );
    expect(res.status, res.text).toBe(200);
    const spec = (res.json as { spec: { template: { spec: { containers: { name: string; image: string }[] } } } }).spec;
    expect(spec.template.spec.containers.map((c) => [c.name, c.image])).toEqual([
      ['app', 'app:1'],
      ['sidecar', 'proxy:2'],
    ]);
    expect((res.json as KubeObject).metadata.generation).toBe(2);
    // the same document as a merge patch replaces the whole list
    const merge = await http.patch(
      DEPLOY_PATH(ns, 'two'),
      { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'proxy:3' }] } } } },
      'application/merge-patch+json',
    );
    expect(merge.status, merge.text).toBe(200);
    expect((merge.json as typeof res.json & { spec: typeof spec }).spec.template.spec.containers.map((c) => c.name)).toEqual(['sidecar']);
  });

  it('rejects a patch that pins a stale resourceVersion with 409', async () => {
    const ns = await makeNamespace(http);
    const cms = s.client.resource(CONFIGMAPS);
    const v1 = await cms.create(ns, configMap('cfg') as KubeObject);
    await cms.patch(ns, 'cfg', { data: { k: 'v2' } }, 'merge');
    const res = await http.patch(
      CM_PATH(ns, 'cfg'),
      { metadata: { resourceVersion: v1.metadata.resourceVersion }, data: { k: 'stale' } },
      'application/merge-patch+json',
    );
    expectStatus(res, 409, 'Conflict');
    expect((await cms.get(ns, 'cfg')).data).toEqual({ k: 'v2' });
    const current = await cms.get(ns, 'cfg');
    const ok = await http.patch(
      CM_PATH(ns, 'cfg'),
      { metadata: { resourceVersion: current.metadata.resourceVersion }, data: { k: 'v3' } },
      'application/merge-patch+json',
    );
    expect(ok.status, ok.text).toBe(200);
  });
});
