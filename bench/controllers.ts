// Controller benchmark: a Deployment of 1,000 replicas on 100 hollow nodes.
// Prints a table, never fails a build.
//
// etcd, the apiserver, the controller-manager, the scheduler and 100 hollow
// nodes (`skiff kubelet --runtime simulated --hollow-nodes 100`, one process)
// each run as their own process, with their default flags (client rate limits
// included, as Kubernetes ships them; the nodes get a cluster DNS address, as
// `skiff up` gives them). Measured:
// - scale-up: from creating the Deployment until status.availableReplicas is
//   1,000, with when the last pod was created, bound and Ready along the way;
// - a rolling update (a new image) until the rollout is complete
//   (updatedReplicas = availableReplicas = replicas = 1,000) and no pod of
//   the old template is left;
// - the controller-manager's peak RSS (VmHWM) and CPU seconds, and the other
//   processes' CPU seconds, per phase.
// Side by side in the same run, on a fresh etcd and apiserver: a client
// creating the same 1,000 pods directly at 32 concurrent requests with no
// client-side rate limit (the apiserver's own write rate), so the figures
// read as ratios.
// BENCH_REPLICAS and BENCH_NODES change the sizes; BENCH_LOG_DIR keeps the
// components' logs.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultKubeApiBurst, defaultKubeApiQps } from '../controllers/manager.js';
import type { Deployment } from '../src/api/apps/v1.js';
import type { Event, Pod } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { Informer, type ResourceRef, type RestClient } from '../src/client/index.js';
import { freePorts, terminate } from '../src/cluster/etcd.js';
import { logTail, spawnSkiff } from './lib/components.js';
import { startControlPlane, type ControlPlane } from './lib/control-plane.js';
import { cpuSeconds, procStatusMB, v8HeapMB, type HeapMB } from './lib/process-usage.js';
import { pipeTable, progress, runBenchmark } from './lib/report.js';
import { createNamespace, isReady, nodesRef, podsRef, type NodeObject, type PodObject } from './lib/resources.js';
import { runConcurrent } from './lib/stats.js';

const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 1000);
const NODES = Number(process.env.BENCH_NODES ?? 100);
const CONCURRENCY = 32;
const PHASE_TIMEOUT_MS = 900_000;
const NAMESPACE = 'bench';
const OLD_IMAGE = 'skiff/echo:1.0';
const NEW_IMAGE = 'skiff/echo:2.0';
/** each controller's client-side limit (the controller-manager's defaults) */
const CM_QPS = defaultKubeApiQps;
const CM_BURST = defaultKubeApiBurst;

const eventsRef: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true };
const deploymentsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true };

type DeploymentObject = Deployment & KubeObject;
type EventObject = Event & KubeObject;

/** Events in the namespace by "source reason": Event objects written, and occurrences they count. */
async function eventCensus(env: ControlPlane): Promise<[string, { objects: number; occurrences: number }][]> {
  const list = await env.client.resource<EventObject>(eventsRef).listAll(NAMESPACE);
  const out = new Map<string, { objects: number; occurrences: number }>();
  for (const e of list.items) {
    const key = `${e.source?.component ?? e.reportingComponent ?? '?'} ${e.reason ?? '?'}`;
    const entry = out.get(key) ?? { objects: 0, occurrences: 0 };
    entry.objects++;
    entry.occurrences += e.count ?? 1;
    out.set(key, entry);
  }
  return [...out].sort((a, b) => b[1].objects - a[1].objects);
}

/** A component's output goes to <dir>/<name>.log, shown when something fails. */
const spawnComponent = (dir: string, name: string, args: string[]): ChildProcess => spawnSkiff(args, { log: { dir, name } });

const startEnv = (dir: string): Promise<ControlPlane> => startControlPlane({ dir, namespace: NAMESPACE, connections: CONCURRENCY + 8, log: 'file' });

const podSpec = (image: string): Pod['spec'] => ({
  containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
});

function deployment(name: string, replicas: number): DeploymentObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: podSpec(OLD_IMAGE) },
    },
  };
}

