import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework.js';
import { PodInfo } from '../nodeinfo.js';
import { makeNode, makePod, nodeInfo } from '../testing/fixtures.js';
import { NodeUnschedulable } from './nodeunschedulable.js';

describe('NodeUnschedulable', () => {
  const pl = new NodeUnschedulable();
  const cordoned = nodeInfo(makeNode('n', { unschedulable: true }));

  it('keeps pods off a cordoned node', () => {
    const s = pl.filter(new CycleState(), new PodInfo(makePod('p')), cordoned);
    expect(s.code).toBe('UnschedulableAndUnresolvable');
    expect(s.reasons).toEqual(['node(s) were unschedulable']);
  });

  it('lets in pods tolerating node.kubernetes.io/unschedulable', () => {
    const pod = makePod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
    expect(pl.filter(new CycleState(), new PodInfo(pod), cordoned).isSuccess()).toBe(true);
    expect(pl.filter(new CycleState(), new PodInfo(makePod('q')), nodeInfo(makeNode('m'))).isSuccess()).toBe(true);
  });

  it('asks for a retry only when a node is uncordoned', () => {
    const hint = pl.events().find((e) => e.event === 'NodeSpecUnschedulable')!.hint!;
    expect(hint(makePod('p'), makeNode('n', { unschedulable: true }), makeNode('n'))).toBe(true);
    expect(hint(makePod('p'), makeNode('n'), makeNode('n', { unschedulable: true }))).toBe(false);
  });
});
