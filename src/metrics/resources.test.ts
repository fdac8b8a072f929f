import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../api/core/v1.js';
import { StatusError } from '../api/status.js';
import { MetricsResources, usageQuantities } from './resources.js';
import { MetricsStore } from './store.js';
import type { Summary } from './summary.js';

const T0 = Date.parse('2024-05-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function summary(t: number, scale: number): Summary {
  const c = (name: string, cores: number) => ({
    name,
    cpu: { time: iso(t), usageCoreNanoSeconds: cores * scale },
    memory: { time: iso(t), workingSetBytes: 50 * 1024 * 1024 },
  });
  return {
    node: { nodeName: 'n1', cpu: { time: iso(t), usageCoreNanoSeconds: 2e9 * scale }, memory: { time: iso(t), workingSetBytes: 2 * 1024 ** 3 } },
    pods: [
      { podRef: { name: 'web-1', namespace: 'default', uid: 'u1' }, containers: [c('app', 0.25e9)] },
      { podRef: { name: 'db-1', namespace: 'data', uid: 'u2' }, containers: [c('db', 0.5e9)] },
    ],
  };
}

function fixture() {
  const store = new MetricsStore();
  store.record('n1', summary(T0, 0), T0);
  store.record('n1', summary(T0 + 15_000, 15), T0 + 15_000);
  const nodes = [{ metadata: { name: 'n1', labels: { zone: 'a' } } }, { metadata: { name: 'n2' } }] as unknown as Node[];
  const pods = [
    { metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } } },
    { metadata: { name: 'db-1', namespace: 'data', labels: { app: 'db' } } },
  ] as unknown as Pod[];
  return new MetricsResources({
    nodes: () => nodes,
    node: (n) => nodes.find((x) => x.metadata.name === n),
    pods: (ns) => pods.filter((p) => ns === undefined || p.metadata.namespace === ns),
    pod: (ns, n) => pods.find((p) => p.metadata.namespace === ns && p.metadata.name === n),
    store,
    now: () => T0 + 20_000,
  });
}

describe('metrics resources', () => {
  it('writes usage as metrics-server does: nanocores and binary bytes', () => {
    expect(usageQuantities(250_000_000, 52_428_800)).toEqual({ cpu: '250m', memory: '50Mi' });
    expect(usageQuantities(123_456_789, 1000)).toEqual({ cpu: '123456789n', memory: '1k' });
  });

  it('serves NodeMetrics with the node labels, timestamp and window; nodes without usage are left out', () => {
    const list = fixture().listNodes();
    expect(list).toMatchObject({ kind: 'NodeMetricsList', apiVersion: 'metrics.k8s.io/v1beta1' });
    expect(list.items).toEqual([
      {
        kind: 'NodeMetrics',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: { name: 'n1', creationTimestamp: '2024-05-01T12:00:20Z', labels: { zone: 'a' } },
        timestamp: '2024-05-01T12:00:15Z',
        window: '15s',
        usage: { cpu: '2', memory: '2Gi' },
      },
    ]);
    expect(fixture().listNodes({ labelSelector: 'zone=b' }).items).toEqual([]);
  });

  it('answers NotFound by name without usage, as metrics-server words it', () => {
    const r = fixture();
    expect(() => r.getNode('n2')).toThrow(StatusError);
    expect(() => r.getNode('n2')).toThrow('nodemetrics.metrics.k8s.io "n2" not found');
    expect(() => r.getPod('default', 'nope')).toThrow('podmetrics.metrics.k8s.io "nope" not found');
  });

  it('lists PodMetrics of a namespace or all, by label and field selectors', () => {
    const r = fixture();
    expect(r.listPods('default').items.map((p) => p.metadata.name)).toEqual(['web-1']);
    expect(r.listPods(undefined).items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['data/db-1', 'default/web-1']);
    expect(r.listPods(undefined, { labelSelector: 'app=db' }).items.map((p) => p.metadata.name)).toEqual(['db-1']);
    expect(r.listPods(undefined, { fieldSelector: 'metadata.namespace=default' }).items.map((p) => p.metadata.name)).toEqual(['web-1']);
    expect(r.getPod('default', 'web-1').containers).toEqual([{ name: 'app', usage: { cpu: '250m', memory: '50Mi' } }]);
    expect(() => r.listPods(undefined, { fieldSelector: 'spec.nodeName=n1' })).toThrow('field label not supported: spec.nodeName');
    expect(() => r.listPods(undefined, { labelSelector: 'a in (' })).toThrow(StatusError);
  });
});