/** The apiserver's own write rate: the same pods, created directly, with a fresh etcd and apiserver. */
async function rawCreate(dir: string): Promise<number> {
  progress(`raw baseline: ${REPLICAS} pods created directly through a fresh apiserver`);
  const env = await startEnv(dir);
  try {
    await createNamespace(env.client, NAMESPACE);
    const pods = env.client.resource<PodObject>(podsRef);
    const { seconds } = await runConcurrent(REPLICAS, CONCURRENCY, async (i) => {
      await pods.create(NAMESPACE, { apiVersion: 'v1', kind: 'Pod', metadata: { name: `web-${i}`, namespace: NAMESPACE, labels: { app: 'web' } }, spec: podSpec(OLD_IMAGE) });
    });
    return seconds;
  } finally {
    await env.stop();
  }
}

interface Cluster {
  hollow: ChildProcess;
  scheduler: ChildProcess;
  controllerManager: ChildProcess;
  /** the controller-manager's /metrics */
  cmMetricsUrl: string;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, describe?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe ? `: ${describe()}` : ''}`);
    await sleep(200);
  }
}

async function startCluster(env: ControlPlane): Promise<Cluster> {
  progress(`starting ${NODES} hollow nodes`);
  const hollow = spawnComponent(env.dir, 'hollow-nodes', [
    'kubelet', '--kubeconfig', env.kubeconfig, '--runtime', 'simulated', '--hollow-nodes', String(NODES), '--node-name', 'bench',
    '--port', '0', '--cpu', '32', '--memory', '128Gi', '--cluster-dns', '10.96.0.10', '--log-level', 'warn',
  ]);
  const nodes = env.client.resource<NodeObject>(nodesRef);
  let ready = 0;
  await waitFor(
    `${NODES} Ready nodes`,
    async () => {
      if (hollow.exitCode !== null) throw new Error(`hollow nodes exited:\n${logTail(env.dir, 'hollow-nodes')}`);
      const list = await nodes.list();
      ready = list.items.filter(isReady).length;
      return ready >= NODES;
    },
    300_000,
    () => `${ready} Ready`,
  );
  progress('starting the scheduler and the controller-manager');
  const common = ['--kubeconfig', env.kubeconfig, '--leader-elect=false', '--log-level', 'warn'];
  const [cmPort] = await freePorts(1);
  const scheduler = spawnComponent(env.dir, 'scheduler', ['scheduler', ...common, '--port', '0']);
  const controllerManager = spawnComponent(env.dir, 'controller-manager', ['controller-manager', ...common, '--port', String(cmPort)]);
  return { hollow, scheduler, controllerManager, cmMetricsUrl: `http://127.0.0.1:${cmPort}/metrics` };
}

/** What the bench watches: the deployment's status and its pods. */
class Observer {
  readonly pods: Informer<PodObject>;
  readonly deployments: Informer<DeploymentObject>;
  private readonly listeners = new Set<() => void>();

  constructor(client: RestClient) {
    this.pods = new Informer<PodObject>(client, podsRef, { namespace: NAMESPACE });
    this.deployments = new Informer<DeploymentObject>(client, deploymentsRef, { namespace: NAMESPACE });
    const notify = (): void => {
      for (const l of this.listeners) l();
    };
    this.pods.addEventHandler({ onAdd: notify, onUpdate: notify, onDelete: notify });
    this.deployments.addEventHandler({ onAdd: notify, onUpdate: notify, onDelete: notify });
  }

  async start(): Promise<void> {
    this.pods.start();
    this.deployments.start();
    await Promise.all([this.pods.waitForSync(), this.deployments.waitForSync()]);
  }

  stop(): void {
    this.pods.stop();
    this.deployments.stop();
  }

  podsOf(app: string): PodObject[] {
    return this.pods.store.list().filter((p) => p.metadata.labels?.app === app);
  }

  deployment(name: string): DeploymentObject | undefined {
    return this.deployments.store.list().find((d) => d.metadata.name === name);
  }

