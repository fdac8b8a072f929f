// The kubelet's Summary API (/stats/summary, what metrics-server and
// `kubectl top` read): per-container CPU and memory from the runtime, summed
// per pod and for the node. The runtime reports cumulative CPU time; the
// usage rate is the difference between two samples over the time between them.
import type { Pod } from '../../src/api/core/v1.js';
import type { ContainerRuntime, ContainerStats } from '../runtime/interface.js';

export interface CPUStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  usageBytes: number;
  workingSetBytes: number;
}

export interface ContainerSummary {
  name: string;
  cpu: CPUStats;
  memory: MemoryStats;
}

export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime?: string;
  containers: ContainerSummary[];
  cpu: CPUStats;
  memory: MemoryStats;
}

export interface Summary {
  node: { nodeName: string; startTime: string; cpu: CPUStats; memory: MemoryStats };
  pods: PodSummary[];
}

interface Sample {
  at: number;
  cpu: bigint;
}

/** A rate needs two samples at least this far apart (ms). */
const MIN_SAMPLE_SPACING_MS = 200;
/** How long to wait for a second sample of a container seen for the first time (ms). */
const FIRST_SAMPLE_WAIT_MS = 500;

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export class SummaryProvider {
  /** per container: the last sample a rate was computed from, and the one before it */
  private readonly samples = new Map<string, Sample[]>();
  private readonly startTime = new Date();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly nodeName: string,
    private readonly pods: () => Pod[],
    private readonly wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  ) {}

  async summary(): Promise<Summary> {
    let stats = await this.runtime.containerStats();
    this.record(stats);
    if (stats.some((s) => this.rate(s) === undefined)) {
      await this.wait(FIRST_SAMPLE_WAIT_MS);
      stats = await this.runtime.containerStats();
      this.record(stats);
    }
    const live = new Set(stats.map((s) => s.containerId));
    for (const id of this.samples.keys()) if (!live.has(id)) this.samples.delete(id);
    return this.build(stats);
  }

  private record(stats: ContainerStats[]): void {
    for (const s of stats) {
      const list = this.samples.get(s.containerId) ?? [];
      const last = list.at(-1);
      const sample = { at: s.timestamp.getTime(), cpu: s.cpuUsageCoreNanoSeconds };
      if (last && sample.at <= last.at) continue;
      // Keep the newest sample, and the latest one far enough before it to give a stable rate.
      const base = [...list].reverse().find((p) => sample.at - p.at >= MIN_SAMPLE_SPACING_MS);
      this.samples.set(s.containerId, base ? [base, sample] : [...list.slice(-1), sample]);
    }
  }

  private rate(s: ContainerStats): number | undefined {
    const list = this.samples.get(s.containerId) ?? [];
    const now = { at: s.timestamp.getTime(), cpu: s.cpuUsageCoreNanoSeconds };
    const base = [...list].reverse().find((p) => now.at - p.at >= MIN_SAMPLE_SPACING_MS);
    if (!base || now.cpu < base.cpu) return undefined;
    return Math.round((Number(now.cpu - base.cpu) * 1000) / (now.at - base.at));
  }

  private build(stats: ContainerStats[]): Summary {
    const podsByUid = new Map(this.pods().filter((p) => p.metadata.uid).map((p) => [p.metadata.uid!, p]));
    const grouped = new Map<string, ContainerStats[]>();
    for (const s of stats) {
      if (!podsByUid.has(s.podUid)) continue;
      const list = grouped.get(s.podUid) ?? [];
      list.push(s);
      grouped.set(s.podUid, list);
    }
    const now = new Date();
    const pods: PodSummary[] = [];
    const allContainers: ContainerSummary[] = [];
    for (const [uid, list] of grouped) {
      const pod = podsByUid.get(uid)!;
      const containers = list.map((s) => this.container(s)).sort((a, b) => a.name.localeCompare(b.name));
      allContainers.push(...containers);
      const summary: PodSummary = {
        podRef: { name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? 'default', uid },
        containers,
        cpu: sumCpu(containers.map((c) => c.cpu), now),
        memory: sumMemory(containers.map((c) => c.memory), now),
      };
      if (pod.status?.startTime) summary.startTime = pod.status.startTime;
      pods.push(summary);
    }
    pods.sort((a, b) => `${a.podRef.namespace}/${a.podRef.name}`.localeCompare(`${b.podRef.namespace}/${b.podRef.name}`));
    // Several nodes can share one machine here, so a node's usage is what its own containers use.
    return {
      node: {
        nodeName: this.nodeName,
        startTime: iso(this.startTime),
        cpu: sumCpu(allContainers.map((c) => c.cpu), now),
        memory: sumMemory(allContainers.map((c) => c.memory), now),
      },
      pods,
    };
  }

  private container(s: ContainerStats): ContainerSummary {
    const time = iso(s.timestamp);
    const cpu: CPUStats = { time, usageCoreNanoSeconds: Number(s.cpuUsageCoreNanoSeconds) };
    const rate = this.rate(s);
    if (rate !== undefined) cpu.usageNanoCores = rate;
    return {
      name: s.name,
      cpu,
      memory: { time, usageBytes: s.memoryUsageBytes, workingSetBytes: s.memoryWorkingSetBytes },
    };
  }
}

function sumCpu(list: CPUStats[], now: Date): CPUStats {
  const out: CPUStats = { time: iso(now), usageCoreNanoSeconds: list.reduce((a, c) => a + c.usageCoreNanoSeconds, 0) };
  if (list.every((c) => c.usageNanoCores !== undefined)) out.usageNanoCores = list.reduce((a, c) => a + (c.usageNanoCores ?? 0), 0);
  return out;
}

function sumMemory(list: MemoryStats[], now: Date): MemoryStats {
  return {
    time: iso(now),
    usageBytes: list.reduce((a, m) => a + m.usageBytes, 0),
    workingSetBytes: list.reduce((a, m) => a + m.workingSetBytes, 0),
  };
}
