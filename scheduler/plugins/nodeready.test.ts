import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework.js';
import { PodInfo } from '../nodeinfo.js';
import { makeNode, makePod, nodeInfo } from '../testing/fixtures.js';
import { NodeReady } from './nodeready.js';

describe('NodeReady', () => {
  const pl = new NodeReady();
  const run = (ready: 'True' | 'False' | 'Unknown' | 'missing', tolerations = makePod('p').spec.tolerations) =>
    pl.filter(new CycleState(), new PodInfo({ ...makePod('p'), spec: { ...makePod('p').spec, tolerations } }), nodeInfo(makeNode('n', { ready })));

  it('filters NotReady nodes as the not-ready taint would', () => {
    expect(run('True').isSuccess()).toBe(true);
    expect(run('False').reasons).toEqual(['node(s) had untolerated taint {node.kubernetes.io/not-ready: }']);
    expect(run('False').code).toBe('UnschedulableAndUnresolvable');
  });

  it('filters Unknown (and unreported) readiness as unreachable', () => {
    expect(run('Unknown').reasons).toEqual(['node(s) had untolerated taint {node.kubernetes.io/unreachable: }']);
    expect(run('missing').reasons).toEqual(['node(s) had untolerated taint {node.kubernetes.io/unreachable: }']);
  });

  it('lets pods that tolerate the taint through', () => {
    expect(run('False', [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }]).isSuccess()).toBe(true);
    expect(run('Unknown', [{ operator: 'Exists' }]).isSuccess()).toBe(true);
  });
});
