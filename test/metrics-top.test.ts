// The resource metrics pipeline end to end: fake kubelets (HTTPS, client
// certificates checked) report usage the test sets; the metrics server
// scrapes them every second; a real apiserver on etcd aggregates
// metrics.k8s.io from it. Real kubectl and `skiff top` (in this process) read
// the same numbers and print the same tables; with the metrics server down
// both get kubectl's 503.
import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { cliIO } from '../src/cli/action.js';
import { buildProgram } from '../src/cli/program.js';
import type { ResourceRef } from '../src/client/index.js';
import { MetricsClient } from '../src/client/metrics.js';
import { createNode, eventually, FakeKubelet, startMetricsPipeline, type ContainerLoad, type MetricsPipeline, type PodRef } from './metrics-helpers.js';

const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const MI = 1024 * 1024;
const millicores = (m: number) => m * 1_000_000;

let p: MetricsPipeline;
const kubelets: FakeKubelet[] = [];
/** what each pod of node n1 runs, by pod name */
const n1Pods = new Map<string, { pod: PodRef; containers: Record<string, ContainerLoad> }>();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('/usr/bin/kubectl', ['--kubeconfig', p.api.kubeconfig, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function skiff(...args: string[]): Promise<Run> {
  const out = new Collector();
  const err = new Collector();
  const saved = { out: cliIO.out, err: cliIO.err };
  cliIO.out = out;
  cliIO.err = err;
  process.exitCode = undefined;
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'skiff', '--kubeconfig', p.api.kubeconfig, ...args]);
  } finally {
    cliIO.out = saved.out;
    cliIO.err = saved.err;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout: out.text, stderr: err.text };
}

async function createPod(namespace: string, name: string, labels: Record<string, string>, containers: string[]): Promise<PodRef> {
  const pod = await p.api.client.resource<Pod & KubeObject>(podsRef).create(namespace, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { nodeName: 'n1', containers: containers.map((c) => ({ name: c, image: 'skiff/busybox:latest' })) },
  } as Pod & KubeObject);
  return { name, namespace, uid: pod.metadata.uid ?? '' };
}

beforeAll(async () => {
  p = await startMetricsPipeline({ resolutionMs: 1000 });
  const k1 = new FakeKubelet(p.kubeletTls, () => [...n1Pods.values()]);
  const k2 = new FakeKubelet(p.kubeletTls, () => []);
  kubelets.push(k1, k2);
  k1.nodeLoad = { nanoCores: millicores(1500), memoryBytes: 1024 * MI };
  k2.nodeLoad = { nanoCores: millicores(250), memoryBytes: 512 * MI };
  await createNode(p.api.client, 'n1', await k1.start(), { cpu: '2', memory: '4Gi', pods: '110' }, { zone: 'a' });
  await createNode(p.api.client, 'n2', await k2.start(), { cpu: '4', memory: '8Gi', pods: '110' }, { zone: 'b' });
  // n3's kubelet never answers: it has no metrics
  await createNode(p.api.client, 'n3', 1, { cpu: '1', memory: '1Gi', pods: '110' }, { zone: 'c' });
  const load = (m: number, mem: number): ContainerLoad => ({ nanoCores: millicores(m), memoryBytes: mem * MI });
  n1Pods.set('web-1', { pod: await createPod('default', 'web-1', { app: 'web' }, ['app', 'log']), containers: { app: load(200, 64), log: load(50, 16) } });
  n1Pods.set('web-2', { pod: await createPod('default', 'web-2', { app: 'web' }, ['app', 'log']), containers: { app: load(400, 96), log: load(10, 16) } });
  n1Pods.set('cache', { pod: await createPod('default', 'cache', { app: 'cache' }, ['redis']), containers: { redis: load(100, 256) } });
  await p.api.client.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tools' } } });
  n1Pods.set('probe', { pod: await createPod('tools', 'probe', { app: 'probe' }, ['probe']), containers: { probe: load(5, 8) } });
  // a pod the kubelet does not report
  await createPod('default', 'quiet', { app: 'quiet' }, ['app']);
  const metrics = new MetricsClient(p.api.client);
  await eventually('pod metrics of every reported pod', async () => ((await metrics.listPodMetrics(undefined)).length === 4 ? true : undefined));
  await eventually('node metrics', async () => ((await metrics.listNodeMetrics()).length === 2 ? true : undefined));
}, 90_000);

