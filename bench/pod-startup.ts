// Pod start-up benchmark on one node with real Docker: prints a table, never
// fails a build.
//
// etcd, the apiserver and the kubelet (`skiff kubelet --runtime docker`, with
// a cluster DNS address as `skiff up` gives it) run as separate processes; pods are created with spec.nodeName already set (no
// scheduler), and the time from sending the create to seeing the pod Ready by
// watch is measured:
// - one pod on an idle node, repeated (median and p99),
// - 30 pods created at once (p50, p99, max, and the total until the last is Ready),
// side by side in the same run with raw Docker doing what a pod is made of: a
// skiff/pause:latest sandbox plus the skiff/echo:1.0 container joined to its
// network and IPC namespaces, created and started with dockerode, until both
// run; once alone and 30 at once. The two kinds alternate so drift hits both.
// The kubelet's RSS is read with the 30 pods running.
// Images are built locally by scripts/build-images.sh, never pulled.
// BENCH_SINGLE_RUNS (default 10) and BENCH_BATCH (default 30) set the sizes;
// BENCH_LOG_DIR keeps the components' logs.
import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { Informer, type RestClient } from '../src/client/index.js';
import { freePorts, terminate } from '../src/cluster/etcd.js';
import { LABEL_NODE, LABEL_TYPE } from '../kubelet/runtime/interface.js';
import { logTail, spawnSkiff } from './lib/components.js';
import { startControlPlane, type ControlPlane } from './lib/control-plane.js';
import { procStatusMB, v8HeapMB, type HeapMB } from './lib/process-usage.js';
import { pipeTable, progress, runBenchmark } from './lib/report.js';
import { createNamespace, isReady, nodesRef, podsRef, type NodeObject, type PodObject } from './lib/resources.js';
import { median, percentile } from './lib/stats.js';

const SINGLE_RUNS = Number(process.env.BENCH_SINGLE_RUNS ?? 10);
const BATCH = Number(process.env.BENCH_BATCH ?? 30);
const ECHO_IMAGE = 'skiff/echo:1.0';
const PAUSE_IMAGE = 'skiff/pause:latest';
const NAMESPACE = 'bench';
const RAW_LABEL = 'io.skiff.bench.raw';
const WAIT_MS = 120_000;

/** The repository root: this file runs from bench/ (sources) or dist/bench/ (built). */
function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..'), join(here, '..', '..')]) {
    if (existsSync(join(candidate, 'scripts', 'build-images.sh'))) return candidate;
  }
  throw new Error('scripts/build-images.sh not found next to the benchmark');
}

async function imagePresent(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Builds the images when one is missing; the script imports them locally and never pulls. */
async function ensureImages(docker: Docker): Promise<void> {
  if ((await imagePresent(docker, ECHO_IMAGE)) && (await imagePresent(docker, PAUSE_IMAGE))) return;
  progress('building the images with scripts/build-images.sh');
  const root = repoRoot();
  await new Promise<void>((resolve, reject) => {
    execFile('bash', [join(root, 'scripts', 'build-images.sh')], { cwd: root, timeout: 300_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`scripts/build-images.sh failed: ${stderr.trim() || err.message}`)) : resolve(),
    );
  });
}

function pod(name: string, nodeName: string): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels: { app: 'bench' } },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'echo', image: ECHO_IMAGE, imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8080 }] }],
    },
  };
}

/** Times at which the watch first saw each pod Ready, and waits on them. */
class ReadyWatch {
  private readonly ready = new Map<string, number>();
  private readonly waiters = new Map<string, () => void>();
  private readonly gone = new Map<string, () => void>();
  private readonly informer: Informer<PodObject>;

