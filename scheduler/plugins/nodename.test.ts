import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework.js';
import { PodInfo } from '../nodeinfo.js';
import { makeNode, makePod, nodeInfo } from '../testing/fixtures.js';
import { NodeName } from './nodename.js';

describe('NodeName', () => {
  it('fits a pod naming a node only on that node', () => {
    const pl = new NodeName();
    const pod = new PodInfo(makePod('p', { nodeName: 'n1' }));
    expect(pl.filter(new CycleState(), pod, nodeInfo(makeNode('n1'))).isSuccess()).toBe(true);
    const s = pl.filter(new CycleState(), pod, nodeInfo(makeNode('n2')));
    expect(s.reasons).toEqual(["node(s) didn't match the requested node name"]);
    expect(pl.filter(new CycleState(), new PodInfo(makePod('q')), nodeInfo(makeNode('n2'))).isSuccess()).toBe(true);
  });
});
