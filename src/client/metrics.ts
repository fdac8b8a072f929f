// Reading the resource metrics API (metrics.k8s.io/v1beta1) through the
// apiserver, for `top` and the HorizontalPodAutoscaler: NodeMetrics and
// PodMetrics, listed with selectors or got by name, parsed at the boundary.
import { StatusError } from '../api/status.js';
import {
  METRICS_GROUP,
  METRICS_VERSION,
  NodeMetrics,
  NodeMetricsList,
  PodMetrics,
  PodMetricsList,
} from '../metrics/api.js';
import type { RestClient } from './rest.js';
import { formatSelector, type SelectorInput } from './paths.js';

export type { NodeMetrics, PodMetrics } from '../metrics/api.js';

const BASE = `/apis/${METRICS_GROUP}/${METRICS_VERSION}`;

export interface MetricsListOptions {
  labelSelector?: SelectorInput;
  fieldSelector?: SelectorInput;
  signal?: AbortSignal;
}

/**
 * client-go names the resource in errors that carry no Status of their own
 * (an aggregated server that is down answers 503 in plain text):
 * "the server is currently unable to handle the request (get nodes.metrics.k8s.io)".
 */
function naming(err: unknown, resource: string, name?: string): unknown {
  if (!(err instanceof StatusError)) return err;
  const synthesized = err.details?.causes?.some((c) => c.reason === 'UnexpectedServerResponse') ?? false;
  if (!synthesized) return err;
  const what = `get ${resource}.${METRICS_GROUP}${name ? ` ${name}` : ''}`;
  return new StatusError(err.code, err.reason, `${err.message} (${what})`, { ...err.details, group: METRICS_GROUP, kind: resource, ...(name ? { name } : {}) });
}

export class MetricsClient {
  constructor(private readonly client: RestClient) {}

  /** Whether the server lists metrics.k8s.io/v1beta1 among its API groups (kubectl's SupportedMetricsAPIVersionAvailable). */
  async available(signal?: AbortSignal): Promise<boolean> {
    const list = await this.client.request<{ groups?: { name?: string; versions?: { version?: string }[] }[] }>('GET', '/apis', {
      ...(signal ? { signal } : {}),
    });
    return (list?.groups ?? []).some((g) => g.name === METRICS_GROUP && (g.versions ?? []).some((v) => v.version === METRICS_VERSION));
  }

  async listNodeMetrics(opts: MetricsListOptions = {}): Promise<NodeMetrics[]> {
    const body = await this.get(`${BASE}/nodes`, opts, 'nodes');
    return NodeMetricsList.parse(body).items;
  }

  async getNodeMetrics(name: string, signal?: AbortSignal): Promise<NodeMetrics> {
    const body = await this.get(`${BASE}/nodes/${encodeURIComponent(name)}`, { ...(signal ? { signal } : {}) }, 'nodes', name);
    return NodeMetrics.parse(body);
  }

  /** PodMetrics of one namespace, or of all when namespace is undefined. */
  async listPodMetrics(namespace: string | undefined, opts: MetricsListOptions = {}): Promise<PodMetrics[]> {
    const path = namespace ? `${BASE}/namespaces/${encodeURIComponent(namespace)}/pods` : `${BASE}/pods`;
    const body = await this.get(path, opts, 'pods');
    return PodMetricsList.parse(body).items;
  }

  async getPodMetrics(namespace: string, name: string, signal?: AbortSignal): Promise<PodMetrics> {
    const path = `${BASE}/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
    const body = await this.get(path, { ...(signal ? { signal } : {}) }, 'pods', name);
    return PodMetrics.parse(body);
  }

  private async get(path: string, opts: MetricsListOptions, resource: string, name?: string): Promise<unknown> {
    const query = { labelSelector: formatSelector(opts.labelSelector), fieldSelector: formatSelector(opts.fieldSelector) };
    try {
      return await this.client.request<unknown>('GET', path, { query, ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (err) {
      throw naming(err, resource, name);
    }
  }
}
