import { describe, expect, it } from 'vitest';
import { PodInfo } from '../nodeinfo.js';
import { makeNode, makePod, testCluster } from '../testing/fixtures.js';
import { fitErrorMessage } from '../fiterror.js';
import { DefaultPreemption, pickCandidate } from './defaultpreemption.js';

const onNode = (node: string, prio: number, name: string, cpu = '1', startTime?: string) =>
  makePod(name, { nodeName: node, priority: prio, cpu, ...(startTime ? { startTime } : {}) });

function preempt(c: ReturnType<typeof testCluster>, pod: ReturnType<typeof makePod>) {
  const r = c.schedule(pod);
  if (r.kind !== 'unschedulable') throw new Error(`expected no fit, got ${r.kind}`);
  const pl = c.fwk.postFilter[0] as DefaultPreemption;
  return { result: pl.postFilter(r.state, new PodInfo(pod), r.statuses), fit: r, pl };
}

describe('DefaultPreemption', () => {
  it('evicts only as many lower-priority pods as needed, the least important first', () => {
    const c = testCluster(
      [makeNode('n1', { cpu: '4' })],
      [onNode('n1', 1, 'low1'), onNode('n1', 2, 'low2'), onNode('n1', 3, 'low3'), onNode('n1', 50, 'keep')],
    );
    const pod = makePod('vip', { priority: 100, cpu: '2' });
    const { result, fit, pl } = preempt(c, pod);
    expect(result.status.isSuccess()).toBe(true);
    expect(result.nominatedNodeName).toBe('n1');
    const sel = pl.selectVictimsOnNode(fit.state, new PodInfo(pod), c.cache.getNode('n1')!);
    expect('victims' in sel && sel.victims.map((v) => v.pod.metadata.name).sort()).toEqual(['low1', 'low2']);
    // the what-if left the cache alone
    expect(c.cache.getNode('n1')!.pods.size).toBe(4);
  });

  it('picks the node whose most important victim matters least, then fewer victims', () => {
    const c = testCluster(
      [makeNode('n1', { cpu: '2' }), makeNode('n2', { cpu: '2' }), makeNode('n3', { cpu: '2' })],
      [onNode('n1', 5, 'a', '2'), onNode('n2', 3, 'b1'), onNode('n2', 3, 'b2'), onNode('n3', 3, 'c', '2')],
    );
    const { result } = preempt(c, makePod('vip', { priority: 10, cpu: '2' }));
    expect(result.nominatedNodeName).toBe('n3');
  });

  it('breaks a final tie by the node whose victims started last', () => {
    expect(
      pickCandidate([
        { nodeName: 'old', victims: [new PodInfo(onNode('old', 1, 'o', '1', '2024-01-01T00:00:00Z'))] },
        { nodeName: 'new', victims: [new PodInfo(onNode('new', 1, 'n', '1', '2024-06-01T00:00:00Z'))] },
      ])?.nodeName,
    ).toBe('new');
  });

  it('explains why no victims help, per node', () => {
    const c = testCluster(
      [makeNode('n1', { cpu: '2' }), makeNode('n2', { cpu: '2' }), makeNode('t', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] })],
      [onNode('n1', 10, 'same', '2'), onNode('n2', 0, 'small', '500m'), onNode('n2', 10, 'big', '1500m')],
    );
    const { result, fit } = preempt(c, makePod('p', { priority: 10, cpu: '1' }));
    expect(result.status.isSuccess()).toBe(false);
    expect(fitErrorMessage({ numAllNodes: fit.numAllNodes, statuses: fit.statuses, postFilterMessage: result.status.message() })).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu. ' +
        'preemption: 0/3 nodes are available: 1 Insufficient cpu, 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
    );
  });

  it('never preempts for a pod with preemptionPolicy Never', () => {
    const c = testCluster([makeNode('n1', { cpu: '1' })], [onNode('n1', 0, 'low')]);
    const { result } = preempt(c, makePod('p', { priority: 10, cpu: '1', preemptionPolicy: 'Never' }));
    expect(result.status.message()).toBe('preemption: not eligible due to preemptionPolicy=Never.');
  });

  it('waits while a lower-priority pod on its nominated node is still terminating', () => {
    const c = testCluster([makeNode('n1', { cpu: '1' })], [{ ...onNode('n1', 0, 'going'), metadata: { ...onNode('n1', 0, 'going').metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } }]);
    const { result } = preempt(c, makePod('p', { priority: 10, cpu: '1', nominatedNodeName: 'n1' }));
    expect(result.status.message()).toBe('preemption: not eligible due to a terminating pod on the nominated node.');
  });

  it('keeps the room of a nominated pod from lower-priority pods', () => {
    const c = testCluster([makeNode('n1', { cpu: '2' })]);
    c.queue.nominate(makePod('vip', { priority: 100, cpu: '2' }), 'n1');
    expect(c.schedule(makePod('low', { priority: 1, cpu: '1' })).kind).toBe('unschedulable');
    expect(c.schedule(makePod('higher', { priority: 200, cpu: '1' })).kind).toBe('scheduled');
  });
});
