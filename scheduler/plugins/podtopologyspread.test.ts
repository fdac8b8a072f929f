import { describe, expect, it } from 'vitest';
import type { TopologySpreadConstraint } from '../../src/api/core/v1.js';
import { makeNode, makePod, testCluster } from '../testing/fixtures.js';

const zone = 'topology.kubernetes.io/zone';
const spread = (when: string, maxSkew = 1, key = zone): TopologySpreadConstraint[] => [
  { maxSkew, topologyKey: key, whenUnsatisfiable: when, labelSelector: { matchLabels: { app: 'web' } } },
];
const nodes = [makeNode('a1', { labels: { [zone]: 'a' } }), makeNode('b1', { labels: { [zone]: 'b' } }), makeNode('nozone')];

describe('PodTopologySpread', () => {
  it('with DoNotSchedule, keeps a domain from getting more than maxSkew ahead', () => {
    const c = testCluster(nodes, [makePod('w1', { nodeName: 'a1', labels: { app: 'web' } })]);
    const r = c.schedule(makePod('w2', { labels: { app: 'web' }, spread: spread('DoNotSchedule') }));
    expect(r.kind === 'scheduled' && r.nodeName).toBe('b1');
    const ignoring = spread('DoNotSchedule').map((c) => ({ ...c, nodeAffinityPolicy: 'Ignore' }));
    const only = c.schedule(makePod('w3', { labels: { app: 'web' }, spread: ignoring, nodeSelector: { [zone]: 'a' } }));
    expect(only.kind).toBe('unschedulable');
    if (only.kind === 'unschedulable') expect(only.statuses.get('a1')?.reasons).toEqual(["node(s) didn't match pod topology spread constraints"]);
  });

  it('counts only the domains of nodes the pod may go to (nodeAffinityPolicy Honor)', () => {
    const c = testCluster(nodes, [makePod('w1', { nodeName: 'a1', labels: { app: 'web' } })]);
    const r = c.schedule(makePod('w2', { labels: { app: 'web' }, spread: spread('DoNotSchedule'), nodeSelector: { [zone]: 'a' } }));
    expect(r.kind === 'scheduled' && r.nodeName).toBe('a1');
  });

  it('rejects nodes without the topology label', () => {
    const c = testCluster(nodes);
    const r = c.schedule(makePod('w', { labels: { app: 'web' }, spread: spread('DoNotSchedule'), nodeSelector: { 'kubernetes.io/hostname': 'nozone' } }));
    expect(r.kind).toBe('unschedulable');
    if (r.kind === 'unschedulable') expect(r.statuses.get('nozone')?.reasons).toEqual(["node(s) didn't match pod topology spread constraints (missing required label)"]);
  });

  it('allows more skew when maxSkew says so', () => {
    const c = testCluster(nodes, [makePod('w1', { nodeName: 'a1', labels: { app: 'web' } })]);
    const r = c.schedule(makePod('w2', { labels: { app: 'web' }, spread: spread('DoNotSchedule', 2), nodeSelector: { [zone]: 'a' } }));
    expect(r.kind === 'scheduled' && r.nodeName).toBe('a1');
  });

  it('with ScheduleAnyway, prefers the emptier domain but never refuses', () => {
    const c = testCluster(nodes.slice(0, 2), [
      makePod('w1', { nodeName: 'a1', labels: { app: 'web' } }),
      makePod('w2', { nodeName: 'a1', labels: { app: 'web' } }),
    ]);
    const r = c.schedule(makePod('w3', { labels: { app: 'web' }, spread: spread('ScheduleAnyway') }));
    expect(r.kind === 'scheduled' && r.nodeName).toBe('b1');
    const forced = c.schedule(makePod('w4', { labels: { app: 'web' }, spread: spread('ScheduleAnyway'), nodeSelector: { [zone]: 'a' } }));
    expect(forced.kind === 'scheduled' && forced.nodeName).toBe('a1');
  });
});
