// Scheduler benchmark: prints a table, never fails a build.
//
// As Kubernetes' scheduler_perf does, Node objects with capacity and a Ready
// condition are created directly through the apiserver (no kubelet), then
// pods are created through the apiserver and the time from each pod's
// creation to its binding, seen by a watch, is measured. Like scheduler_perf's
// SchedulingBasic workloads, each scenario first schedules unmeasured init
// pods (500 on 500 nodes, 1,000 on 5,000 nodes), so the processes measured
// are past their JIT warm-up and the nodes are not empty. Each scenario gets
// its own etcd, apiserver process and scheduler process, so the load
// generator, the apiserver and the scheduler do not share an event loop:
// - 500 nodes / 5,000 pods and 5,000 nodes / 10,000 pods,
// - each with and without required pod anti-affinity on 10% of the pods;
// - the raw create rate of the same pods with no scheduler running (after as
//   many unmeasured creates, the apiserver's warm-up), side by side with the
//   create rate while scheduling;
// - in two modes: streaming (pods created while the scheduler runs, end to
//   end) and backlog (the scheduler that placed the init pods is stopped and
//   every measured pod is pending when the next one starts, so the apiserver
//   serves only bindings, events and watches);
// - the CPU each process (scheduler, apiserver, etcd, this load generator)
//   spends per 1,000 pods, which shows where a 2-core machine's time goes;
// - the scheduler's RSS at the end (and its peak).
// BENCH_SCALE (default 1) scales node and pod counts down for a quick look.
// BENCH_ONLY picks scenarios (see main); BENCH_APISERVER_NODE_ARGS and
// BENCH_SCHEDULER_NODE_ARGS pass flags to node for those processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../src/api/meta.js';
import { Informer } from '../src/client/index.js';
import { terminate } from '../src/cluster/etcd.js';
import { SCHEDULER_NODE_FLAGS } from '../src/cluster/node-flags.js';
import { nodeArgsFrom } from './lib/components.js';
import { startControlPlane, type ControlPlane } from './lib/control-plane.js';
import { cpuSeconds, procStatusMB } from './lib/process-usage.js';
import { pipeTable, progress, runBenchmark } from './lib/report.js';
import { createNamespace, eventsRef, nodesRef, podsRef, type NodeObject, type PodObject } from './lib/resources.js';
import { benchNode, benchPod, readyNodeStatus } from './lib/scheduling-objects.js';
import { percentile, runConcurrent } from './lib/stats.js';

const CONCURRENCY = 32;
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const startEnv = (): Promise<ControlPlane> =>
  startControlPlane({ connections: CONCURRENCY + 8, nodeArgs: nodeArgsFrom('BENCH_APISERVER_NODE_ARGS'), apiserverArgs: ['--etcd-compaction-interval', '0'] });

async function createNodes(env: ControlPlane, n: number): Promise<void> {
  const nodes = env.client.resource<NodeObject>(nodesRef);
  await runConcurrent(n, CONCURRENCY, async (i) => {
    const created = await nodes.create(undefined, benchNode(i));
    await nodes.updateStatus(undefined, {
      ...created,
      status: readyNodeStatus,
    });
  });
}

