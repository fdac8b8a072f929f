import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework.js';
import { PodInfo } from '../nodeinfo.js';
import { makeNode, makePod, nodeInfo } from '../testing/fixtures.js';
import { NodeResourcesFit } from './noderesourcesfit.js';

describe('NodeResourcesFit', () => {
  const pl = new NodeResourcesFit();
  const busy = nodeInfo(makeNode('n', { cpu: '4', memory: '4Gi', pods: '3', extra: { 'example.com/gpu': '1' } }), [
    makePod('a', { nodeName: 'n', cpu: '3', memory: '1Gi' }),
    makePod('b', { nodeName: 'n', memory: '2Gi' }),
  ]);
  const filter = (requests: Record<string, string>) => pl.filter(new CycleState(), new PodInfo(makePod('p', { requests })), busy);

  it('fits what is left of allocatable', () => {
    expect(filter({ cpu: '1', memory: '1Gi' }).isSuccess()).toBe(true);
    expect(filter({ 'example.com/gpu': '1' }).isSuccess()).toBe(true);
  });

  it('names every resource that is short', () => {
    const s = filter({ cpu: '1500m', memory: '2Gi', 'ephemeral-storage': '200Gi', 'example.com/gpu': '2' });
    expect(s.reasons).toEqual(['Insufficient cpu', 'Insufficient memory', 'Insufficient ephemeral-storage', 'Insufficient example.com/gpu']);
  });

  it('says Unschedulable when evicting could help and Unresolvable when the node could never hold the pod', () => {
    expect(filter({ cpu: '2' }).code).toBe('Unschedulable');
    expect(filter({ cpu: '5' }).code).toBe('UnschedulableAndUnresolvable');
  });

  it('counts pods against the node\'s pod capacity', () => {
    const full = nodeInfo(makeNode('n', { pods: '2' }), [makePod('a', { nodeName: 'n' }), makePod('b', { nodeName: 'n' })]);
    expect(pl.filter(new CycleState(), new PodInfo(makePod('p')), full).reasons).toEqual(['Too many pods']);
  });

  it('scores emptier nodes higher with LeastAllocated and fuller ones with MostAllocated', () => {
    const pod = new PodInfo(makePod('p', { cpu: '1', memory: '1Gi' }));
    const empty = nodeInfo(makeNode('e', { cpu: '4', memory: '4Gi' }));
    const half = nodeInfo(makeNode('h', { cpu: '4', memory: '4Gi' }), [makePod('x', { nodeName: 'h', cpu: '1', memory: '1Gi' })]);
    // (4-1)/4 = 75 and (4-2)/4 = 50 for both resources
    expect(pl.score(new CycleState(), pod, empty)).toBe(75);
    expect(pl.score(new CycleState(), pod, half)).toBe(50);
    const most = new NodeResourcesFit({ scoringStrategy: { type: 'MostAllocated' } });
    expect(most.score(new CycleState(), pod, empty)).toBe(25);
    expect(most.score(new CycleState(), pod, half)).toBe(50);
  });

  it('scores a pod without requests as 100m cpu and 200Mi memory', () => {
    const pod = new PodInfo(makePod('p'));
    const n = nodeInfo(makeNode('e', { cpu: '1', memory: '2000Mi' }));
    // cpu (1000-100)/1000 = 90, memory (2000-200)/2000 = 90
    expect(pl.score(new CycleState(), pod, n)).toBe(90);
  });
});

describe('NodeResourcesFit ignoredResources', () => {
  it('lets a pod through that lacks only ignored resources, and still names the others', () => {
    const pl = new NodeResourcesFit({ ignoredResources: ['example.com/gpu'], ignoredResourceGroups: ['vendor.io'] });
    const n = nodeInfo(makeNode('n', { cpu: '1', extra: { 'example.com/gpu': '1' } }));
    const fit = (requests: Record<string, string>) => pl.filter(new CycleState(), new PodInfo(makePod('p', { requests })), n);
    expect(fit({ 'example.com/gpu': '4', 'vendor.io/fpga': '1' }).isSuccess()).toBe(true);
    expect(fit({ cpu: '2', 'example.com/gpu': '4' }).reasons).toEqual(['Insufficient cpu']);
    expect(fit({ 'other.io/thing': '1' }).reasons).toEqual(['Insufficient other.io/thing']);
  });
});