  constructor(client: RestClient) {
    this.informer = new Informer<PodObject>(client, podsRef, { namespace: NAMESPACE });
    const seen = (p: PodObject): void => {
      const name = p.metadata.name!;
      if (this.ready.has(name) || !isReady(p)) return;
      this.ready.set(name, performance.now());
      this.waiters.get(name)?.();
    };
    this.informer.addEventHandler({
      onAdd: seen,
      onUpdate: (_o, p) => seen(p),
      onDelete: (p) => {
        this.ready.delete(p.metadata.name!);
        this.gone.get(p.metadata.name!)?.();
      },
    });
  }

  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync();
  }

  stop(): void {
    this.informer.stop();
  }

  /** Resolves with the time the pod was seen Ready; call before creating the pod. */
  whenReady(name: string): Promise<number> {
    return withTimeout(
      new Promise<number>((resolve) => {
        const at = this.ready.get(name);
        if (at !== undefined) return resolve(at);
        this.waiters.set(name, () => {
          this.waiters.delete(name);
          resolve(this.ready.get(name)!);
        });
      }),
      `pod ${name} Ready`,
    );
  }

  /** Resolves once the pod is gone from the apiserver; call before deleting it. */
  whenGone(name: string): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve) => {
        this.gone.set(name, () => {
          this.gone.delete(name);
          resolve();
        });
      }),
      `pod ${name} deleted`,
    );
  }
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${WAIT_MS / 1000} s waiting for ${what}`)), WAIT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

interface Kubelet {
  process: ChildProcess;
  nodeName: string;
  /** its /metrics endpoint */
  metricsUrl: string;
}

/** kubelet_runtime_operations_duration_seconds: calls and seconds per operation. */
type RuntimeOps = Map<string, { count: number; seconds: number }>;

async function runtimeOps(kubelet: Kubelet): Promise<RuntimeOps> {
  const ops: RuntimeOps = new Map();
  const text = await (await fetch(kubelet.metricsUrl)).text();
  const re = /^kubelet_runtime_operations_duration_seconds_(sum|count)\{operation_type="([^"]+)"\} (\S+)$/gm;
  for (const m of text.matchAll(re)) {
    const op = ops.get(m[2]!) ?? { count: 0, seconds: 0 };
    if (m[1] === 'sum') op.seconds = Number(m[3]);
    else op.count = Number(m[3]);
    ops.set(m[2]!, op);
  }
  return ops;
}

function diffOps(after: RuntimeOps, before: RuntimeOps): RuntimeOps {
  const out: RuntimeOps = new Map();
  for (const [op, a] of after) {
    const b = before.get(op) ?? { count: 0, seconds: 0 };
    if (a.count > b.count) out.set(op, { count: a.count - b.count, seconds: a.seconds - b.seconds });
  }
  return out;
}

async function startKubelet(env: ControlPlane, nodeName: string): Promise<Kubelet> {
  const rootDir = join(env.dir, 'kubelet');
  mkdirSync(rootDir, { recursive: true });
  const [healthzPort] = await freePorts(1);
  const child = spawnSkiff([
    'kubelet', '--kubeconfig', env.kubeconfig, '--node-name', nodeName, '--runtime', 'docker', '--allow-image-pull=false',
    '--port', '0', '--root-dir', rootDir, '--cluster-dns', '10.96.0.10', '--log-level', 'warn', '--healthz-port', String(healthzPort),
  ], { log: { dir: env.dir, name: 'kubelet' } });
  const nodes = env.client.resource<NodeObject>(nodesRef);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`kubelet exited (code ${child.exitCode}):\n${logTail(env.dir, 'kubelet')}`);
    try {
      const n = await nodes.get(undefined, nodeName);
      if (isReady(n)) break;
    } catch {
      // not registered yet
    }
    if (i > 600) throw new Error(`node ${nodeName} did not become Ready:\n${logTail(env.dir, 'kubelet')}`);
    await sleep(100);
  }
  return { process: child, nodeName, metricsUrl: `http://127.0.0.1:${healthzPort}/metrics` };
}

/** Waits until no container of the node is running, so the next measurement starts on an idle node. */
async function waitNodeIdle(docker: Docker, nodeName: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const running = await docker.listContainers({ filters: { label: [`${LABEL_NODE}=${nodeName}`], status: ['running'] } });
    if (running.length === 0) return;
    await sleep(100);
  }
  throw new Error(`containers of node ${nodeName} still running after 60 s`);
}

async function deletePods(env: ControlPlane, watch: ReadyWatch, names: string[]): Promise<void> {
  const pods = env.client.resource<PodObject>(podsRef);
  await Promise.all(
    names.map(async (name) => {
      const gone = watch.whenGone(name);
      await pods.delete(NAMESPACE, name);
      await gone;
    }),
  );
}

type Stage = 'sandbox create' | 'sandbox start' | 'app create' | 'app start';
const STAGES: Stage[] = ['sandbox create', 'sandbox start', 'app create', 'app start'];

/** Container create and start events from the engine, to see at which step a batch of pods falls behind. */
class DockerTimeline {
  private readonly events: { label: Record<string, string>; stage: Stage; at: number }[] = [];
  private stream?: NodeJS.ReadableStream & { destroy?(): void };

