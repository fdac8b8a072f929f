// NodeMetrics and PodMetrics as the metrics server serves them: the objects
// come from the informer caches (names, namespaces and labels, so label and
// field selectors work as on the real objects), the usage from the store.
// An object without usage yet is left out of lists and is NotFound by name,
// as in metrics-server.
import type { Node, Pod } from '../api/core/v1.js';
import { errors } from '../api/status.js';
import { Quantity } from '../machinery/quantity.js';
import { parseSelector, type Selector } from '../machinery/labels.js';
import { parseFieldSelector, type FieldSelector } from '../machinery/fields.js';
import {
  formatWindow,
  METRICS_API_VERSION,
  METRICS_GROUP,
  rfc3339Seconds,
  type NodeMetrics,
  type NodeMetricsList,
  type PodMetrics,
  type PodMetricsList,
  type ResourceUsage,
} from './api.js';
import type { MetricsStore } from './store.js';

export interface MetricsSources {
  nodes(): Node[];
  node(name: string): Node | undefined;
  /** every pod, or the pods of one namespace */
  pods(namespace?: string): Pod[];
  pod(namespace: string, name: string): Pod | undefined;
  store: MetricsStore;
  now?: () => number;
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
}

/** CPU in nanocores and memory in bytes, as metrics-server writes them ("123456789n", "52428800" -> "50Mi"). */
export function usageQuantities(nanoCores: number, memoryBytes: number): ResourceUsage {
  return {
    cpu: Quantity.of(BigInt(Math.max(0, Math.round(nanoCores))), -9, 'DecimalSI').toString(),
    memory: Quantity.fromInt(Math.max(0, Math.round(memoryBytes)), 'BinarySI').toString(),
  };
}

function labelSelector(q: ListQuery): Selector {
  try {
    return parseSelector(q.labelSelector ?? '');
  } catch (err) {
    throw errors.badRequest(`unable to parse requirement: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function fieldSelector(q: ListQuery, supported: string[]): FieldSelector {
  let sel: FieldSelector;
  try {
    sel = parseFieldSelector(q.fieldSelector ?? '');
  } catch (err) {
    throw errors.badRequest(err instanceof Error ? err.message : String(err));
  }
  for (const r of sel.requirements) {
    if (!supported.includes(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
  }
  return sel;
}

const byName = <T extends { metadata: { namespace?: string; name?: string } }>(a: T, b: T): number => {
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

export class MetricsResources {
  private readonly now: () => number;

  constructor(private readonly src: MetricsSources) {
    this.now = src.now ?? Date.now;
  }

  private nodeMetrics(node: Node): NodeMetrics | undefined {
    const name = node.metadata.name ?? '';
    const usage = this.src.store.nodeUsage(name);
    if (!usage) return undefined;
    return {
      kind: 'NodeMetrics',
      apiVersion: METRICS_API_VERSION,
      metadata: {
        name,
        creationTimestamp: rfc3339Seconds(this.now()),
        ...(node.metadata.labels ? { labels: node.metadata.labels } : {}),
      },
      timestamp: rfc3339Seconds(usage.timestampMs),
      window: formatWindow(usage.windowMs),
      usage: usageQuantities(usage.nanoCores, usage.memoryBytes),
    };
  }

  private podMetrics(pod: Pod): PodMetrics | undefined {
    const namespace = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    const usage = this.src.store.podUsage(namespace, name);
    if (!usage) return undefined;
    return {
      kind: 'PodMetrics',
      apiVersion: METRICS_API_VERSION,
      metadata: {
        name,
        namespace,
        creationTimestamp: rfc3339Seconds(this.now()),
        ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
      },
      timestamp: rfc3339Seconds(usage.timestampMs),
      window: formatWindow(usage.windowMs),
      containers: usage.containers.map((c) => ({ name: c.name, usage: usageQuantities(c.nanoCores, c.memoryBytes) })),
    };
  }

  listNodes(q: ListQuery = {}): NodeMetricsList {
    const labels = labelSelector(q);
    const fields = fieldSelector(q, ['metadata.name']);
    const items = this.src
      .nodes()
      .filter((n) => labels.matches(n.metadata.labels ?? {}) && fields.matches({ 'metadata.name': n.metadata.name ?? '' }))
      .sort(byName)
      .map((n) => this.nodeMetrics(n))
      .filter((m): m is NodeMetrics => m !== undefined);
    return { kind: 'NodeMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items };
  }

  getNode(name: string): NodeMetrics {
    const node = this.src.node(name);
    const metrics = node && this.nodeMetrics(node);
    if (!metrics) throw errors.notFound('nodemetrics', METRICS_GROUP, name);
    return metrics;
  }

  listPods(namespace: string | undefined, q: ListQuery = {}): PodMetricsList {
    const labels = labelSelector(q);
    const fields = fieldSelector(q, ['metadata.name', 'metadata.namespace']);
    const items = this.src
      .pods(namespace)
      .filter(
        (p) =>
          labels.matches(p.metadata.labels ?? {}) &&
          fields.matches({ 'metadata.name': p.metadata.name ?? '', 'metadata.namespace': p.metadata.namespace ?? '' }),
      )
      .sort(byName)
      .map((p) => this.podMetrics(p))
      .filter((m): m is PodMetrics => m !== undefined);
    return { kind: 'PodMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items };
  }

  getPod(namespace: string, name: string): PodMetrics {
    const pod = this.src.pod(namespace, name);
    const metrics = pod && this.podMetrics(pod);
    if (!metrics) throw errors.notFound('podmetrics', METRICS_GROUP, name);
    return metrics;
  }
}
