// The metrics server's memory: for every node, and every container of every
// pod a node's kubelet reports, the last two cumulative samples. Usage is
// read from the pair as metrics-server reads it: CPU as the rate between the
// two cumulative CPU times (nanocores), memory as the latest working set,
// stamped with the later sample's time and the window between the two.
// Each scrape of a node replaces what that node reported before: pods and
// containers it no longer reports are gone.
import type { ContainerStats, Summary } from './summary.js';

export interface Sample {
  timestampMs: number;
  /** cumulative CPU time, in core-nanoseconds */
  cpuCoreNanoSeconds: number;
  memoryWorkingSetBytes: number;
  /** when the container started: a different one means it restarted and its counter began anew */
  startTimeMs?: number;
}

export interface Usage {
  /** the end of the window */
  timestampMs: number;
  windowMs: number;
  nanoCores: number;
  memoryBytes: number;
}

export interface ContainerUsage {
  name: string;
  nanoCores: number;
  memoryBytes: number;
}

export interface PodUsage {
  namespace: string;
  name: string;
  /** the earliest of its containers' timestamps, with that container's window */
  timestampMs: number;
  windowMs: number;
  containers: ContainerUsage[];
}

/**
 * Usage between two samples of one cumulative series, or undefined when they
 * do not give a rate: no time between them, or the counter started over
 * (the container restarted) in between.
 */
export function usageBetween(prev: Sample, last: Sample): Usage | undefined {
  const windowMs = last.timestampMs - prev.timestampMs;
  if (windowMs <= 0) return undefined;
  if (last.cpuCoreNanoSeconds < prev.cpuCoreNanoSeconds) return undefined;
  if (prev.startTimeMs !== undefined && last.startTimeMs !== undefined && prev.startTimeMs !== last.startTimeMs) return undefined;
  return {
    timestampMs: last.timestampMs,
    windowMs,
    nanoCores: Math.round(((last.cpuCoreNanoSeconds - prev.cpuCoreNanoSeconds) * 1000) / windowMs),
    memoryBytes: last.memoryWorkingSetBytes,
  };
}

/** The last two samples of one series. */
class Series {
  prev?: Sample;

  constructor(public last: Sample) {}

  /** A sample stamped no later than the last one is the same sample again (or a clock jump): it starts no new window. */
  push(sample: Sample): void {
    if (sample.timestampMs <= this.last.timestampMs) {
      if (sample.timestampMs < this.last.timestampMs) {
        this.prev = undefined;
        this.last = sample;
      }
      return;
    }
    this.prev = this.last;
    this.last = sample;
  }

  usage(): Usage | undefined {
    return this.prev ? usageBetween(this.prev, this.last) : undefined;
  }
}

interface PodEntry {
  namespace: string;
  name: string;
  uid: string;
  containers: Map<string, Series>;
  /** some container lacked CPU or memory figures in the last scrape: no usage for the pod */
  incomplete: boolean;
}

interface NodeEntry {
  series?: Series;
  /** by uid (namespace/name when a kubelet gives no uid) */
  pods: Map<string, PodEntry>;
}

const parseTime = (s: string | undefined): number | undefined => {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
};

/**
 * When a sample was taken: its own stamp when that has sub-second precision;
 * otherwise the time the scrape arrived, because kubelets stamp whole seconds
 * (metav1.Time) and a rate over a 15 s window from whole-second stamps would
 * be off by up to 7%, while the arrival times of two scrapes are apart by
 * the real interval give or take the round trip.
 */
export function sampleTime(stamp: string | undefined, receivedAtMs: number): number {
  const t = parseTime(stamp);
  if (t === undefined || !/\.\d+/.test(stamp ?? '')) return receivedAtMs;
  return t;
}

function containerSample(c: ContainerStats, receivedAtMs: number): Sample | undefined {
  const cpu = c.cpu?.usageCoreNanoSeconds;
  const memory = c.memory?.workingSetBytes;
  if (cpu === undefined || memory === undefined) return undefined;
  const sample: Sample = { timestampMs: sampleTime(c.cpu?.time, receivedAtMs), cpuCoreNanoSeconds: cpu, memoryWorkingSetBytes: memory };
  const started = parseTime(c.startTime);
  if (started !== undefined) sample.startTimeMs = started;
  return sample;
}

