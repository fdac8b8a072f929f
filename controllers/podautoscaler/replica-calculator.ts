// Kubernetes' replica calculator (pkg/controller/podautoscaler/replica_calculator.go)
// for resource metrics: desired = ceil(usageRatio × pods counted), no change
// while the ratio is within the tolerance. Pods are sorted first: deleted and
// failed pods are ignored; pending pods, and for CPU pods not yet ready (or
// whose sample predates their readiness), are unready; pods without a sample
// are missing. Missing pods count as using 100% of their request (the
// target, for average values) when scaling down and nothing when scaling up;
// unready pods count as using nothing, and only when scaling up. If those
// assumptions would flip the direction, or leave the ratio within the
// tolerance, the replica count stays as it is.
import type { Pod } from '../../src/api/core/v1.js';
import { Quantity } from '../../src/machinery/quantity.js';

/** One pod's usage: milli-units (millicores, or thousandths of a byte), and the sample's time and window. */
export interface PodMetric {
  value: number;
  timestampMs: number;
  windowMs: number;
}

/** By pod name. */
export type PodMetricsInfo = Map<string, PodMetric>;

export interface Tolerances {
  scaleDown: number;
  scaleUp: number;
}

/** --horizontal-pod-autoscaler-tolerance: 0.1 both ways. */
export const DEFAULT_TOLERANCE = 0.1;

export const isWithinTolerance = (t: Tolerances, ratio: number): boolean => 1 - t.scaleDown <= ratio && ratio <= 1 + t.scaleUp;

export interface CalculatorOptions {
  tolerances: Tolerances;
  /** --horizontal-pod-autoscaler-cpu-initialization-period: 5 minutes */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay: 30 seconds */
  delayOfInitialReadinessStatusMs: number;
  now: () => number;
}

export const DEFAULT_CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
export const DEFAULT_INITIAL_READINESS_DELAY_MS = 30_000;

/** A failure to compute a replica count; its message is what Kubernetes says. */
export class ReplicaCalculationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicaCalculationError';
  }
}

const time = (s: string | null | undefined): number | undefined => {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
};

export interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** groupPods: which pods count, which are unready, which lack a sample, which are ignored. */
export function groupPods(pods: Pod[], metrics: PodMetricsInfo, resource: string, opts: CalculatorOptions): PodGroups {
  const groups: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  const now = opts.now();
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      groups.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      groups.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      groups.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const condition = pod.status?.conditions?.find((c) => c.type === 'Ready');
      const started = time(pod.status?.startTime);
      let unready: boolean;
      if (!condition || started === undefined) {
        unready = true;
      } else {
        const transition = time(condition.lastTransitionTime) ?? 0;
        if (started + opts.cpuInitializationPeriodMs > now) {
          // Still starting: a sample taken before a full window of readiness may include the start-up burst.
          unready = condition.status === 'False' || metric.timestampMs < transition + metric.windowMs;
        } else {
          // Unready and never ready since the start (within the readiness delay): ignore it.
          unready = condition.status === 'False' && started + opts.delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (unready) {
        groups.unready.add(name);
        continue;
      }
    }
    groups.readyPodCount++;
  }
  return groups;
}

/** calculatePodRequests: each pod's request for the resource in milli-units, over its (or one) container. */
export function podRequests(pods: Pod[], container: string, resource: string): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    const containers = [
      ...(pod.spec?.containers ?? []),
      ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'),
    ];
    let sum = 0;
    for (const c of containers) {
      if (container !== '' && container !== c.name) continue;
      const request = c.resources?.requests?.[resource];
      if (request === undefined) throw new ReplicaCalculationError(`missing request for ${resource} in container ${c.name} of Pod ${name}`);
      sum += Quantity.parse(String(request)).milliValue();
    }
    requests.set(name, sum);
  }
  return requests;
}

/** GetResourceUtilizationRatio: usage as a whole percentage of requests, and that over the target. */
export function utilizationRatio(
  metrics: PodMetricsInfo,
  requests: Map<string, number>,
  targetUtilization: number,
): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [name, metric] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue;
    metricsTotal += metric.value;
    requestsTotal += request;
    entries++;
  }
  if (requestsTotal === 0) throw new ReplicaCalculationError('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / entries) };
}

