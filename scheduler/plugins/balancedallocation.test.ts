import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework.js';
import { PodInfo } from '../nodeinfo.js';
import { makeNode, makePod, nodeInfo } from '../testing/fixtures.js';
import { NodeResourcesBalancedAllocation } from './balancedallocation.js';

describe('NodeResourcesBalancedAllocation', () => {
  it('prefers the node where cpu and memory end up equally used', () => {
    const pl = new NodeResourcesBalancedAllocation();
    const pod = new PodInfo(makePod('p', { cpu: '1', memory: '1Gi' }));
    const even = nodeInfo(makeNode('even', { cpu: '4', memory: '4Gi' }));
    const skewed = nodeInfo(makeNode('skewed', { cpu: '4', memory: '4Gi' }), [makePod('x', { nodeName: 'skewed', cpu: '2', memory: '100Mi' })]);
    expect(pl.score(new CycleState(), pod, even)).toBe(100);
    // cpu 3/4, memory ~1.1/4: std = |0.75 - 0.274| / 2 = 0.238
    expect(pl.score(new CycleState(), pod, skewed)).toBe(76);
  });
});
