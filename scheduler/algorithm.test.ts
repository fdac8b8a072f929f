import { describe, expect, it } from 'vitest';
import { numFeasibleNodesToFind } from './algorithm.js';
import { fitErrorMessage } from './fiterror.js';
import { makeNode, makePod, testCluster } from './testing/fixtures.js';

describe('numFeasibleNodesToFind', () => {
  it('looks at every node below 100 nodes', () => {
    expect(numFeasibleNodesToFind(0, 50)).toBe(50);
    expect(numFeasibleNodesToFind(10, 99)).toBe(99);
  });

  it('adapts the share to the cluster size (50% - nodes/125, at least 5%), never below 100 nodes', () => {
    expect(numFeasibleNodesToFind(0, 500)).toBe(230); // 46%
    expect(numFeasibleNodesToFind(0, 5000)).toBe(500); // 10%
    expect(numFeasibleNodesToFind(0, 10_000)).toBe(500); // 5%
    expect(numFeasibleNodesToFind(0, 150)).toBe(100);
    expect(numFeasibleNodesToFind(20, 1000)).toBe(200);
  });
});

describe('scheduling one pod', () => {
  it('stops after enough feasible nodes and starts the next pod where it stopped', () => {
    const nodes = Array.from({ length: 300 }, (_, i) => makeNode(`n${String(i).padStart(3, '0')}`));
    const c = testCluster(nodes);
    const r1 = c.schedule(makePod('a'), 50);
    expect(r1.kind === 'scheduled' && [r1.evaluatedNodes, r1.feasibleNodes]).toEqual([150, 150]);
    expect(c.algorithm.nextStartNodeIndex).toBe(150);
    c.schedule(makePod('b'), 50);
    expect(c.algorithm.nextStartNodeIndex).toBe(0);
  });

  it('tries the nominated node first and alone', () => {
    const c = testCluster([makeNode('n1'), makeNode('n2'), makeNode('n3')]);
    const r = c.schedule(makePod('p', { nominatedNodeName: 'n2' }));
    expect(r.kind === 'scheduled' && [r.nodeName, r.evaluatedNodes]).toEqual(['n2', 1]);
  });

  it('prefers the emptier node under the default profile', () => {
    const c = testCluster([makeNode('busy'), makeNode('idle')], [makePod('x', { nodeName: 'busy', cpu: '3', memory: '6Gi' })]);
    const r = c.schedule(makePod('p', { cpu: '500m', memory: '1Gi' }));
    expect(r.kind === 'scheduled' && r.nodeName).toBe('idle');
  });

  it('packs nodes under MostAllocated', () => {
    const c = testCluster([makeNode('busy'), makeNode('idle')], [makePod('x', { nodeName: 'busy', cpu: '2', memory: '4Gi' })], {
      profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }], plugins: { score: { disabled: [{ name: 'NodeResourcesBalancedAllocation' }] } } }],
    });
    const r = c.schedule(makePod('p', { cpu: '500m', memory: '1Gi' }));
    expect(r.kind === 'scheduled' && r.nodeName).toBe('busy');
  });

  it('reports no nodes at all as such', () => {
    const r = testCluster([]).schedule(makePod('p'));
    expect(r.kind === 'unschedulable' && r.message).toBe('no nodes available to schedule pods');
  });
});

describe('fitErrorMessage', () => {
  it('counts each reason over the nodes and sorts them as Kubernetes does', () => {
    const c = testCluster([
      makeNode('t', { taints: [{ key: 'machine-check-exception', value: 'memory', effect: 'NoSchedule' }] }),
      makeNode('s1', { cpu: '1' }),
      makeNode('s2', { cpu: '1', unschedulable: true }),
      makeNode('s3', { cpu: '1' }),
    ]);
    const r = c.schedule(makePod('p', { cpu: '2' }));
    if (r.kind !== 'unschedulable') throw new Error('expected no fit');
    expect(fitErrorMessage({ numAllNodes: r.numAllNodes, statuses: r.statuses })).toBe(
      '0/4 nodes are available: 1 node(s) had untolerated taint {machine-check-exception: memory}, 1 node(s) were unschedulable, 2 Insufficient cpu.',
    );
    expect([...r.unschedulablePlugins].sort()).toEqual(['NodeResourcesFit', 'NodeUnschedulable', 'TaintToleration']);
  });
});