/** GetMetricUsageRatio: the average usage over the target average. */
export function usageRatio(metrics: PodMetricsInfo, targetUsage: number): { ratio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}

interface Prepared {
  metrics: PodMetricsInfo;
  groups: PodGroups;
}

function prepare(pods: Pod[], sampled: PodMetricsInfo, resource: string, opts: CalculatorOptions): Prepared {
  if (pods.length === 0) throw new ReplicaCalculationError('no pods returned by selector while calculating replica count');
  const metrics = new Map(sampled);
  const groups = groupPods(pods, metrics, resource, opts);
  for (const name of groups.ignored) metrics.delete(name);
  for (const name of groups.unready) metrics.delete(name);
  return { metrics, groups };
}

/**
 * The common tail of both calculations: with nothing missing or unready the
 * plain ratio decides; otherwise the missing and unready pods are filled in
 * and the ratio recomputed, and a fill-in that flips the direction or lands
 * within the tolerance changes nothing.
 */
function decide(
  current: number,
  ratio: number,
  p: Prepared,
  opts: CalculatorOptions,
  /** what a missing pod is taken to use on a scale-down */
  fillMissing: (pod: string) => number,
  recompute: (metrics: PodMetricsInfo) => number,
): number {
  const scaleUpWithUnready = p.groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && p.groups.missing.size === 0) {
    if (isWithinTolerance(opts.tolerances, ratio)) return current;
    return Math.ceil(ratio * p.groups.readyPodCount);
  }
  if (p.groups.missing.size > 0) {
    if (ratio < 1) for (const name of p.groups.missing) p.metrics.set(name, { value: fillMissing(name), timestampMs: 0, windowMs: 0 });
    else if (ratio > 1) for (const name of p.groups.missing) p.metrics.set(name, { value: 0, timestampMs: 0, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const name of p.groups.unready) p.metrics.set(name, { value: 0, timestampMs: 0, windowMs: 0 });
  const newRatio = recompute(p.metrics);
  if (isWithinTolerance(opts.tolerances, newRatio) || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return current;
  const replicas = Math.ceil(newRatio * p.metrics.size);
  if ((newRatio < 1 && replicas > current) || (newRatio > 1 && replicas < current)) return current;
  return replicas;
}

export interface UtilizationResult {
  replicas: number;
  /** percent of requests */
  utilization: number;
  /** average usage per pod, milli-units */
  rawAverage: number;
}

/** GetResourceReplicas: a target utilization (percent of requests) of a resource. */
export function resourceReplicas(
  current: number,
  targetUtilization: number,
  resource: string,
  container: string,
  pods: Pod[],
  sampled: PodMetricsInfo,
  opts: CalculatorOptions,
): UtilizationResult {
  const p = prepare(pods, sampled, resource, opts);
  const requests = podRequests(pods, container, resource);
  if (p.metrics.size === 0) throw new ReplicaCalculationError('did not receive metrics for targeted pods (pods might be unready)');
  const { ratio, utilization, rawAverage } = utilizationRatio(p.metrics, requests, targetUtilization);
  // On a scale-down a missing pod uses its whole request, or the target when that is above 100%.
  const fallback = Math.max(100, targetUtilization);
  const replicas = decide(
    current,
    ratio,
    p,
    opts,
    (name) => Math.trunc(((requests.get(name) ?? 0) * fallback) / 100),
    (metrics) => utilizationRatio(metrics, requests, targetUtilization).ratio,
  );
  return { replicas, utilization, rawAverage };
}

export interface AverageValueResult {
  replicas: number;
  /** average usage per pod, milli-units */
  usage: number;
}

/** GetRawResourceReplicas: a target average value per pod (milli-units). */
export function rawResourceReplicas(
  current: number,
  targetUsage: number,
  resource: string,
  pods: Pod[],
  sampled: PodMetricsInfo,
  opts: CalculatorOptions,
): AverageValueResult {
  const p = prepare(pods, sampled, resource, opts);
  if (p.metrics.size === 0) throw new ReplicaCalculationError('did not receive metrics for targeted pods (pods might be unready)');
  const { ratio, usage } = usageRatio(p.metrics, targetUsage);
  const replicas = decide(
    current,
    ratio,
    p,
    opts,
    () => targetUsage,
    (metrics) => usageRatio(metrics, targetUsage).ratio,
  );
  return { replicas, usage };
}
