import { describe, expect, it } from 'vitest';
import { FakeClock } from '../src/client/index.js';
import { SchedulerCache } from './cache.js';
import { CycleState } from './framework.js';
import { PodInfo } from './nodeinfo.js';
import { NodeResourcesFit } from './plugins/noderesourcesfit.js';
import { makeNode, makePod, nodeInfo, testCluster } from './testing/fixtures.js';

describe('NodeInfo', () => {
  it("follows a node's readiness, cordon and taints through updates", () => {
    const c = testCluster([makeNode('n', { ready: 'False' })]);
    const reasons = () => {
      const r = c.schedule(makePod('p'));
      return r.kind === 'unschedulable' ? r.statuses.get('n')?.reasons : r.kind;
    };
    expect(reasons()).toEqual(['node(s) had untolerated taint {node.kubernetes.io/not-ready: }']);
    c.cache.updateNode(makeNode('n'));
    expect(reasons()).toBe('scheduled');
    c.cache.updateNode(makeNode('n', { unschedulable: true }));
    expect(reasons()).toEqual(['node(s) were unschedulable']);
    c.cache.updateNode(makeNode('n', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }));
    expect(reasons()).toEqual(['node(s) had untolerated taint {k: v}']);
    c.cache.updateNode(makeNode('n', { cpu: '1' }));
    expect(c.schedule(makePod('p', { cpu: '2' })).kind).toBe('unschedulable');
    expect(reasons()).toBe('scheduled');
  });

  it('fits and scores by the pods it holds as they are added, removed and cloned away', () => {
    const fit = new NodeResourcesFit();
    const pod = new PodInfo(makePod('p', { cpu: '2', memory: '1Gi' }));
    const n = nodeInfo(makeNode('n', { cpu: '4', memory: '4Gi', pods: '3' }), [makePod('a', { nodeName: 'n', cpu: '1', memory: '1Gi' })]);
    expect(fit.filter(new CycleState(), pod, n).isSuccess()).toBe(true);
    // cpu (4-3)/4 = 25, memory (4-2)/4 = 50
    expect(fit.score(new CycleState(), pod, n)).toBe(37);
    n.addPod(new PodInfo(makePod('b', { nodeName: 'n', cpu: '2' })));
    expect(fit.filter(new CycleState(), pod, n).reasons).toEqual(['Insufficient cpu']);
    const whatIf = n.clone();
    whatIf.removePod(new PodInfo(makePod('b')).key);
    expect(fit.filter(new CycleState(), pod, whatIf).isSuccess()).toBe(true);
    expect(fit.filter(new CycleState(), pod, n).isSuccess()).toBe(false);
    n.addPod(new PodInfo(makePod('c', { nodeName: 'n' })));
    expect(fit.filter(new CycleState(), new PodInfo(makePod('tiny')), n).reasons).toEqual(['Too many pods']);
    n.removePod(new PodInfo(makePod('b')).key);
    n.removePod(new PodInfo(makePod('c')).key);
    expect(fit.score(new CycleState(), pod, n)).toBe(37);
  });

  it('lets an assumed pod share what its PodInfo parsed, and parses a pod it was not given for', () => {
    const cache = new SchedulerCache({ clock: new FakeClock() });
    cache.addNode(makeNode('n'));
    const pi = new PodInfo(makePod('p', { cpu: '700m' }));
    const bound = pi.boundTo('n');
    expect(bound.pod.spec.nodeName).toBe('n');
    expect(pi.pod.spec.nodeName).toBeUndefined();
    cache.assumePod(bound.pod, bound);
    expect(cache.getNode('n')!.requested.get('cpu')).toBe(700);
    cache.assumePod(makePod('q', { nodeName: 'n', cpu: '1' }), bound);
    expect(cache.getNode('n')!.requested.get('cpu')).toBe(1700);
    expect(cache.getNode('n')!.pods.size).toBe(2);
  });
});