  async start(docker: Docker): Promise<void> {
    this.stream = (await docker.getEvents({ filters: { type: ['container'], event: ['create', 'start'] } })) as NodeJS.ReadableStream & { destroy?(): void };
    let buf = '';
    this.stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) this.record(line);
      }
    });
  }

  stop(): void {
    this.stream?.destroy?.();
  }

  private record(line: string): void {
    const e = JSON.parse(line) as { Action?: string; timeNano?: number; Actor?: { Attributes?: Record<string, string> } };
    const label = e.Actor?.Attributes ?? {};
    if ((e.Action !== 'create' && e.Action !== 'start') || e.timeNano === undefined) return;
    const kind = label[LABEL_TYPE] === 'sandbox' ? 'sandbox' : 'app';
    this.events.push({ label, stage: `${kind} ${e.Action}`, at: e.timeNano / 1e6 });
  }

  /** Seconds from `since` (epoch ms) at which each stage happened, for containers carrying the label. */
  stages(labelKey: string, labelValue: string, since: number): Map<Stage, number[]> {
    const out = new Map<Stage, number[]>(STAGES.map((st) => [st, []]));
    for (const e of this.events) {
      if (e.label[labelKey] === labelValue && e.at >= since) out.get(e.stage)!.push((e.at - since) / 1000);
    }
    for (const list of out.values()) list.sort((a, b) => a - b);
    return out;
  }
}

interface Batch {
  latencies: number[];
  totalMs: number;
  /** epoch ms of the first create */
  startedAt: number;
}

