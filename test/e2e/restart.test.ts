// A local cluster across `skiff down` and `skiff up` from the same home: the
// objects are etcd's and come back as they were, the pods run again; `skiff
// status` shows every component; a second `skiff up` while one runs leaves it
// alone.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, eventually, MANIFESTS, printDiagnosticsOnFailure, startCluster, type E2ECluster } from './cluster.js';
import { servingPods, type List, type Named, type Pod, type Service } from './objects.js';
import { answers, clusterIP, requireLocal } from './services.js';
import { isAlive } from '../../src/cluster/state.js';

const NET = 13;

let cluster: E2ECluster | undefined;
const c = (): E2ECluster => {
  if (!cluster) throw new Error('the cluster did not start');
  return cluster;
};

async function ok(args: string[]): Promise<string> {
  const res = await c().skiff(...args);
  expect(res.code, `skiff ${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
  return res.stdout;
}

type ConfigMap = Named & { data?: Record<string, string> };

/** what a user expects to find again: each object's uid, plus what it holds */
async function objects(): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  for (const d of (await c().json<List<Named>>('get', 'deployments')).items) seen.set(`deployment/${d.metadata.name}`, d.metadata.uid);
  for (const s of (await c().json<List<Service>>('get', 'services')).items) seen.set(`service/${s.metadata.name}`, `${s.metadata.uid} ${s.spec.clusterIP}`);
  for (const m of (await c().json<List<ConfigMap>>('get', 'configmaps')).items) seen.set(`configmap/${m.metadata.name}`, `${m.metadata.uid} ${JSON.stringify(m.data)}`);
  return seen;
}

/** the one conflict two local clusters on one machine have: the cluster DNS address */
function dnsTaken(status: string): string {
  const dns = status.split('\n').find((l) => l.startsWith('dns '));
  if (!dns || /\shealthy\s/.test(dns)) return '';
  const log = dns.trim().split(/\s+/).pop() ?? '';
  try {
    return readFileSync(log, 'utf8').includes('EADDRINUSE') ? ' (its DNS cannot bind 10.96.0.10:53: another local cluster holds it)' : '';
  } catch {
    return '';
  }
}

const nodeContainers = async (node: string): Promise<string[]> =>
  (await docker('ps', '-aq', '--filter', `label=io.skiff.node=${node}`)).stdout.split('\n').filter(Boolean);

describe('skiff down and skiff up again on a 2-node Docker cluster', () => {
  printDiagnosticsOnFailure(() => cluster);
  let before = new Map<string, string>();
  let oldContainers = new Set<string>();

  beforeAll(async () => {
    cluster = await startCluster({ net: NET });
  }, 180_000);

  afterAll(async () => {
    if (!cluster) return;
    const res = await cluster.down(true);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(existsSync(cluster.home)).toBe(false);
  }, 120_000);

  it('skiff status lists every component with its pid and health', async () => {
    // a component may still be settling right after `skiff up` returns
    const res = await eventually(async () => {
      const r = await c().skiff('status', '--home', c().home);
      if (r.code !== 0) throw new Error(`skiff status exited ${r.code}${dnsTaken(r.stdout)}:\n${r.stdout}${r.stderr}`);
      return r;
    }, 20_000, 'skiff status: every component healthy');
    expect(res.stdout).toContain(`running (supervisor pid ${c().state().pid}), 2 nodes (docker)`);
    const expected = ['etcd', 'apiserver', 'controller-manager', 'scheduler', ...c().nodes.map((n) => `kubelet-${n}`)];
    const rows = new Map(res.stdout.split('\n').map((l) => l.trim().split(/\s+/)).map((w) => [w[0]!, w]));
    for (const name of expected) {
      const row = rows.get(name);
      expect(row, `a row for ${name}`).toBeDefined();
      const pid = c().state().components.find((x) => x.name === name)?.pid;
      expect(row![1]).toBe(String(pid));
      expect(row![2]).toBe('healthy');
    }
    // whatever else `skiff up` runs (proxies, DNS) is listed as healthy too
    for (const comp of c().state().components) expect(rows.get(comp.name)?.[2], comp.name).toBe('healthy');
  }, 60_000);

  it('a second skiff up while the cluster runs says so and changes nothing', async () => {
    await ok(['apply', '-f', join(MANIFESTS, 'deployment.yaml')]);
    await ok(['apply', '-f', join(MANIFESTS, 'configmap-secret.yaml')]);
    await eventually(() => servingPods(c(), 'app=web', 3), 60_000, '3 web pods Running');
    await eventually(() => servingPods(c(), 'app=config-demo', 1), 60_000, 'config-demo Running');
    const state = c().state();
    const podsBefore = (await c().json<List<Named>>('get', 'pods')).items.map((p) => p.metadata.uid).sort();

    const res = await c().up();
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain(`A Skiff cluster is already running from ${c().home} (pid ${state.pid}`);
    expect(res.stdout).toContain('nothing changed');

    const after = c().state();
    expect(after.pid).toBe(state.pid);
    expect(after.components.map((x) => [x.name, x.pid, x.restarts])).toEqual(state.components.map((x) => [x.name, x.pid, x.restarts]));
    expect((await c().json<List<Named>>('get', 'pods')).items.map((p) => p.metadata.uid).sort()).toEqual(podsBefore);
  }, 120_000);

  it('skiff down stops every process and removes the pods\' containers, keeping the data', async () => {
    before = await objects();
    oldContainers = new Set((await c().json<List<Pod>>('get', 'pods')).items.flatMap((p) => (p.status?.containerStatuses ?? []).map((x) => x.containerID ?? '')));
    expect(before.get('deployment/web')).toBeTruthy();
    expect(before.get('configmap/app-config')).toContain('hello from a ConfigMap');
    const pids = [c().state().pid, ...c().state().components.map((x) => x.pid!)];

    const res = await c().down(false);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('Data kept in');
    for (const pid of pids) expect(isAlive(pid), `pid ${pid} stopped`).toBe(false);
    for (const node of c().nodes) expect(await nodeContainers(node), `containers of ${node}`).toEqual([]);
    expect(existsSync(join(c().home, 'etcd'))).toBe(true);

    const status = await c().skiff('status', '--home', c().home);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(': stopped');
  }, 120_000);

  it('skiff up from the same home: the same objects, the pods Running again', async () => {
    const res = await c().up();
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('==> ready: 2 nodes Ready');
    expect(await objects()).toEqual(before);
    // the pods' statuses in etcd still say Running from before: wait for containers the kubelets started anew
    const runningAgain = async (selector: string, count: number) => {
      const serving = await servingPods(c(), selector, count);
      return serving?.every((p) => p.status?.containerStatuses?.every((x) => x.containerID && !oldContainers.has(x.containerID)));
    };
    await eventually(() => runningAgain('app=web', 3), 90_000, '3 web pods Running again in new containers');
    await eventually(() => runningAgain('app=config-demo', 1), 90_000, 'config-demo Running again in a new container');
    const env = await ok(['exec', 'config-demo', '--', 'env']);
    expect(env).toContain('GREETING=hello from a ConfigMap');
    expect(env).toContain('DB_PASSWORD=s3cr3t');
  }, 180_000);

  it('the Service answers on its ClusterIP again after the restart', async () => {
    const ip = await clusterIP(c(), 'web');
    await requireLocal(ip);
    const names = new Set((await c().json<List<Named>>('get', 'pods', '-l', 'app=web')).items.map((p) => p.metadata.name));
    for (const body of await answers(`http://${ip}/`, 5)) expect(names).toContain(body);
  }, 60_000);
});