export class MetricsStore {
  private readonly nodes = new Map<string, NodeEntry>();
  /** namespace/name -> the node whose kubelet reported the pod last */
  private readonly podNodes = new Map<string, string>();

  /** Takes in one scrape of a node's kubelet, received at receivedAtMs. */
  record(nodeName: string, summary: Summary, receivedAtMs: number): void {
    const old = this.nodes.get(nodeName);
    const entry: NodeEntry = { pods: new Map() };
    const cpu = summary.node.cpu?.usageCoreNanoSeconds;
    const memory = summary.node.memory?.workingSetBytes;
    if (cpu !== undefined && memory !== undefined) {
      const sample: Sample = {
        timestampMs: sampleTime(summary.node.cpu?.time, receivedAtMs),
        cpuCoreNanoSeconds: cpu,
        memoryWorkingSetBytes: memory,
      };
      const started = parseTime(summary.node.startTime);
      if (started !== undefined) sample.startTimeMs = started;
      if (old?.series) {
        old.series.push(sample);
        entry.series = old.series;
      } else {
        entry.series = new Series(sample);
      }
    }
    for (const p of summary.pods) {
      const { name, namespace, uid } = p.podRef;
      const key = uid || `${namespace}/${name}`;
      const before = old?.pods.get(key);
      const pod: PodEntry = { namespace, name, uid, containers: new Map(), incomplete: false };
      for (const c of p.containers) {
        const sample = containerSample(c, receivedAtMs);
        if (!sample) {
          pod.incomplete = true;
          continue;
        }
        const series = before?.containers.get(c.name);
        if (series) {
          series.push(sample);
          pod.containers.set(c.name, series);
        } else {
          pod.containers.set(c.name, new Series(sample));
        }
      }
      entry.pods.set(key, pod);
    }
    this.forget(nodeName);
    this.nodes.set(nodeName, entry);
    for (const pod of entry.pods.values()) this.podNodes.set(`${pod.namespace}/${pod.name}`, nodeName);
  }

  /** Drops everything a node reported (its kubelet could not be scraped, or the node is gone). */
  forget(nodeName: string): void {
    const entry = this.nodes.get(nodeName);
    if (!entry) return;
    this.nodes.delete(nodeName);
    for (const pod of entry.pods.values()) {
      const key = `${pod.namespace}/${pod.name}`;
      if (this.podNodes.get(key) === nodeName) this.podNodes.delete(key);
    }
  }

  /** How many node and pod series are held. */
  counts(): { nodes: number; pods: number } {
    let pods = 0;
    for (const n of this.nodes.values()) pods += n.pods.size;
    return { nodes: this.nodes.size, pods };
  }

  /** Nodes with anything recorded. */
  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  nodeUsage(name: string): Usage | undefined {
    return this.nodes.get(name)?.series?.usage();
  }

  /** The pod's usage, when every one of its containers has a rate. */
  podUsage(namespace: string, name: string): PodUsage | undefined {
    const nodeName = this.podNodes.get(`${namespace}/${name}`);
    if (nodeName === undefined) return undefined;
    const pod = [...(this.nodes.get(nodeName)?.pods.values() ?? [])].find((p) => p.namespace === namespace && p.name === name);
    if (!pod || pod.incomplete || pod.containers.size === 0) return undefined;
    const containers: ContainerUsage[] = [];
    let earliest: Usage | undefined;
    for (const [cname, series] of pod.containers) {
      const u = series.usage();
      if (!u) return undefined;
      containers.push({ name: cname, nanoCores: u.nanoCores, memoryBytes: u.memoryBytes });
      if (!earliest || u.timestampMs < earliest.timestampMs) earliest = u;
    }
    containers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { namespace, name, timestampMs: earliest!.timestampMs, windowMs: earliest!.windowMs, containers };
  }
}
