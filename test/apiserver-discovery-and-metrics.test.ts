// Discovery documents, /version, Prometheus metrics and server-side printed
// Tables, as kubectl reads them.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/api/meta.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import { CM_PATH, configMap, Http, makeNamespace, pod, POD_PATH, until } from './apiserver-helpers.js';

const run = promisify(execFile);
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

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

interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  group?: string;
  version?: string;
}

async function resourcesOf(path: string): Promise<Map<string, ApiResource>> {
  const res = await http.get(path);
  expect(res.status, res.text).toBe(200);
  const doc = res.json as { kind: string; resources: ApiResource[] };
  expect(doc.kind).toBe('APIResourceList');
  return new Map(doc.resources.map((r) => [r.name, r]));
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

describe('discovery', () => {
  it('lists the core version and the API groups', async () => {
    const api = await http.get('/api');
    expect(api.status).toBe(200);
    expect(api.json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });

    const apis = await http.get('/apis');
    expect(apis.json).toMatchObject({ kind: 'APIGroupList' });
    const groups = (apis.json as { groups: { name: string; versions: { groupVersion: string }[]; preferredVersion: { groupVersion: string } }[] }).groups;
    const byName = new Map(groups.map((g) => [g.name, g]));
    for (const [name, gv] of [
      ['apps', 'apps/v1'],
      ['batch', 'batch/v1'],
      ['autoscaling', 'autoscaling/v2'],
      ['coordination.k8s.io', 'coordination.k8s.io/v1'],
    ]) {
      expect(byName.get(name!)?.versions.map((v) => v.groupVersion), name).toContain(gv);
      expect(byName.get(name!)?.preferredVersion.groupVersion).toBeTruthy();
    }
    const apps = await http.get('/apis/apps');
    expect(apps.json).toMatchObject({ kind: 'APIGroup', name: 'apps', preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } });
  });

  it('describes core resources with verbs, scope, kind and short names', async () => {
    const core = await resourcesOf('/api/v1');
    const expectations: [string, string, boolean, string[]][] = [
      ['pods', 'Pod', true, ['po']],
      ['services', 'Service', true, ['svc']],
      ['namespaces', 'Namespace', false, ['ns']],
      ['nodes', 'Node', false, ['no']],
      ['configmaps', 'ConfigMap', true, ['cm']],
      ['endpoints', 'Endpoints', true, ['ep']],
    ];
    for (const [name, kind, namespaced, shortNames] of expectations) {
      const r = core.get(name);
      expect(r, name).toMatchObject({ kind, namespaced, shortNames });
      expect(r?.verbs).toEqual(expect.arrayContaining(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']));
    }
    expect([...core.get('pods')!.verbs].sort()).toEqual(ALL_VERBS);
    expect(core.get('pods')!.singularName).toBe('pod');
    expect(core.get('pods/status')).toMatchObject({ kind: 'Pod', verbs: expect.arrayContaining(['get', 'patch', 'update']) });
    expect(core.get('pods/binding')).toMatchObject({ kind: 'Binding', verbs: ['create'] });
    expect(core.get('namespaces/finalize')).toMatchObject({ verbs: ['update'] });
  });

  it('describes apps and autoscaling resources, the scale subresource included', async () => {
    const apps = await resourcesOf('/apis/apps/v1');
    for (const [name, kind, short] of [
      ['deployments', 'Deployment', 'deploy'],
      ['replicasets', 'ReplicaSet', 'rs'],
      ['daemonsets', 'DaemonSet', 'ds'],
      ['statefulsets', 'StatefulSet', 'sts'],
    ] as const) {
      expect(apps.get(name), name).toMatchObject({ kind, namespaced: true, shortNames: [short] });
      expect([...apps.get(name)!.verbs].sort()).toEqual(ALL_VERBS);
    }
    expect(apps.get('deployments/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    const hpa = await resourcesOf('/apis/autoscaling/v2');
    expect(hpa.get('horizontalpodautoscalers')).toMatchObject({ kind: 'HorizontalPodAutoscaler', shortNames: ['hpa'] });
  });

  it('answers /version like Kubernetes', async () => {
    const res = await http.get('/version');
    expect(res.json).toMatchObject({
      major: '1',
      minor: expect.stringMatching(/^\d+$/),
      gitVersion: expect.stringMatching(/^v1\.\d+\.\d+/),
      platform: expect.stringContaining('/'),
    });
  });

  it('is enough for kubectl to resolve short names', async () => {
    const env = { ...process.env, KUBECONFIG: s.kubeconfig };
    const { stdout } = await run('/usr/bin/kubectl', ['api-resources', '--api-group=apps'], { env, timeout: 30_000 });
    expect(stdout).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    const ns = await makeNamespace(http);
    await http.post(CM_PATH(ns), configMap('via-short-name'));
    const got = await run('/usr/bin/kubectl', ['get', 'cm', '-n', ns, '-o', 'name'], { env, timeout: 30_000 });
    expect(got.stdout.trim()).toBe('configmap/via-short-name');
  });
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

async function scrape(): Promise<Sample[]> {
  const res = await http.get('/metrics', { headers: { accept: 'text/plain' } });
  expect(res.status).toBe(200);
  return parseMetrics(res.text);
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number {
  return samples
    .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
    .reduce((sum, x) => sum + x.value, 0);
}

describe('metrics', () => {
  it('counts requests by verb, resource and code, and times them', async () => {
    const ns = await makeNamespace(http);
    const before = await scrape();
    for (let i = 0; i < 3; i++) expect((await http.get(CM_PATH(ns))).status).toBe(200);
    expect((await http.post(CM_PATH(ns), configMap('counted'))).status).toBe(201);
    expect((await http.get(CM_PATH(ns, 'missing'))).status).toBe(404);
    const after = await scrape();

    const delta = (labels: Record<string, string>) =>
      value(after, 'apiserver_request_total', labels) - value(before, 'apiserver_request_total', labels);
    expect(delta({ verb: 'LIST', resource: 'configmaps', code: '200' })).toBe(3);
    expect(delta({ verb: 'POST', resource: 'configmaps', code: '201' })).toBe(1);
    expect(delta({ verb: 'GET', resource: 'configmaps', code: '404' })).toBe(1);

    const listed = { verb: 'LIST', resource: 'configmaps' };
    const inf = (samples: Sample[]) => value(samples, 'apiserver_request_duration_seconds_bucket', { ...listed, le: '+Inf' });
    expect(inf(after) - inf(before)).toBe(3);
    expect(value(after, 'apiserver_request_duration_seconds_count', listed)).toBeGreaterThanOrEqual(3);
    const buckets = after.filter((x) => x.name === 'apiserver_request_duration_seconds_bucket' && x.labels.verb === 'LIST');
    expect(new Set(buckets.map((b) => b.labels.le)).size).toBeGreaterThan(5);

    expect(value(after, 'etcd_request_duration_seconds_count', { operation: 'create', type: 'configmaps' })).toBeGreaterThanOrEqual(1);
    expect(after.some((x) => x.name === 'etcd_request_duration_seconds_bucket')).toBe(true);
  });

  it('shows open watches in apiserver_registered_watchers', async () => {
    const ns = await makeNamespace(http);
    const watchers = async () => value(await scrape(), 'apiserver_registered_watchers', { group: '', kind: 'ConfigMap' });
    const base = await watchers();
    const w = await http.watch(`${CM_PATH(ns)}?watch=true`);
    try {
      await until(async () => (await watchers()) === base + 1, 'the watch to be counted');
    } finally {
      w.close();
    }
    await until(async () => (await watchers()) === base, 'the closed watch to be uncounted');
  });
});

describe('Table output', () => {
  interface Table {
    kind: string;
    apiVersion: string;
    metadata: { resourceVersion?: string };
    columnDefinitions: { name: string; priority: number }[];
    rows: { cells: unknown[]; object?: KubeObject }[];
  }

  it("prints pods with kubectl's columns", async () => {
    const ns = await makeNamespace(http);
    await http.post(POD_PATH(ns), pod('web'));
    await http.post(POD_PATH(ns, 'web', 'binding'), {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'web' },
      target: { kind: 'Node', name: 'node-1' },
    });
    await http.patch(POD_PATH(ns, 'web', 'status'), { status: { podIP: '10.1.2.3' } }, 'application/merge-patch+json');

    const res = await http.get(POD_PATH(ns), { headers: { accept: TABLE } });
    expect(res.status, res.text).toBe(200);
    const table = res.json as Table;
    expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(Number(table.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(table.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP',
      'Node',
      'Nominated Node',
      'Readiness Gates',
    ]);
    expect(table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(table.rows).toHaveLength(1);
    const cells = table.rows[0]!.cells;
    expect(cells.slice(0, 4)).toEqual(['web', '0/1', 'Pending', '0']);
    expect(cells[4]).toMatch(/^\d+s$/);
    expect(cells.slice(5)).toEqual(['10.1.2.3', 'node-1', '<none>', '<none>']);
    expect(table.rows[0]!.object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'web', namespace: ns } });

    const full = (await http.get(`${POD_PATH(ns)}?includeObject=Object`, { headers: { accept: TABLE } })).json as Table;
    expect(full.rows[0]!.object).toMatchObject({ kind: 'Pod', spec: { nodeName: 'node-1' } });
    const one = (await http.get(POD_PATH(ns, 'web'), { headers: { accept: TABLE } })).json as Table;
    expect(one.kind).toBe('Table');
    expect(one.rows.map((r) => r.cells[0])).toEqual(['web']);
  });

  it('prints namespaces with Name, Status, Age', async () => {
    const res = await http.get('/api/v1/namespaces', { headers: { accept: TABLE } });
    expect(res.status).toBe(200);
    const table = res.json as Table;
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Status', 'Age']);
    const row = table.rows.find((r) => r.cells[0] === 'kube-system');
    expect(row?.cells[1]).toBe('Active');
  });

  it('is what kubectl get prints', async () => {
    const ns = await makeNamespace(http);
    await http.post(POD_PATH(ns), pod('shown'));
    const { stdout } = await run('/usr/bin/kubectl', ['get', 'pods', '-n', ns, '-o', 'wide'], {
      env: { ...process.env, KUBECONFIG: s.kubeconfig },
      timeout: 30_000,
    });
    const [header, row] = stdout.trim().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(row).toMatch(/^shown\s+0\/1\s+Pending\s+0\s+\d+s\s+<none>\s+<none>\s+<none>\s+<none>$/);
  });
});