  /** Runs `check` on every change (and every second) until it returns true. */
  until(what: string, check: () => boolean, describe: () => string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const started = Date.now();
      let lastReport = started;
      const done = (err?: Error): void => {
        this.listeners.delete(listener);
        clearInterval(timer);
        clearTimeout(pending);
        if (err) reject(err);
        else resolve();
      };
      // at most one check per 20 ms: each one walks every pod, and events come by the thousand
      let pending: NodeJS.Timeout | undefined;
      const listener = (): void => {
        pending ??= setTimeout(() => {
          pending = undefined;
          if (check()) done();
        }, 20);
      };
      const timer = setInterval(() => {
        if (check()) return done();
        if (Date.now() - started > PHASE_TIMEOUT_MS) return done(new Error(`timed out waiting for ${what}: ${describe()}`));
        if (Date.now() - lastReport >= 10_000) {
          lastReport = Date.now();
          progress(`  ${((Date.now() - started) / 1000).toFixed(0)} s: ${describe()}`);
        }
      }, 1_000);
      this.listeners.add(listener);
      listener();
    });
  }
}

/** Times (seconds from the phase's start) at which a condition first held. */
class Milestones {
  private readonly start = performance.now();
  readonly at = new Map<string, number>();

  mark(name: string, holds: boolean): void {
    if (holds && !this.at.has(name)) this.at.set(name, (performance.now() - this.start) / 1000);
  }

  get(name: string): number {
    return this.at.get(name) ?? NaN;
  }
}

/** apiserver_request_total by "VERB resource[/subresource]", summed over groups and codes. */
type RequestCounts = Map<string, number>;

async function apiRequests(env: ControlPlane): Promise<RequestCounts> {
  const counts: RequestCounts = new Map();
  const text = (await env.client.requestRaw('GET', '/metrics')).body;
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(m[2]));
  }
  return counts;
}

