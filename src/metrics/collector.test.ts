import { describe, expect, it } from 'vitest';
import type { Node } from '../api/core/v1.js';
import { kubeletEndpoint, MetricsCollector, type SummaryScraper } from './collector.js';
import { MetricsStore } from './store.js';
import type { Summary } from './summary.js';

const node = (name: string, addresses: { type: string; address: string }[] = [{ type: 'InternalIP', address: '127.0.1.1' }], port?: number): Node =>
  ({
    metadata: { name },
    status: { addresses, ...(port ? { daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {}) },
  }) as Node;

describe('kubelet endpoint', () => {
  it("is the node's first address of the preferred types, on the port the node reports (10250 without)", () => {
    const n = node('n1', [
      { type: 'Hostname', address: 'n1' },
      { type: 'InternalIP', address: '10.0.0.5' },
    ], 10350);
    expect(kubeletEndpoint(n)).toEqual({ host: '10.0.0.5', port: 10350 });
    expect(kubeletEndpoint(n, ['Hostname'])).toEqual({ host: 'n1', port: 10350 });
    expect(kubeletEndpoint(node('n2'))).toEqual({ host: '127.0.1.1', port: 10250 });
    expect(() => kubeletEndpoint(node('n3', []))).toThrow('node n3 has no address');
  });
});

describe('collector', () => {
  it('scrapes every node each round, and a node whose kubelet fails drops out until it answers again', async () => {
    let now = Date.parse('2024-05-01T12:00:00Z');
    let cpu = 0;
    const failing = new Set<string>();
    const scraper: SummaryScraper = {
      async summary(n): Promise<Summary> {
        if (failing.has(n.metadata.name ?? '')) throw new Error('connection refused');
        return { node: { nodeName: n.metadata.name ?? '', cpu: { usageCoreNanoSeconds: cpu }, memory: { workingSetBytes: 100 } }, pods: [] };
      },
    };
    const store = new MetricsStore();
    const nodes = [node('a'), node('b')];
    const c = new MetricsCollector({ nodes: () => nodes, scraper, store, resolutionMs: 15_000, now: () => now });
    await c.collect();
    now += 15_000;
    cpu += 3e9;
    failing.add('b');
    const round = await c.collect();
    expect(round.scraped).toEqual(['a']);
    expect(round.failed.b).toBe('connection refused');
    expect(store.nodeUsage('a')?.nanoCores).toBe(200_000_000);
    expect(store.nodeUsage('b')).toBeUndefined();
    failing.clear();
    now += 15_000;
    await c.collect();
    expect(store.nodeUsage('b')).toBeUndefined();
    now += 15_000;
    cpu += 1.5e9;
    await c.collect();
    expect(store.nodeUsage('b')?.nanoCores).toBe(100_000_000);
    expect(c.completedRounds).toBe(4);
  });

  it('forgets nodes that are gone', async () => {
    const scraper: SummaryScraper = {
      summary: async (n) => ({ node: { nodeName: n.metadata.name ?? '', cpu: { usageCoreNanoSeconds: 1 }, memory: { workingSetBytes: 1 } }, pods: [] }),
    };
    const store = new MetricsStore();
    let nodes = [node('a'), node('b')];
    const c = new MetricsCollector({ nodes: () => nodes, scraper, store, resolutionMs: 1000 });
    await c.collect();
    nodes = [node('a')];
    await c.collect();
    expect(store.nodeNames()).toEqual(['a']);
  });
});
