// Scheduling-cycle micro-benchmark: prints a table, never fails a build.
//
// In one process, with no apiserver: a SchedulerCache holding 5,000 nodes
// shaped as bench/scheduler.ts creates them (cpu 32, memory 128Gi, pods 110,
// three zones, Ready), the default profile's Framework and PodScheduler, and
// 10,000 pods each requesting 100m cpu and 128Mi. Each pod goes through what
// Scheduler.scheduleOne does synchronously: schedule (PreFilter, Filter over
// the adaptive share of nodes, PreScore, Score, selectHost), assume on the
// chosen node and Reserve; then, as the informer would, the binding is
// confirmed (finishBinding and the bound pod's update), timed apart.
// Scenarios: no affinity, and 10% of the pods with required pod
// anti-affinity on kubernetes.io/hostname against their own label group (10
// groups). Reported per pod: CPU µs of the cycle (process.cpuUsage), the
// share of the cycle's wall time spent inside schedule(), CPU µs of the
// confirmation, and pods/s of the cycle alone. The placement digest (tie-breaks use a fixed sequence)
// changes only when some decision changes.
// BENCH_NODES and BENCH_PODS override the sizes; BENCH_ONLY=none or anti
// runs one scenario.
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import type { Node, Pod } from '../src/api/core/v1.js';
import { FakeClock } from '../src/client/index.js';
import { PodScheduler } from '../scheduler/algorithm.js';
import { SchedulerCache } from '../scheduler/cache.js';
import { schedulerConfigFrom } from '../scheduler/config.js';
import { CycleState, Framework } from '../scheduler/framework.js';
import { PodInfo } from '../scheduler/nodeinfo.js';
import { inTreeRegistry } from '../scheduler/plugins/registry.js';
import { SchedulingQueue } from '../scheduler/queue.js';
import { benchNode, benchPod, readyNodeStatus } from './lib/scheduling-objects.js';

const NODES = Number(process.env.BENCH_NODES ?? 5000);
const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const ONLY = process.env.BENCH_ONLY ?? '';
const NAMESPACE = 'bench';

/** Node i with a Ready status, as the informer would hand it over. */
function node(i: number): Node {
  const n = benchNode(i);
  return { ...n, metadata: { ...n.metadata, uid: `node-uid-${i}` }, status: readyNodeStatus };
}

/** Pod i, pending, with the fields the apiserver would have defaulted. */
function pod(i: number, anti: boolean): Pod {
  const p = benchPod(NAMESPACE, i, anti);
  return { ...p, metadata: { ...p.metadata, uid: `pod-uid-${i}` }, spec: { ...p.spec, schedulerName: 'default-scheduler' }, status: { phase: 'Pending' } };
}

interface Result {
  scenario: string;
  scheduled: number;
  unschedulable: number;
  cycleUs: number;
  scheduleShare: number;
  confirmUs: number;
  podsPerSec: number;
  digest: string;
}

const cpuUs = (u: NodeJS.CpuUsage): number => u.user + u.system;

function run(anti: boolean): Result {
  const clock = new FakeClock();
  const cache = new SchedulerCache({ clock });
  const queue = new SchedulingQueue({ clock });
  for (let i = 0; i < NODES; i++) cache.addNode(node(i));
  const cfg = schedulerConfigFrom(undefined);
  const profile = cfg.profiles[0]!;
  const fwk = new Framework(profile.schedulerName, inTreeRegistry, profile.plugins, {
    snapshot: cache,
    namespaceLabels: () => ({}),
    nominator: queue,
    clock,
    log: pino({ level: 'silent' }),
  });
  // xorshift32: a fixed sequence for tie-breaks, about as cheap as Math.random.
  let seed = 2463534242;
  const algorithm = new PodScheduler(cache, () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  });
  const pct = profile.percentageOfNodesToScore ?? cfg.percentageOfNodesToScore;
  const pods = Array.from({ length: PODS }, (_, i) => pod(i, anti && i % 10 === 0));
  const infos = pods.map((p) => new PodInfo(p));
  const placed: (Pod | undefined)[] = [];
  const hash = createHash('sha256');
  let unschedulable = 0;
  let inSchedule = 0;

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < PODS; i++) {
    const pi = infos[i]!;
    const state = new CycleState();
    const s0 = performance.now();
    const r = algorithm.schedule(fwk, state, pi, pct);
    inSchedule += performance.now() - s0;
    if (r.kind !== 'scheduled') {
      unschedulable++;
      hash.update(`${i}:-\n`);
      placed.push(undefined);
      continue;
    }
    const assumedInfo = pi.boundTo(r.nodeName);
    const assumed = assumedInfo.pod;
    cache.assumePod(assumed, assumedInfo);
    fwk.runReserve(state, pi, r.nodeName);
    queue.deleteNomination(pi.key);
    hash.update(`${i}:${r.nodeName}\n`);
    placed.push(assumed);
  }
  const wall = performance.now() - t0;
  const cycleCpu = cpuUs(process.cpuUsage(cpu0));

  const cpu1 = process.cpuUsage();
  for (const p of placed) {
    if (!p) continue;
    cache.finishBinding(p);
    cache.addPod({ ...p, status: { phase: 'Running' } });
  }
  const confirmCpu = cpuUs(process.cpuUsage(cpu1));
  cache.close();

  const scheduled = PODS - unschedulable;
  return {
    scenario: anti ? '10% anti-affinity' : 'no affinity',
    scheduled,
    unschedulable,
    cycleUs: cycleCpu / PODS,
    scheduleShare: inSchedule / Math.max(1e-9, wall),
    confirmUs: confirmCpu / Math.max(1, scheduled),
    podsPerSec: PODS / (wall / 1000),
    digest: hash.digest('hex').slice(0, 12),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

const results: Result[] = [];
for (const anti of [false, true]) {
  if (ONLY && ONLY !== (anti ? 'anti' : 'none')) continue;
  try {
    results.push(run(anti));
  } catch (err) {
    process.stderr.write(`[bench] scenario ${anti ? 'anti' : 'none'} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
}
console.log(`scheduling cycle: ${NODES} nodes, ${PODS} pods, default profile (node ${process.version})`);
console.log(
  table([
    ['scenario', 'scheduled', 'unschedulable', 'cycle CPU µs/pod', 'schedule() share', 'confirm CPU µs/pod', 'cycle pods/s', 'placement digest'],
    ...results.map((r) => [
      r.scenario,
      String(r.scheduled),
      String(r.unschedulable),
      r.cycleUs.toFixed(1),
      `${Math.round(r.scheduleShare * 100)}%`,
      r.confirmUs.toFixed(1),
      r.podsPerSec.toFixed(0),
      r.digest,
    ]),
  ]),
);