function requestDelta(before: RequestCounts, after: RequestCounts): [string, number][] {
  return [...after]
    .map(([k, v]): [string, number] => [k, v - (before.get(k) ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
}

interface ProcessUsage {
  cpu: Record<string, number>;
}

function usage(procs: Record<string, number>): ProcessUsage {
  return { cpu: Object.fromEntries(Object.entries(procs).map(([name, pid]) => [name, cpuSeconds(pid)])) };
}

const cpuDelta = (a: ProcessUsage, b: ProcessUsage): Record<string, number> =>
  Object.fromEntries(Object.entries(b.cpu).map(([name, v]) => [name, v - (a.cpu[name] ?? 0)]));

interface Results {
  rawSeconds: number;
  scaleUp: Milestones;
  rollout: Milestones;
  scaleUpCpu: Record<string, number>;
  rolloutCpu: Record<string, number>;
  cmPeakMB: number;
  cmRssMB: number;
  cmHeap: HeapMB;
  scaleUpRequests: [string, number][];
  rolloutRequests: [string, number][];
  events: [string, { objects: number; occurrences: number }][];
}

async function scaleUp(env: ControlPlane, obs: Observer): Promise<Milestones> {
  const m = new Milestones();
  const check = (): boolean => {
    const pods = obs.podsOf('web');
    m.mark('created', pods.length >= REPLICAS);
    m.mark('bound', pods.length >= REPLICAS && pods.every((p) => p.spec.nodeName));
    m.mark('ready', pods.length >= REPLICAS && pods.filter(isReady).length >= REPLICAS);
    const d = obs.deployment('web');
    const available = !!d && (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) && d.status?.availableReplicas === REPLICAS;
    m.mark('available', available);
    return available;
  };
  const describe = (): string => {
    const pods = obs.podsOf('web');
    return `${pods.length} pods, ${pods.filter((p) => p.spec.nodeName).length} bound, ${pods.filter(isReady).length} Ready, deployment available ${obs.deployment('web')?.status?.availableReplicas ?? 0}`;
  };
  await env.client.resource<DeploymentObject>(deploymentsRef).create(NAMESPACE, deployment('web', REPLICAS));
  await obs.until(`${REPLICAS} available replicas`, check, describe);
  return m;
}

async function rollingUpdate(env: ControlPlane, obs: Observer): Promise<Milestones> {
  const imageOf = (p: PodObject): string | undefined => p.spec.containers[0]?.image;
  const m = new Milestones();
  const check = (): boolean => {
    const pods = obs.podsOf('web');
    const d = obs.deployment('web');
    const s = d?.status;
    const statusDone =
      !!d && (s?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) && s?.updatedReplicas === REPLICAS && s.replicas === REPLICAS && s.availableReplicas === REPLICAS;
    const oldGone = pods.every((p) => imageOf(p) === NEW_IMAGE);
    m.mark('status complete', statusDone);
    m.mark('old pods gone', oldGone);
    return statusDone && oldGone;
  };
  const describe = (): string => {
    const pods = obs.podsOf('web');
    const s = obs.deployment('web')?.status;
    const fresh = pods.filter((p) => imageOf(p) === NEW_IMAGE);
    return `${fresh.length} new pods (${fresh.filter(isReady).length} Ready), ${pods.length - fresh.length} old; status updated ${s?.updatedReplicas ?? 0} available ${s?.availableReplicas ?? 0} replicas ${s?.replicas ?? 0}`;
  };
  await env.client
    .resource<DeploymentObject>(deploymentsRef)
    .patch(NAMESPACE, 'web', [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: NEW_IMAGE }], 'json');
  await obs.until('the rollout to complete', check, describe);
  return m;
}

/** A one-replica Deployment until it is available, then gone: every component has synced and answers. */
async function warmUp(env: ControlPlane, obs: Observer): Promise<void> {
  progress('warming up: a 1-replica Deployment until available, then deleting it');
  const deployments = env.client.resource<DeploymentObject>(deploymentsRef);
  await deployments.create(NAMESPACE, deployment('warm', 1));
  await obs.until('the warm-up Deployment', () => obs.deployment('warm')?.status?.availableReplicas === 1, () => `warm pods: ${obs.podsOf('warm').length}`);
  await deployments.delete(NAMESPACE, 'warm', { propagationPolicy: 'Background' });
  await obs.until('the warm-up pods to go', () => obs.podsOf('warm').length === 0 && !obs.deployment('warm'), () => `warm pods: ${obs.podsOf('warm').length}`);
}

async function measure(env: ControlPlane, rawSeconds: number): Promise<Results> {
  const cluster = await startCluster(env);
  const procs = {
    'controller-manager': cluster.controllerManager.pid!,
    scheduler: cluster.scheduler.pid!,
    'hollow nodes': cluster.hollow.pid!,
    apiserver: env.apiserver.pid!,
    etcd: env.etcd.pid,
  };
  const obs = new Observer(env.client);
  try {
    await createNamespace(env.client, NAMESPACE);
    await obs.start();
    await warmUp(env, obs);

    progress(`scale-up: Deployment of ${REPLICAS} replicas on ${NODES} nodes`);
    const r0 = await apiRequests(env);
    const u0 = usage(procs);
    const up = await scaleUp(env, obs);
    const u1 = usage(procs);
    const r1 = await apiRequests(env);
    progress(`rolling update: ${OLD_IMAGE} -> ${NEW_IMAGE}`);
    const roll = await rollingUpdate(env, obs);
    const u2 = usage(procs);
    const r2 = await apiRequests(env);
    return {
      rawSeconds,
      scaleUp: up,
      rollout: roll,
      scaleUpCpu: cpuDelta(u0, u1),
      rolloutCpu: cpuDelta(u1, u2),
      cmPeakMB: procStatusMB(procs['controller-manager'], 'VmHWM'),
      cmRssMB: procStatusMB(procs['controller-manager'], 'VmRSS'),
      cmHeap: await v8HeapMB(cluster.cmMetricsUrl),
      scaleUpRequests: requestDelta(r0, r1),
      rolloutRequests: requestDelta(r1, r2),
      events: await eventCensus(env),
    };
  } catch (err) {
    for (const name of ['controller-manager', 'scheduler', 'hollow-nodes', 'apiserver']) {
      progress(`${name} log (last lines):\n${logTail(env.dir, name)}`);
    }
    throw err;
  } finally {
    obs.stop();
    await Promise.all([terminate(cluster.controllerManager), terminate(cluster.scheduler)]);
    await terminate(cluster.hollow);
  }
}

function printTable(r: Results): void {
  const rawRate = REPLICAS / r.rawSeconds;
  const replicas = REPLICAS.toLocaleString('en-US');
  const rows: string[][] = [['', 'seconds', 'x raw create'], [`raw: ${replicas} pods created directly (32 clients, no rate limit)`, r.rawSeconds.toFixed(2), '1.00x']];
  const add = (label: string, s: number): void => void rows.push([label, s.toFixed(2), `${(s / r.rawSeconds).toFixed(2)}x`]);
  add('scale-up: all pods created', r.scaleUp.get('created'));
  add('scale-up: all pods bound', r.scaleUp.get('bound'));
  add('scale-up: all pods Ready', r.scaleUp.get('ready'));
  add(`scale-up: availableReplicas = ${replicas}`, r.scaleUp.get('available'));
  add('rolling update: status complete', r.rollout.get('status complete'));
  add('rolling update: no old pod left', r.rollout.get('old pods gone'));
  console.log('');
  console.log(`Deployment of ${REPLICAS} replicas on ${NODES} hollow nodes; raw create rate ${rawRate.toFixed(0)} pods/s`);
  console.log('');
  for (const l of pipeTable(rows)) console.log(l);
  console.log('');
  console.log(`controller-manager: peak RSS ${r.cmPeakMB.toFixed(0)} MB (now ${r.cmRssMB.toFixed(0)} MB), CPU ${r.scaleUpCpu['controller-manager']!.toFixed(1)} s scale-up + ${r.rolloutCpu['controller-manager']!.toFixed(1)} s rollout`);
  console.log(`  at the end: V8 heap ${r.cmHeap.used.toFixed(0)} MB used of ${r.cmHeap.total.toFixed(0)} MB, ${r.cmHeap.external.toFixed(0)} MB external`);
  console.log('');
  console.log('CPU seconds per phase:');
  for (const name of Object.keys(r.scaleUpCpu)) {
    console.log(`  ${name.padEnd(20)} scale-up ${r.scaleUpCpu[name]!.toFixed(1).padStart(6)} s   rollout ${r.rolloutCpu[name]!.toFixed(1).padStart(6)} s`);
  }
  console.log('');
  console.log('apiserver requests per phase (every client; the bench\'s own watches and metrics reads are a handful):');
  const fmt = (list: [string, number][]): string[] => list.slice(0, 10).map(([k, n]) => `${k} ${n}`);
  const up = fmt(r.scaleUpRequests);
  const roll = fmt(r.rolloutRequests);
  const w = Math.max(...up.map((x) => x.length), 10);
  for (let i = 0; i < Math.max(up.length, roll.length); i++) console.log(`  ${(up[i] ?? '').padEnd(w)}   ${roll[i] ?? ''}`);
  const total = (list: [string, number][]): number => list.reduce((n, [, v]) => n + v, 0);
  console.log(`  ${`total ${total(r.scaleUpRequests)} (scale-up)`.padEnd(w)}   total ${total(r.rolloutRequests)} (rollout)`);
  console.log('');
  console.log('Events in the namespace after both phases, by source and reason (Event objects written / occurrences counted):');
  for (const [key, { objects, occurrences }] of r.events.slice(0, 12)) console.log(`  ${key.padEnd(40)} ${String(objects).padStart(6)} / ${occurrences}`);
  console.log('');
  const floor = Math.max(0, REPLICAS - CM_BURST) / CM_QPS;
  console.log(`Every controller has its own client at the default limit (${CM_QPS} qps, burst ${CM_BURST}): creating ${REPLICAS} pods from one`);
  console.log(`controller takes at least ${floor.toFixed(1)} s however fast the apiserver is.`);
}

async function main(): Promise<void> {
  const dir = process.env.BENCH_LOG_DIR ?? mkdtempSync(join(tmpdir(), 'skiff-controllers-bench-'));
  progress(`logs in ${dir}`);
  try {
    const rawSeconds = await rawCreate(join(dir, 'raw'));
    const env = await startEnv(join(dir, 'cluster'));
    try {
      printTable(await measure(env, rawSeconds));
    } finally {
      await env.stop();
    }
  } finally {
    if (!process.env.BENCH_LOG_DIR) rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark(main);
