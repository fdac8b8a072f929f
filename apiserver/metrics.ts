// The apiserver's Prometheus metrics (prom-client), named as Kubernetes'
// apiserver names them so existing dashboards and queries carry over.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ResourceInfo } from '../src/api/resource.js';
import type { Storage } from './storage/interface.js';

export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, group, resource and HTTP response code.',
    labelNames: ['verb', 'group', 'resource', 'subresource', 'code'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb, group and resource.',
    labelNames: ['verb', 'group', 'resource', 'subresource'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.5, 2, 4, 8, 15, 30, 60],
    registers: [this.registry],
  });
  readonly watchers = new Gauge({
    name: 'apiserver_registered_watchers',
    help: 'Number of currently registered watchers for a given resource.',
    labelNames: ['group', 'kind'] as const,
    registers: [this.registry],
  });
  readonly inflight = new Gauge({
    name: 'apiserver_current_inflight_requests',
    help: 'Maximal number of currently used inflight request limit of this apiserver per request kind.',
    labelNames: ['request_kind'] as const,
    registers: [this.registry],
  });
  readonly etcdLatency = new Histogram({
    name: 'etcd_request_duration_seconds',
    help: 'Etcd request latency in seconds for each operation and object type.',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  watchOpened(info: ResourceInfo): void {
    this.watchers.inc({ group: info.group, kind: info.kind });
  }

  watchClosed(info: ResourceInfo): void {
    this.watchers.dec({ group: info.group, kind: info.kind });
  }
}

/** Wraps a Storage so every call is timed into etcd_request_duration_seconds. */
export function instrumentStorage(storage: Storage, metrics: ApiMetrics): Storage {
  const typeOf = (key: string) => key.split('/')[2] ?? '';
  const timed = async <T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> => {
    const end = metrics.etcdLatency.startTimer({ operation, type: typeOf(key) });
    try {
      return await fn();
    } finally {
      end();
    }
  };
  return {
    currentRevision: () => timed('currentRevision', '', () => storage.currentRevision()),
    get: (key) => timed('get', key, () => storage.get(key)),
    list: (prefix, opts) => timed('list', prefix, () => storage.list(prefix, opts)),
    create: (key, value, opts) => timed('create', key, () => storage.create(key, value, opts)),
    update: (key, value, rev, opts) => timed('update', key, () => storage.update(key, value, rev, opts)),
    delete: (key, rev) => timed('delete', key, () => storage.delete(key, rev)),
    watch: (prefix, from, handlers) => storage.watch(prefix, from, handlers),
    compact: (rev) => timed('compact', '', () => storage.compact(rev)),
    close: () => storage.close(),
  };
}
