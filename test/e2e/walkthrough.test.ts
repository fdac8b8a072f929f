// The README's walk-through, step by step, on a real 2-node cluster on Docker
// started by `skiff up`: a Deployment and its Service, reaching it, scaling,
// a rolling update and its undo, logs and exec, then every example manifest
// (ConfigMap and Secret, Job, CronJob, DaemonSet, StatefulSet, autoscaler),
// and real kubectl on the same kubeconfig.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, httpGet, MANIFESTS, printDiagnosticsOnFailure, startCluster, type E2ECluster } from './cluster.js';
import { isServing, nodesOf, pods, readyCondition, servingPods, type Deployment, type List, type Named, type Pod, type Service } from './objects.js';
import { answers, clusterIP, lookupInClusterDNS, requireLocal } from './services.js';

const NET = 11;
const manifest = (name: string) => join(MANIFESTS, name);

let cluster: E2ECluster | undefined;
/** what `skiff apply` said for the manifests started early */
const applied: Record<string, string> = {};
const c = (): E2ECluster => {
  if (!cluster) throw new Error('the cluster did not start');
  return cluster;
};

async function ok(args: string[]): Promise<string> {
  const res = await c().skiff(...args);
  expect(res.code, `skiff ${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
  return res.stdout;
}

async function exec(pod: string, ...command: string[]): Promise<string> {
  return ok(['exec', pod, '--', ...command]);
}

const images = (ps: Pod[]) => new Set(ps.flatMap((p) => [...p.spec.containers.map((x) => x.image), ...(p.status?.containerStatuses ?? []).map((s) => s.image)]));

describe('the README walk-through on a 2-node Docker cluster', () => {
  printDiagnosticsOnFailure(() => cluster);

  beforeAll(async () => {
    cluster = await startCluster({ net: NET });
    // a CronJob fires on the minute and an autoscaler acts every 15 s: started
    // first, they have done their part by the time the last tests look
    for (const name of ['cronjob.yaml', 'hpa.yaml']) {
      const res = await cluster.skiff('apply', '-f', manifest(name));
      applied[name] = res.code === 0 ? res.stdout : `exit ${res.code}: ${res.stderr}`;
    }
  }, 180_000);

  afterAll(async () => {
    if (!cluster) return;
    const res = await cluster.down(true);
    expect(res.code, res.stdout + res.stderr).toBe(0);
  }, 120_000);

  it('skiff apply -f manifests/deployment.yaml: 3 pods Running across both nodes', async () => {
    const out = await ok(['apply', '-f', manifest('deployment.yaml')]);
    expect(out).toContain('deployment.apps/web created');
    expect(out).toContain('service/web created');

    const web = await eventually(() => servingPods(c(), 'app=web', 3), 60_000, '3 web pods Running and Ready');
    expect([...nodesOf(web)].sort()).toEqual(c().nodes);

    const wide = await ok(['get', 'pods', '-o', 'wide']);
    const rows = wide.split('\n').filter((l) => l.startsWith('web-'));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/\s1\/1\s+Running\s/);
    for (const node of c().nodes) expect(wide).toContain(node);
  }, 90_000);

  it('the Service answers on its ClusterIP from this machine, from more than one pod', async () => {
    const ip = await clusterIP(c(), 'web');
    await requireLocal(ip);
    const names = new Set((await pods(c(), 'app=web')).map((p) => p.metadata.name));
    const bodies = await answers(`http://${ip}:80/`, 20);
    for (const b of bodies) expect(names).toContain(b);
    expect(new Set(bodies).size).toBeGreaterThan(1);
  }, 90_000);

  it('a NodePort Service answers on every node IP', async () => {
    const nodePort = `apiVersion: v1
kind: Service
metadata:
  name: web-nodeport
spec:
  type: NodePort
  selector:
    app: web
  ports:
    - port: 80
      targetPort: http
`;
    const res = await c().skiffWithInput(nodePort, 'apply', '-f', '-');
    expect(res.code, res.stderr).toBe(0);
    const svc = await c().json<Service>('get', 'service', 'web-nodeport');
    const port = svc.spec.ports[0]?.nodePort;
    expect(port).toBeGreaterThanOrEqual(30000);
    const names = new Set((await pods(c(), 'app=web')).map((p) => p.metadata.name));
    for (let i = 1; i <= c().nodes.length; i++) {
      const body = await eventually(() => httpGet(`http://127.0.${NET}.${i}:${port}/`), 30_000, `node ${i} on its NodePort ${port}`);
      expect(names).toContain(body.trim());
    }
  }, 90_000);

  it('pods reach the Service by name through the cluster DNS', async () => {
    const ip = await clusterIP(c(), 'web');
    expect(await eventually(() => lookupInClusterDNS('web.default.svc.cluster.local'), 30_000, 'web in the cluster DNS')).toEqual([ip]);
    const [pod] = await pods(c(), 'app=web');
    const names = new Set((await pods(c(), 'app=web')).map((p) => p.metadata.name));
    // the echo image carries busybox; its wget resolves through the pod's resolv.conf (search default.svc.cluster.local)
    const viaName = await eventually(async () => (await exec(pod!.metadata.name, 'timeout', '5', 'wget', '-q', '-O', '-', 'http://web/')).trim(), 30_000, 'http://web/ from a pod');
    expect(names).toContain(viaName);
    const viaIP = (await exec(pod!.metadata.name, 'timeout', '5', 'wget', '-q', '-O', '-', `http://${ip}/`)).trim();
    expect(names).toContain(viaIP);
    expect(await exec(pod!.metadata.name, 'nslookup', 'web.default.svc.cluster.local')).toContain(`Address: ${ip}`);
  }, 90_000);

  it('skiff scale deployment web --replicas 5: 5 Running', async () => {
    expect(await ok(['scale', 'deployment', 'web', '--replicas', '5'])).toContain('deployment.apps/web scaled');
    await eventually(() => servingPods(c(), 'app=web', 5), 60_000, '5 web pods Running and Ready');
  }, 90_000);

  it('skiff set image to 2.0, rollout status succeeds, every pod runs 2.0', async () => {
    await ok(['set', 'image', 'deployment/web', 'web=skiff/echo:2.0']);
    const out = await ok(['rollout', 'status', 'deployment/web', '--timeout', '120s']);
    expect(out).toContain('deployment "web" successfully rolled out');
    const web = await eventually(() => servingPods(c(), 'app=web', 5), 60_000, '5 web pods on 2.0, the old ones gone');
    expect(images(web)).toEqual(new Set(['skiff/echo:2.0']));
  }, 180_000);

  it('skiff rollout undo: back to 1.0', async () => {
    expect(await ok(['rollout', 'undo', 'deployment/web'])).toContain('rolled back');
    await ok(['rollout', 'status', 'deployment/web', '--timeout', '120s']);
    const web = await eventually(() => servingPods(c(), 'app=web', 5), 60_000, '5 web pods on 1.0, the 2.0 ones gone');
    expect(images(web)).toEqual(new Set(['skiff/echo:1.0']));
    const deploy = await c().json<Deployment>('get', 'deployment', 'web');
    expect(deploy.spec.template.spec.containers[0]?.image).toBe('skiff/echo:1.0');
  }, 180_000);

  it('skiff logs and skiff exec on a pod', async () => {
    const [pod] = await pods(c(), 'app=web');
    const name = pod!.metadata.name;
    expect(await ok(['logs', name])).toContain(`listening on port 8080 as ${name}`);
    expect((await exec(name, 'sh', '-c', 'echo "$POD_NAME"')).trim()).toBe(name);
    const res = await c().skiff('exec', name, '--', 'sh', '-c', 'exit 3');
    expect(res.code).toBe(3);
  }, 60_000);

  it('ConfigMap and Secret: in the environment and as files', async () => {
    await ok(['apply', '-f', manifest('configmap-secret.yaml')]);
    await eventually(() => servingPods(c(), 'app=config-demo', 1), 60_000, 'config-demo Running');
    const env = await exec('config-demo', 'env');
    expect(env).toContain('GREETING=hello from a ConfigMap');
    expect(env).toContain('LOG_LEVEL=debug');
    expect(env).toContain('DB_PASSWORD=s3cr3t');
    expect(await exec('config-demo', 'cat', '/etc/app/app.properties')).toBe('color=blue\nsize=large\n');
    expect(await exec('config-demo', 'cat', '/etc/secret/DB_PASSWORD')).toBe('s3cr3t');
    expect(await ok(['logs', 'config-demo'])).toContain('hello from a ConfigMap');
    // stringData is stored base64-encoded under data, as Kubernetes does
    const secret = await c().json<{ data?: Record<string, string>; stringData?: unknown }>('get', 'secret', 'app-secret');
    expect(secret.data?.DB_PASSWORD).toBe(Buffer.from('s3cr3t').toString('base64'));
    expect(secret.stringData).toBeUndefined();
  }, 90_000);

  it('the Job completes 3 runs', async () => {
    await ok(['apply', '-f', manifest('job.yaml')]);
    type Job = { status?: { succeeded?: number; conditions?: { type: string; status: string }[] } };
    await eventually(async () => {
      const job = await c().json<Job>('get', 'job', 'countdown');
      return job.status?.succeeded === 3 && job.status.conditions?.some((x) => x.type === 'Complete' && x.status === 'True');
    }, 90_000, 'job countdown Complete with 3 succeeded');
    const done = await pods(c(), 'job-name=countdown');
    expect(done.filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(3);
    expect(await ok(['logs', done[0]!.metadata.name])).toBe('3\n2\n1\nliftoff\n');
  }, 120_000);

  it('the DaemonSet runs one pod on each node', async () => {
    await ok(['apply', '-f', manifest('daemonset.yaml')]);
    const agents = await eventually(() => servingPods(c(), 'app=node-agent', c().nodes.length), 60_000, 'a node-agent pod per node');
    expect([...nodesOf(agents)].sort()).toEqual(c().nodes);
    for (const p of agents) expect(await ok(['logs', p.metadata.name])).toBe(`running on ${p.spec.nodeName}\n`);
    type DaemonSet = { status?: { desiredNumberScheduled?: number; numberReady?: number } };
    const ds = await eventually(async () => {
      const d = await c().json<DaemonSet>('get', 'daemonset', 'node-agent');
      return d.status?.numberReady === c().nodes.length ? d : undefined;
    }, 30_000, 'daemonset status numberReady');
    expect(ds.status?.desiredNumberScheduled).toBe(c().nodes.length);
  }, 90_000);

  it('the StatefulSet brings up db-0, db-1, db-2 in order, each after the one before is Ready', async () => {
    await ok(['apply', '-f', manifest('statefulset.yaml')]);
    const db = await eventually(() => servingPods(c(), 'app=db', 3), 120_000, 'db-0..2 Running and Ready');
    const byName = new Map(db.map((p) => [p.metadata.name, p]));
    expect([...byName.keys()].sort()).toEqual(['db-0', 'db-1', 'db-2']);
    for (const i of [1, 2]) {
      const before = readyCondition(byName.get(`db-${i - 1}`)!)?.lastTransitionTime;
      const created = byName.get(`db-${i}`)!.metadata.creationTimestamp;
      expect(before && created, `timestamps of db-${i - 1} and db-${i}`).toBeTruthy();
      expect(Date.parse(created!)).toBeGreaterThanOrEqual(Date.parse(before!));
    }
    expect((await exec('db-1', 'hostname')).trim()).toBe('db-1');
    const svc = await c().json<Service>('get', 'service', 'db');
    expect(svc.spec.clusterIP).toBe('None');
  }, 150_000);

  it('the headless Service names each StatefulSet pod in the cluster DNS', async () => {
    const db0 = (await c().json<Pod>('get', 'pod', 'db-0')).status?.podIP;
    expect(db0).toBeTruthy();
    expect(await eventually(() => lookupInClusterDNS('db-0.db.default.svc.cluster.local'), 30_000, 'db-0.db in the cluster DNS')).toEqual([db0]);
  }, 60_000);

  it('the autoscaler raises its Deployment to minReplicas', async () => {
    expect(applied['hpa.yaml']).toContain('horizontalpodautoscaler.autoscaling/cpu-demo created');
    await eventually(() => servingPods(c(), 'app=cpu-demo', 2), 90_000, 'cpu-demo scaled to 2 by its autoscaler');
    // the autoscaler's own status catches up at its next sync (every 15 s)
    const row = /cpu-demo\s+Deployment\/cpu-demo\s+.*\s2\s+5\s+2\s/;
    await eventually(async () => row.test(await ok(['get', 'hpa', 'cpu-demo'])), 40_000, 'skiff get hpa cpu-demo: MINPODS 2, MAXPODS 5, REPLICAS 2');
  }, 120_000);

  it('the CronJob has created a Job that completed', async () => {
    expect(applied['cronjob.yaml']).toContain('cronjob.batch/tick created');
    type Job = Named & { metadata: { ownerReferences?: { kind: string; name: string }[] }; status?: { succeeded?: number } };
    const job = await eventually(async () => {
      const jobs = await c().json<List<Job>>('get', 'jobs');
      return jobs.items.find((j) => j.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === 'tick') && j.status?.succeeded === 1);
    }, 120_000, 'a completed Job of cronjob tick');
    const [run] = await pods(c(), `job-name=${job.metadata.name}`);
    expect(await ok(['logs', run!.metadata.name])).toContain('tick');
    type CronJob = { status?: { lastScheduleTime?: string; lastSuccessfulTime?: string } };
    const cj = await c().json<CronJob>('get', 'cronjob', 'tick');
    expect(cj.status?.lastScheduleTime).toBeTruthy();
  }, 150_000);

  it('kubectl get pods,deploy,svc,nodes works with the same kubeconfig', async () => {
    const res = await c().kubectl('get', 'pods,deploy,svc,nodes');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('deployment.apps/web');
    expect(res.stdout).toMatch(/deployment\.apps\/web\s+5\/5\s+5\s+5\s/);
    expect(res.stdout).toContain('service/web ');
    for (const node of c().nodes) expect(res.stdout).toMatch(new RegExp(`node/${node}\\s+Ready\\s`));
    const web = (await pods(c(), 'app=web')).filter(isServing);
    for (const p of web) expect(res.stdout).toMatch(new RegExp(`pod/${p.metadata.name}\\s+1/1\\s+Running\\s`));
  }, 60_000);
});