/** Creates the pods at once; each latency runs from sending its create to seeing it Ready. */
async function skiffPods(env: ControlPlane, watch: ReadyWatch, names: string[], nodeName: string): Promise<Batch> {
  const pods = env.client.resource<PodObject>(podsRef);
  const startedAt = Date.now();
  const start = performance.now();
  const latencies = await Promise.all(
    names.map(async (name) => {
      const ready = watch.whenReady(name);
      const sent = performance.now();
      await pods.create(NAMESPACE, pod(name, nodeName));
      return (await ready) - sent;
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), totalMs: performance.now() - start, startedAt };
}

/** What a pod is made of, straight on Docker: the sandbox, then the app container in its namespaces. */
async function rawPod(docker: Docker, runId: string, name: string): Promise<void> {
  const labels = { [RAW_LABEL]: runId };
  const sandbox = await docker.createContainer({
    name: `${name}-pod`,
    Image: PAUSE_IMAGE,
    Hostname: name,
    Labels: { ...labels, [LABEL_TYPE]: 'sandbox' },
    HostConfig: { NetworkMode: 'bridge', IpcMode: 'shareable', RestartPolicy: { Name: 'no' } },
  });
  await sandbox.start();
  const app = await docker.createContainer({
    name: `${name}-echo`,
    Image: ECHO_IMAGE,
    Labels: labels,
    Env: [`POD_NAME=${name}`],
    HostConfig: { NetworkMode: `container:${sandbox.id}`, IpcMode: `container:${sandbox.id}`, RestartPolicy: { Name: 'no' } },
  });
  await app.start();
  const [s, a] = await Promise.all([sandbox.inspect(), app.inspect()]);
  if (!s.State.Running || !a.State.Running) throw new Error(`raw pod ${name} is not running`);
}

async function rawPods(docker: Docker, runId: string, names: string[]): Promise<Batch> {
  const startedAt = Date.now();
  const start = performance.now();
  const latencies = await Promise.all(
    names.map(async (name) => {
      const t = performance.now();
      await rawPod(docker, runId, name);
      return performance.now() - t;
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), totalMs: performance.now() - start, startedAt };
}

/** Force-removes containers matching the label filter, app containers before the sandboxes they joined. */
async function removeContainers(docker: Docker, label: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  const remove = async (c: Docker.ContainerInfo): Promise<void> => {
    try {
      await docker.getContainer(c.Id).remove({ force: true, v: true });
    } catch (err) {
      const code = typeof err === 'object' && err !== null && 'statusCode' in err ? err.statusCode : undefined;
      if (code !== 404 && code !== 409) throw err;
    }
  };
  const isSandbox = (c: Docker.ContainerInfo): boolean => c.Labels[LABEL_TYPE] === 'sandbox';
  await Promise.all(containers.filter((c) => !isSandbox(c)).map(remove));
  await Promise.all(containers.filter(isSandbox).map(remove));
}

interface Results {
  skiffSingle: number[];
  rawSingle: number[];
  skiffBatch: Batch;
  rawBatch: Batch;
  skiffStages: Map<Stage, number[]>;
  rawStages: Map<Stage, number[]>;
  kubeletRssIdle: number;
  kubeletRss: number;
  kubeletPeak: number;
  kubeletHeap: HeapMB;
  /** the kubelet's runtime calls while the batch started */
  batchOps: RuntimeOps;
}

async function measure(env: ControlPlane, docker: Docker, nodeName: string, runId: string): Promise<Results> {
  await createNamespace(env.client, NAMESPACE);
  progress(`starting the kubelet (node ${nodeName})`);
  const kubelet = await startKubelet(env, nodeName);
  const pid = kubelet.process.pid!;
  const watch = new ReadyWatch(env.client);
  await watch.start();
  try {
    progress('warming up (one pod of each kind, not counted)');
    await skiffPods(env, watch, ['warm'], nodeName);
    await deletePods(env, watch, ['warm']);
    await waitNodeIdle(docker, nodeName);
    await rawPods(docker, runId, [`raw-warm-${runId}`]);
    await removeContainers(docker, `${RAW_LABEL}=${runId}`);
    const kubeletRssIdle = procStatusMB(pid, 'VmRSS');

    const skiffSingle: number[] = [];
    const rawSingle: number[] = [];
    for (let i = 0; i < SINGLE_RUNS; i++) {
      progress(`single pod ${i + 1}/${SINGLE_RUNS}`);
      const raw = await rawPods(docker, runId, [`raw-single-${runId}-${i}`]);
      rawSingle.push(raw.totalMs);
      await removeContainers(docker, `${RAW_LABEL}=${runId}`);
      const name = `single-${i}`;
      const skiff = await skiffPods(env, watch, [name], nodeName);
      skiffSingle.push(skiff.latencies[0]!);
      await deletePods(env, watch, [name]);
      await waitNodeIdle(docker, nodeName);
    }

    const timeline = new DockerTimeline();
    await timeline.start(docker);
    progress(`${BATCH} raw Docker pods at once`);
    const rawBatch = await rawPods(docker, runId, Array.from({ length: BATCH }, (_, i) => `raw-batch-${runId}-${i}`));
    await removeContainers(docker, `${RAW_LABEL}=${runId}`);

    progress(`${BATCH} Skiff pods at once`);
    const names = Array.from({ length: BATCH }, (_, i) => `batch-${i}`);
    const opsBefore = await runtimeOps(kubelet);
    const skiffBatch = await skiffPods(env, watch, names, nodeName);
    const batchOps = diffOps(await runtimeOps(kubelet), opsBefore);
    timeline.stop();
    const kubeletRssAtReady = procStatusMB(pid, 'VmRSS');
    // a few housekeeping and relist rounds with every pod running
    await sleep(5_000);
    const kubeletRss = Math.max(kubeletRssAtReady, procStatusMB(pid, 'VmRSS'));
    const kubeletPeak = procStatusMB(pid, 'VmHWM');
    const kubeletHeap = await v8HeapMB(kubelet.metricsUrl);
    progress(`deleting the ${BATCH} pods`);
    await deletePods(env, watch, names);
    await waitNodeIdle(docker, nodeName);
    return {
      skiffSingle: skiffSingle.sort((a, b) => a - b),
      rawSingle: rawSingle.sort((a, b) => a - b),
      skiffBatch,
      rawBatch,
      skiffStages: timeline.stages(LABEL_NODE, nodeName, skiffBatch.startedAt),
      rawStages: timeline.stages(RAW_LABEL, runId, rawBatch.startedAt),
      kubeletRssIdle,
      kubeletRss,
      kubeletPeak,
      kubeletHeap,
      batchOps,
    };
  } catch (err) {
    progress(`kubelet log (last lines):\n${logTail(env.dir, 'kubelet')}`);
    throw err;
  } finally {
    watch.stop();
    await terminate(kubelet.process);
  }
}

function printTable(r: Results): void {
  const s = (ms: number): string => (ms / 1000).toFixed(3);
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
  const rows = [
    ['', 'Skiff (create -> Ready by watch)', 'raw Docker (sandbox + app running)', 'Skiff / raw'],
    [`1 pod, median of ${r.skiffSingle.length} (s)`, s(median(r.skiffSingle)), s(median(r.rawSingle)), ratio(median(r.skiffSingle), median(r.rawSingle))],
    [`1 pod, p99 of ${r.skiffSingle.length} (s)`, s(percentile(r.skiffSingle, 99)), s(percentile(r.rawSingle, 99)), ratio(percentile(r.skiffSingle, 99), percentile(r.rawSingle, 99))],
    [`${BATCH} pods at once, p50 (s)`, s(percentile(r.skiffBatch.latencies, 50)), s(percentile(r.rawBatch.latencies, 50)), ratio(percentile(r.skiffBatch.latencies, 50), percentile(r.rawBatch.latencies, 50))],
    [`${BATCH} pods at once, p99 (s)`, s(percentile(r.skiffBatch.latencies, 99)), s(percentile(r.rawBatch.latencies, 99)), ratio(percentile(r.skiffBatch.latencies, 99), percentile(r.rawBatch.latencies, 99))],
    [`${BATCH} pods at once, max (s)`, s(r.skiffBatch.latencies.at(-1)!), s(r.rawBatch.latencies.at(-1)!), ratio(r.skiffBatch.latencies.at(-1)!, r.rawBatch.latencies.at(-1)!)],
    [`${BATCH} pods at once, total (s)`, s(r.skiffBatch.totalMs), s(r.rawBatch.totalMs), ratio(r.skiffBatch.totalMs, r.rawBatch.totalMs)],
  ];
  console.log('');
  for (const l of pipeTable(rows)) console.log(l);
  console.log('');
  const total = r.skiffBatch.totalMs / r.rawBatch.totalMs;
  const single = median(r.skiffSingle) / 1000;
  console.log(`${BATCH}-pod total, Skiff / raw Docker: ${total.toFixed(2)}x (target <= 1.25x)`);
  console.log(`single pod create -> Ready, median: ${single.toFixed(3)} s (target <= 0.6 s)`);
  console.log(`kubelet RSS: ${r.kubeletRssIdle.toFixed(0)} MB idle, ${r.kubeletRss.toFixed(0)} MB with ${BATCH} pods running, peak ${r.kubeletPeak.toFixed(0)} MB (target <= 100 MB)`);
  console.log(`  of which V8 heap ${r.kubeletHeap.used.toFixed(0)} MB used of ${r.kubeletHeap.total.toFixed(0)} MB, ${r.kubeletHeap.external.toFixed(0)} MB external`);
  console.log('');
  console.log(`${BATCH} pods at once, seconds from the first create until the median / the last pod reached each step:`);
  console.log(`  ${'step'.padEnd(20)} ${'Skiff'.padStart(15)} ${'raw Docker'.padStart(15)}`);
  const at = (list: number[] | undefined): string => (list?.length ? `${median(list).toFixed(2)} / ${list.at(-1)!.toFixed(2)}` : '-');
  for (const st of STAGES) console.log(`  ${`${st} (engine)`.padEnd(20)} ${at(r.skiffStages.get(st)).padStart(15)} ${at(r.rawStages.get(st)).padStart(15)}`);
  console.log(`  ${'Ready seen by watch'.padEnd(20)} ${at(r.skiffBatch.latencies.map((ms) => ms / 1000)).padStart(15)} ${'-'.padStart(15)}`);
  console.log('');
  console.log(`kubelet runtime calls until the ${BATCH} pods were Ready (raw Docker: 6 engine calls per pod, ${6 * BATCH} in all):`);
  const ops = [...r.batchOps].sort((a, b) => b[1].seconds - a[1].seconds);
  for (const [op, { count, seconds }] of ops) {
    console.log(`  ${op.padEnd(24)} ${String(count).padStart(5)} calls ${seconds.toFixed(2).padStart(8)} s  ${((seconds / count) * 1000).toFixed(0).padStart(6)} ms each`);
  }
  console.log('');
  console.log('Skiff: etcd, apiserver and kubelet as separate processes, pods created with spec.nodeName set; raw Docker: dockerode create+start');
  console.log(`of ${PAUSE_IMAGE} and ${ECHO_IMAGE} joined to its network and IPC namespaces, until both are inspected running.`);
}

async function main(): Promise<void> {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  try {
    await docker.ping();
  } catch (err) {
    console.log(`pod start-up benchmark skipped: Docker engine not reachable (${err instanceof Error ? err.message : String(err)})`);
    return;
  }
  await ensureImages(docker);
  const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const nodeName = `bench-pods-${runId}`;
  const dir = process.env.BENCH_LOG_DIR ?? mkdtempSync(join(tmpdir(), 'skiff-pod-bench-'));
  progress(`starting etcd and apiserver (logs in ${dir})`);
  const env = await startControlPlane({ dir, namespace: NAMESPACE, connections: 64, log: 'file' });
  try {
    printTable(await measure(env, docker, nodeName, runId));
  } finally {
    await removeContainers(docker, `${LABEL_NODE}=${nodeName}`).catch((err: unknown) => progress(`clean-up: ${String(err)}`));
    await removeContainers(docker, `${RAW_LABEL}=${runId}`).catch((err: unknown) => progress(`clean-up: ${String(err)}`));
    await env.stop();
    if (!process.env.BENCH_LOG_DIR) rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark(main);
