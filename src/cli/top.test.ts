import { describe, expect, it } from 'vitest';
import type { NodeMetrics, PodMetrics } from '../metrics/api.js';
import { formatNodeMetrics, formatPodMetrics, percentCell, usageCell } from './top.js';

const nodeMetrics = (name: string, cpu: string, memory: string): NodeMetrics => ({
  metadata: { name },
  timestamp: '2024-05-01T12:00:00Z',
  window: '15s',
  usage: { cpu, memory },
});

const podMetrics = (namespace: string, name: string, containers: Record<string, [string, string]>): PodMetrics => ({
  metadata: { name, namespace },
  timestamp: '2024-05-01T12:00:00Z',
  window: '15s',
  containers: Object.entries(containers).map(([c, [cpu, memory]]) => ({ name: c, usage: { cpu, memory } })),
});

describe('top cells', () => {
  it('prints CPU in millicores rounded up and memory in whole MiB', () => {
    expect(usageCell('cpu', '123456789n')).toBe('124m');
    expect(usageCell('cpu', '2')).toBe('2000m');
    expect(usageCell('memory', '52428800')).toBe('50Mi');
    expect(usageCell('memory', '1048575')).toBe('0Mi');
    expect(usageCell('memory', '3Gi')).toBe('3072Mi');
  });

  it('truncates percentages', () => {
    expect(percentCell('250m', '2')).toBe('12%');
    expect(percentCell('1999m', '2')).toBe('99%');
    expect(percentCell('3Gi', '2Gi')).toBe('150%');
  });
});

describe('top nodes', () => {
  it("is kubectl's table: every column padded, the last one too", () => {
    const out = formatNodeMetrics([nodeMetrics('n1', '250m', '512Mi')], new Map([['n1', { cpu: '2', memory: '4Gi' }]]));
    expect(out).toBe(
      'NAME   CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \n' + 'n1     250m         12%      512Mi           12%         \n',
    );
  });

  it('sorts by name, or by CPU or memory from the most', () => {
    const items = [nodeMetrics('b', '100m', '3Gi'), nodeMetrics('a', '900m', '1Gi'), nodeMetrics('c', '500m', '2Gi')];
    const names = (sortBy?: string) =>
      formatNodeMetrics(items, new Map(), { noHeaders: true, ...(sortBy ? { sortBy } : {}) })
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]);
    expect(names()).toEqual(['a', 'b', 'c']);
    expect(names('cpu')).toEqual(['a', 'c', 'b']);
    expect(names('memory')).toEqual(['b', 'c', 'a']);
  });

  it('lists known nodes without metrics last, in kubectl layout', () => {
    const out = formatNodeMetrics([nodeMetrics('n1', '1', '1Gi')], new Map([['n1', { cpu: '4', memory: '8Gi' }], ['n2', { cpu: '4', memory: '8Gi' }]]));
    const lines = out.split('\n');
    expect(lines[2]!.split(/\s+/).filter(Boolean)).toEqual(['n2', '<unknown>', '<unknown>', '<unknown>', '<unknown>']);
  });

  it('prints nothing without metrics', () => {
    expect(formatNodeMetrics([], new Map())).toBe('');
  });
});

describe('top pods', () => {
  const items = [
    podMetrics('default', 'web-2', { app: ['100m', '20Mi'] }),
    podMetrics('kube-system', 'dns', { dns: ['5m', '10Mi'] }),
    podMetrics('default', 'web-1', { app: ['200m', '30Mi'], log: ['50m', '5Mi'] }),
  ];

  it('sums containers per pod', () => {
    expect(formatPodMetrics(items.filter((p) => p.metadata.namespace === 'default'))).toBe(
      'NAME    CPU(cores)   MEMORY(bytes)   \n' + 'web-1   250m         35Mi            \n' + 'web-2   100m         20Mi            \n',
    );
  });

  it('adds NAMESPACE with all namespaces, ordered by namespace then name', () => {
    const rows = formatPodMetrics(items, { withNamespace: true })
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    expect(rows.map((r) => r.slice(0, 2))).toEqual([
      ['NAMESPACE', 'NAME'],
      ['default', 'web-1'],
      ['default', 'web-2'],
      ['kube-system', 'dns'],
    ]);
  });

  it('shows containers with POD and NAME columns, and sorts by usage from the most', () => {
    const rows = formatPodMetrics(items, { containers: true, sortBy: 'cpu' })
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    expect(rows).toEqual([
      ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
      ['web-1', 'app', '200m', '30Mi'],
      ['web-1', 'log', '50m', '5Mi'],
      ['web-2', 'app', '100m', '20Mi'],
      ['dns', 'dns', '5m', '10Mi'],
    ]);
  });

  it('adds a total with --sum', () => {
    const lines = formatPodMetrics(items, { sum: true }).trimEnd().split('\n');
    expect(lines.at(-2)!.trim()).toBe('________     ________');
    expect(lines.at(-1)!.trim().split(/\s+/)).toEqual(['355m', '65Mi']);
  });
});