afterAll(async () => {
  for (const k of kubelets) await k.stop();
  await p?.stop();
});

describe('metrics through the aggregation layer', () => {
  it('lists metrics.k8s.io/v1beta1 in discovery and serves its resource list from the metrics server', async () => {
    const groups = await p.api.client.request<{ groups: { name: string; preferredVersion: { groupVersion: string } }[] }>('GET', '/apis');
    expect(groups.groups.find((g) => g.name === 'metrics.k8s.io')?.preferredVersion.groupVersion).toBe('metrics.k8s.io/v1beta1');
    expect(await p.api.client.request('GET', '/apis/metrics.k8s.io')).toMatchObject({ kind: 'APIGroup', name: 'metrics.k8s.io' });
    const list = await p.api.client.request<{ resources: { name: string; kind: string }[] }>('GET', '/apis/metrics.k8s.io/v1beta1');
    expect(list.resources.map((r) => `${r.name}:${r.kind}`)).toEqual(['nodes:NodeMetrics', 'pods:PodMetrics']);
    const api = await kubectl('api-versions');
    expect(api.stdout.split('\n')).toContain('metrics.k8s.io/v1beta1');
  });

  it('computes CPU as the rate between scrapes and memory as the working set', async () => {
    const metrics = new MetricsClient(p.api.client);
    const pod = await metrics.getPodMetrics('default', 'web-1');
    expect(pod.containers).toEqual([
      { name: 'app', usage: { cpu: '200m', memory: '64Mi' } },
      { name: 'log', usage: { cpu: '50m', memory: '16Mi' } },
    ]);
    expect(pod.metadata.labels).toEqual({ app: 'web' });
    // about one resolution interval
    const window = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(pod.window);
    expect(window).not.toBeNull();
    const seconds = Number(window![1]) / (window![2] === 'ms' ? 1000 : 1);
    expect(seconds).toBeGreaterThan(0.5);
    expect(seconds).toBeLessThan(2.5);
    const node = await metrics.getNodeMetrics('n1');
    expect(node.usage).toEqual({ cpu: '1500m', memory: '1Gi' });
  });

  it('only lets authenticated users through, and the metrics server only the apiserver', async () => {
    const anonymous = await fetchStatus(`${p.api.url}/apis/metrics.k8s.io/v1beta1/nodes`, { ca: p.api.ca });
    expect(anonymous).toBe(401);
    // straight to the metrics server without the front-proxy certificate
    expect(await fetchStatus(`https://127.0.0.1:${p.metricsPort}/apis/metrics.k8s.io/v1beta1/nodes`, { ca: p.kubeletTls.ca })).toBe(401);
    expect(await fetchStatus(`https://127.0.0.1:${p.metricsPort}/apis/metrics.k8s.io/v1beta1/nodes`, { ca: p.kubeletTls.ca, ...p.proxyClient })).toBe(200);
    // the kubelets were scraped with the client certificate; without one they refuse
    expect(kubelets[0]!.served).toBeGreaterThan(1);
    expect(kubelets[0]!.refused).toBe(0);
    const port = (kubelets[0]!.server.address() as { port: number }).port;
    expect(await fetchStatus(`https://127.0.0.1:${port}/stats/summary`, { ca: p.kubeletTls.ca })).toBe(401);
  });

  it('kubectl top nodes and skiff top nodes print the same numbers', async () => {
    const k = await kubectl('top', 'nodes');
    const s = await skiff('top', 'nodes');
    expect(k.code).toBe(0);
    expect(s.code).toBe(0);
    const rows = k.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(rows[0]).toEqual(['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']);
    expect(rows.slice(1, 3)).toEqual([
      ['n1', '1500m', '75%', '1024Mi', '25%'],
      ['n2', '250m', '6%', '512Mi', '6%'],
    ]);
    expect(rows[3]?.[0]).toBe('n3');
    expect(s.stdout).toBe(k.stdout);
    // sorted, by selector, by name
    for (const args of [['--sort-by=cpu'], ['-l', 'zone=b'], ['n1'], ['--no-headers', '--sort-by=memory'], ['--show-capacity']]) {
      const kk = await kubectl('top', 'nodes', ...args);
      const ss = await skiff('top', 'nodes', ...args);
      expect([ss.code, ss.stdout], args.join(' ')).toEqual([kk.code, kk.stdout]);
    }
  });

  it('kubectl top pods and skiff top pods print the same numbers', async () => {
    const k = await kubectl('top', 'pods');
    expect(k.code).toBe(0);
    expect(k.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/))).toEqual([
      ['NAME', 'CPU(cores)', 'MEMORY(bytes)'],
      ['cache', '100m', '256Mi'],
      ['web-1', '250m', '80Mi'],
      ['web-2', '410m', '112Mi'],
    ]);
    expect((await skiff('top', 'pods')).stdout).toBe(k.stdout);
    for (const args of [['-A'], ['--containers'], ['-l', 'app=web', '--sort-by=cpu'], ['web-2', '--containers'], ['-n', 'tools'], ['-A', '--sort-by=memory', '--sum'], ['--no-headers']]) {
      const kk = await kubectl('top', 'pods', ...args);
      const ss = await skiff('top', 'pods', ...args);
      expect([ss.code, ss.stdout, ss.stderr], args.join(' ')).toEqual([kk.code, kk.stdout, kk.stderr]);
    }
  });

  it('says metrics are not available yet, or not found, as kubectl does', async () => {
    for (const args of [['nodes', '-l', 'zone=c'], ['pods', '-l', 'app=quiet']]) {
      const kk = await kubectl('top', ...args);
      const ss = await skiff('top', ...args);
      expect(kk).toMatchObject({ code: 1, stderr: 'error: metrics not available yet\n' });
      expect([ss.code, ss.stderr]).toEqual([kk.code, kk.stderr]);
    }
    const kk = await kubectl('top', 'pod', 'quiet');
    const ss = await skiff('top', 'pod', 'quiet');
    expect(kk.stderr).toBe('Error from server (NotFound): podmetrics.metrics.k8s.io "quiet" not found\n');
    expect([ss.code, ss.stderr]).toEqual([kk.code, kk.stderr]);
    const empty = await skiff('top', 'pods', '-l', 'app=nothing');
    expect([empty.code, empty.stderr]).toEqual([0, 'No resources found in default namespace.\n']);
    expect(await kubectl('top', 'pods', '-l', 'app=nothing')).toMatchObject({ code: 0, stderr: 'No resources found in default namespace.\n' });
  });

  it('answers 503 ServiceUnavailable while the metrics server is down, and serves again once it is back', async () => {
    await p.stopMetrics();
    try {
      const raw = await p.api.client.requestRaw('GET', '/apis/metrics.k8s.io/v1beta1/nodes').catch((err: unknown) => err);
      expect(raw).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
      const kk = await kubectl('top', 'nodes');
      expect(kk.code).toBe(1);
      expect(kk.stderr).toContain('Error from server (ServiceUnavailable): the server is currently unable to handle the request (get nodes.metrics.k8s.io)');
      const ss = await skiff('top', 'nodes');
      expect(ss.code).toBe(1);
      expect(ss.stderr).toBe('Error from server (ServiceUnavailable): the server is currently unable to handle the request (get nodes.metrics.k8s.io)\n');
      // the group stays listed, as an APIService does while unavailable
      const groups = await p.api.client.request<{ groups: { name: string }[] }>('GET', '/apis');
      expect(groups.groups.map((g) => g.name)).toContain('metrics.k8s.io');
    } finally {
      await p.startMetrics();
    }
    const metrics = new MetricsClient(p.api.client);
    await eventually('metrics again', async () => ((await metrics.listNodeMetrics()).length === 2 ? true : undefined));
  });
});

function fetchStatus(url: string, tls: { ca: string | Buffer; cert?: Buffer; key?: Buffer }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ...tls, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
