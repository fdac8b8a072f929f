import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework.js';
import { PodInfo } from '../nodeinfo.js';
import { makeNode, makePod, nodeInfo } from '../testing/fixtures.js';
import { TaintToleration } from './tainttoleration.js';

describe('TaintToleration', () => {
  const pl = new TaintToleration();
  const tainted = nodeInfo(makeNode('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }));
  const filter = (tolerations: object[]) =>
    pl.filter(new CycleState(), new PodInfo({ ...makePod('p'), spec: { ...makePod('p').spec, tolerations } }), tainted);

  it('rejects pods that do not tolerate a NoSchedule taint, naming it', () => {
    const s = filter([]);
    expect(s.code).toBe('UnschedulableAndUnresolvable');
    expect(s.reasons).toEqual(['node(s) had untolerated taint {dedicated: gpu}']);
  });

  it('accepts Equal with the same value, Exists on the key, and an empty key with Exists', () => {
    expect(filter([{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }]).isSuccess()).toBe(true);
    expect(filter([{ key: 'dedicated', operator: 'Exists' }]).isSuccess()).toBe(true);
    expect(filter([{ operator: 'Exists' }]).isSuccess()).toBe(true);
    expect(filter([{ key: 'dedicated', operator: 'Equal', value: 'tpu' }]).isSuccess()).toBe(false);
    expect(filter([{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }]).isSuccess()).toBe(false);
  });

  it('treats NoExecute as NoSchedule and ignores PreferNoSchedule in the filter', () => {
    const noExec = nodeInfo(makeNode('n', { taints: [{ key: 'k', effect: 'NoExecute' }] }));
    expect(pl.filter(new CycleState(), new PodInfo(makePod('p')), noExec).isSuccess()).toBe(false);
    const prefer = nodeInfo(makeNode('n', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }));
    expect(pl.filter(new CycleState(), new PodInfo(makePod('p')), prefer).isSuccess()).toBe(true);
  });

  it('scores nodes with fewer untolerated PreferNoSchedule taints higher', () => {
    const pod = new PodInfo(makePod('p', { tolerations: [{ key: 'tolerated', operator: 'Exists', effect: 'PreferNoSchedule' }] }));
    const nodes = [
      makeNode('clean'),
      makeNode('one', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'tolerated', effect: 'PreferNoSchedule' }] }),
      makeNode('two', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }] }),
    ].map((n) => nodeInfo(n));
    const scores = nodes.map((n) => ({ name: n.name, score: pl.score(new CycleState(), pod, n) }));
    pl.normalizeScore(new CycleState(), pod, scores);
    expect(scores.map((s) => s.score)).toEqual([100, 50, 0]);
  });
});

describe('TaintToleration PreScore', () => {
  it('scores the same from the tolerations PreScore kept as from the pod itself', () => {
    const pl = new TaintToleration();
    const pod = new PodInfo(makePod('p', { tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists', effect: 'NoSchedule' }] }));
    const n = nodeInfo(makeNode('n', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }, { key: 'c', effect: 'PreferNoSchedule' }] }));
    const state = new CycleState();
    expect(pl.preScore(state, pod).isSuccess()).toBe(true);
    // a is tolerated for every effect; b only for NoSchedule; c not at all
    expect(pl.score(state, pod, n)).toBe(2);
    expect(pl.score(new CycleState(), pod, n)).toBe(2);
    expect(pl.score(state, pod, nodeInfo(makeNode('clean')))).toBe(0);
  });
});
