// metrics.k8s.io/v1beta1, the resource metrics API in Kubernetes' wire shape:
// NodeMetrics and PodMetrics (usage over a window ending at a timestamp),
// as the metrics server serves them and `top` and the autoscaler read them.
import { z } from 'zod';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** cpu and memory as quantity strings ("250m", "12345678n", "64Mi") */
export const ResourceUsage = z.record(z.string(), z.string());
export type ResourceUsage = z.infer<typeof ResourceUsage>;

const MetricsMeta = z.looseObject({
  name: z.string().default(''),
  namespace: z.string().optional(),
  creationTimestamp: z.string().nullish(),
  labels: z.record(z.string(), z.string()).optional(),
});

export const NodeMetrics = z.object({
  kind: z.string().optional(),
  apiVersion: z.string().optional(),
  metadata: MetricsMeta.prefault(() => ({})),
  timestamp: z.string().default(''),
  window: z.string().default(''),
  usage: ResourceUsage.default(() => ({})),
});
export type NodeMetrics = z.infer<typeof NodeMetrics>;

export const ContainerMetrics = z.object({
  name: z.string().default(''),
  usage: ResourceUsage.default(() => ({})),
});
export type ContainerMetrics = z.infer<typeof ContainerMetrics>;

export const PodMetrics = z.object({
  kind: z.string().optional(),
  apiVersion: z.string().optional(),
  metadata: MetricsMeta.prefault(() => ({})),
  timestamp: z.string().default(''),
  window: z.string().default(''),
  containers: z.array(ContainerMetrics).nullish().transform((v) => v ?? []),
});
export type PodMetrics = z.infer<typeof PodMetrics>;

const listOf = <T extends z.ZodType>(item: T) =>
  z.object({
    kind: z.string().optional(),
    apiVersion: z.string().optional(),
    metadata: z.looseObject({ resourceVersion: z.string().optional() }).prefault(() => ({})),
    items: z.array(item).nullish().transform((v) => v ?? []),
  });

export const NodeMetricsList = listOf(NodeMetrics);
export type NodeMetricsList = z.infer<typeof NodeMetricsList>;
export const PodMetricsList = listOf(PodMetrics);
export type PodMetricsList = z.infer<typeof PodMetricsList>;

/** The APIResourceList of metrics.k8s.io/v1beta1, as metrics-server serves it. */
export function metricsResourceList() {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: METRICS_API_VERSION,
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ],
  };
}

/** The APIGroup document of metrics.k8s.io. */
export function metricsGroup() {
  const gv = { groupVersion: METRICS_API_VERSION, version: METRICS_VERSION };
  return { kind: 'APIGroup', apiVersion: 'v1', name: METRICS_GROUP, versions: [gv], preferredVersion: gv };
}

/** Go's time.Duration.String() for a whole number of milliseconds: "15s", "14.998s", "1m0.5s", "500ms". */
export function formatWindow(ms: number): string {
  const total = Math.round(ms);
  if (total === 0) return '0s';
  if (Math.abs(total) < 1000) return `${total}ms`;
  const sign = total < 0 ? '-' : '';
  let rest = Math.abs(total);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const whole = Math.floor(rest / 1000);
  const frac = rest % 1000;
  const seconds = frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
  let out = sign;
  if (hours > 0) out += `${hours}h`;
  if (hours > 0 || minutes > 0) out += `${minutes}m`;
  return `${out}${seconds}s`;
}

/** Kubernetes' metav1.Time: RFC 3339 in whole seconds. */
export function rfc3339Seconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