function startScheduler(env: ControlPlane): ChildProcess {
  const config = join(env.dir, 'scheduler.yaml');
  // As scheduler_perf does: client-side rate limits out of the way.
  writeFileSync(config, 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nleaderElection:\n  leaderElect: false\nclientConnection:\n  qps: 100000\n  burst: 100000\n');
  const self = fileURLToPath(import.meta.url);
  return spawn(process.execPath, [...SCHEDULER_NODE_FLAGS, ...nodeArgsFrom('BENCH_SCHEDULER_NODE_ARGS'), self, '--scheduler-child', env.kubeconfig, config], { stdio: ['ignore', 'inherit', 'inherit'] });
}

interface Result {
  nodes: number;
  pods: number;
  antiAffinity: boolean;
  mode: Mode;
  /** pods created per second: while the scheduler runs (streaming) or before it starts (backlog) */
  createRate: number;
  throughput: number;
  p50: number;
  p99: number;
  rss: number;
  peakRss: number;
  /** Scheduled events the scheduler wrote (it drops events its queue cannot hold) */
  scheduledEvents: number;
  /** CPU seconds per 1,000 pods scheduled, per process, from the first create to the last binding */
  cpu: { scheduler: number; apiserver: number; etcd: number; bench: number };
}

/** The CPU seconds each process has used so far. */
function cpuNow(env: ControlPlane, sched: ChildProcess): Result['cpu'] {
  const self = process.cpuUsage();
  return {
    scheduler: cpuSeconds(sched.pid!),
    apiserver: cpuSeconds(env.apiserver.pid!),
    etcd: cpuSeconds(env.etcd.pid),
    bench: (self.user + self.system) / 1e6,
  };
}

type Mode = 'streaming' | 'backlog';

/**
 * Both modes first schedule the init pods. streaming: pods are then created
 * while the scheduler runs (end to end, from the first create to the last
 * binding); backlog: the scheduler is stopped and every pod is pending when
 * the next one starts, as after a scheduler restart, which leaves the
 * apiserver only the bindings, events and watches to serve (throughput from
 * the first binding to the last).
 */
async function scenario(nodes: number, initPods: number, pods: number, antiAffinity: boolean, mode: Mode): Promise<Result> {
  const label = `${nodes} nodes / ${pods} pods${antiAffinity ? ' / 10% anti-affinity' : ''} / ${mode}`;
  progress(`${label}: starting etcd and apiserver`);
  const env = await startEnv();
  const ns = 'bench';
  try {
    await createNamespace(env.client, ns);
    progress(`${label}: creating nodes`);
    await createNodes(env, nodes);

    const created = new Map<string, number>();
    const bound = new Map<string, number>();
    let sched: ChildProcess | undefined;
    let cpuBefore: Result['cpu'] | undefined;
    const watch = new Informer<PodObject>(env.client, podsRef, { namespace: ns });
    const initBound = new Set<string>();
    let initDone = (): void => {};
    const allInitBound = new Promise<void>((resolve) => (initDone = resolve));
    const allBound = new Promise<void>((resolve) => {
      const seen = (p: PodObject): void => {
        const name = p.metadata.name!;
        if (!p.spec.nodeName) return;
        if (name.startsWith('init-')) {
          initBound.add(name);
          if (initBound.size === initPods) initDone();
          return;
        }
        if (bound.has(name) || !name.startsWith('pod-')) return;
        if (bound.size === 0 && mode === 'backlog' && sched) cpuBefore = cpuNow(env, sched);
        bound.set(name, performance.now());
        if (bound.size === pods) resolve();
      };
      watch.addEventHandler({ onAdd: seen, onUpdate: (_o, p) => seen(p) });
    });
    watch.start();
    await watch.waitForSync();

    const podsApi = env.client.resource<PodObject>(podsRef);
    const createPods = async (prefix: 'init' | 'pod', count: number): Promise<number> => {
      const run = await runConcurrent(count, CONCURRENCY, async (i) => {
        const pod = benchPod(ns, i, antiAffinity && i % 10 === 0);
        const name = `${prefix}-${i}`;
        pod.metadata.name = name;
        if (prefix === 'pod') created.set(name, performance.now());
        await podsApi.create(ns, pod);
      });
      return run.seconds;
    };

    // scheduler_perf's init pods: scheduled first, never measured.
    progress(`${label}: starting the scheduler, scheduling ${initPods} init pods`);
    sched = startScheduler(env);
    await createPods('init', initPods);
    await allInitBound;
    let createSeconds: number;
    let start: number;
    if (mode === 'backlog') {
      // A scheduler restart: every measured pod is pending when the next one starts.
      await terminate(sched);
      progress(`${label}: creating pods`);
      createSeconds = await createPods('pod', pods);
      progress(`${label}: starting the scheduler again`);
      sched = startScheduler(env);
      start = NaN;
    } else {
      progress(`${label}: creating pods`);
      cpuBefore = cpuNow(env, sched);
      start = performance.now();
      createSeconds = await createPods('pod', pods);
    }
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 600_000));
    await Promise.race([allBound, timeout]);
    const times = [...bound.values()];
    const end = Math.max(...times);
    if (mode === 'backlog') start = Math.min(...times);
    const cpuAfter = cpuNow(env, sched);
    const perThousand = (k: keyof Result['cpu']): number => ((cpuAfter[k] - (cpuBefore?.[k] ?? NaN)) * 1000) / Math.max(1, bound.size);
    const latencies = mode === 'backlog' ? [] : [...bound].map(([name, t]) => t - created.get(name)!).sort((a, b) => a - b);
    const result: Result = {
      nodes,
      pods,
      antiAffinity,
      mode,
      createRate: pods / createSeconds,
      throughput: (mode === 'backlog' ? bound.size - 1 : bound.size) / ((end - start) / 1000),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      rss: procStatusMB(sched.pid!, 'VmRSS'),
      peakRss: procStatusMB(sched.pid!, 'VmHWM'),
      scheduledEvents: 0,
      cpu: { scheduler: perThousand('scheduler'), apiserver: perThousand('apiserver'), etcd: perThousand('etcd'), bench: perThousand('bench') },
    };
    if (bound.size < pods) progress(`${label}: only ${bound.size} of ${pods} pods were bound within the time limit`);
    watch.stop();
    await terminate(sched);
    // A scheduler under load drops events when its queue is full, as client-go's broadcaster does; the table says how many were written.
    const events = await env.client.resource<KubeObject & { reason?: string; involvedObject?: { name?: string } }>(eventsRef).list(ns);
    result.scheduledEvents = events.items.filter((e) => e.reason === 'Scheduled' && e.involvedObject?.name?.startsWith('pod-')).length;
    return result;
  } finally {
    await env.stop();
  }
}

async function rawCreateRate(pods: number): Promise<number> {
  progress(`raw create rate: ${pods} pods after ${pods} unmeasured, no scheduler`);
  const env = await startEnv();
  try {
    await createNamespace(env.client, 'raw');
    const podsApi = env.client.resource<PodObject>(podsRef);
    const createFrom = (first: number) => runConcurrent(pods, CONCURRENCY, async (i) => {
      await podsApi.create('raw', benchPod('raw', first + i, false));
    });
    // A fresh apiserver needs a few thousand requests before its JIT settles
    // (the first 1,000 creates cost it three to four times the CPU of later ones).
    await createFrom(0);
    const { seconds } = await createFrom(pods);
    return pods / seconds;
  } finally {
    await env.stop();
  }
}

async function main(): Promise<void> {
  // [nodes, init pods, measured pods], as scheduler_perf's SchedulingBasic 500Nodes and 5000Nodes_10000Pods
  const sizes: [number, number, number][] = [
    [Math.round(500 * SCALE), Math.max(1, Math.round(500 * SCALE)), Math.round(5000 * SCALE)],
    [Math.round(5000 * SCALE), Math.max(1, Math.round(1000 * SCALE)), Math.round(10_000 * SCALE)],
  ];
  // BENCH_ONLY=5000 or 5000:none or 500:anti or 5000:none:backlog picks scenarios by node count, affinity and mode.
  const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
  const wanted = (n: number, anti: boolean, mode: Mode): boolean =>
    only.length === 0 ||
    only.some((o) => {
      const [nodes, kind, m] = o.split(':');
      return Number(nodes) === n && (!kind || kind === (anti ? 'anti' : 'none')) && (!m || m === mode);
    });
  const raw = await rawCreateRate(sizes[0]![2]);
  const results: Result[] = [];
  for (const [n, init, p] of sizes) {
    for (const mode of ['streaming', 'backlog'] as const) {
      for (const anti of [false, true]) {
        if (!wanted(n, anti, mode)) continue;
        try {
          results.push(await scenario(n, init, p, anti, mode));
        } catch (err) {
          progress(`scenario ${n}/${p}${anti ? ' anti' : ''} ${mode} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  }
  const rows = [
    ['nodes', 'pods', 'anti-affinity', 'mode', 'create/s', 'scheduled/s', 'p50 ms', 'p99 ms', 'sched RSS MB', 'peak RSS MB', 'Scheduled events', 'CPU s/1k pods: sched', 'apiserver', 'etcd', 'bench'],
    ...results.map((r) => [
      String(r.nodes),
      String(r.pods),
      r.antiAffinity ? '10%' : 'none',
      r.mode,
      r.createRate.toFixed(0),
      r.throughput.toFixed(0),
      Number.isNaN(r.p50) ? '-' : r.p50.toFixed(0),
      Number.isNaN(r.p99) ? '-' : r.p99.toFixed(0),
      r.rss.toFixed(0),
      r.peakRss.toFixed(0),
      `${Math.round((100 * r.scheduledEvents) / r.pods)}%`,
      r.cpu.scheduler.toFixed(2),
      r.cpu.apiserver.toFixed(2),
      r.cpu.etcd.toFixed(2),
      r.cpu.bench.toFixed(2),
    ]),
  ];
  console.log('');
  console.log(`Raw create rate (no scheduler, ${sizes[0]![2]} pods after as many unmeasured, ${CONCURRENCY} clients): ${raw.toFixed(0)} pods/s`);
  console.log('');
  for (const l of pipeTable(rows, 0)) console.log(l);
  console.log('');
  console.log('streaming: pods created while the scheduler runs; scheduled/s from the first create to the last binding seen by watch; create/s: the create rate meanwhile.');
  console.log(`Both modes first schedule init pods, unmeasured, as scheduler_perf does: ${sizes.map(([n, init]) => `${init} on ${n} nodes`).join(', ')}.`);
  console.log('backlog: every pod pending when a restarted scheduler starts; scheduled/s from the first binding to the last; create/s: the create rate with no scheduler.');
  console.log('p50/p99 (streaming): from the create request being sent to the binding seen by watch; CPU: each process\'s CPU time per 1,000 pods bound (bench = this load generator and its watch).');
  console.log('Scheduled events: the share of pods whose Scheduled event was written (the scheduler drops events its queue of 1,000 cannot hold, as kube-scheduler does).');
}

if (process.argv[2] === '--scheduler-child') {
  const { runScheduler } = await import('../scheduler/main.js');
  await runScheduler({ kubeconfig: process.argv[3]!, config: process.argv[4]!, port: 0, leaderElect: false, logLevel: 'warn' });
} else {
  runBenchmark(main);
}
