import { describe, expect, it } from 'vitest';
import type { NodeSelectorRequirement } from '../../src/api/core/v1.js';
import { CycleState } from '../framework.js';
import { PodInfo } from '../nodeinfo.js';
import { makeNode, makePod, nodeInfo, testCluster } from '../testing/fixtures.js';
import { NodeAffinity } from './nodeaffinity.js';

const pl = new NodeAffinity();
const node = nodeInfo(makeNode('n1', { labels: { zone: 'a', gen: '5', ssd: '' } }));

function required(...exprs: NodeSelectorRequirement[]) {
  return makePod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: exprs }] } } } });
}

const fits = (pod: ReturnType<typeof makePod>): boolean => pl.filter(new CycleState(), new PodInfo(pod), node).isSuccess();

describe('NodeAffinity', () => {
  it('applies nodeSelector', () => {
    expect(fits(makePod('p', { nodeSelector: { zone: 'a' } }))).toBe(true);
    const s = pl.filter(new CycleState(), new PodInfo(makePod('p', { nodeSelector: { zone: 'b' } })), node);
    expect(s.code).toBe('UnschedulableAndUnresolvable');
    expect(s.reasons).toEqual(["node(s) didn't match Pod's node affinity/selector"]);
  });

  it('supports In, NotIn, Exists, DoesNotExist, Gt and Lt', () => {
    expect(fits(required({ key: 'zone', operator: 'In', values: ['a', 'b'] }))).toBe(true);
    expect(fits(required({ key: 'zone', operator: 'In', values: ['b'] }))).toBe(false);
    expect(fits(required({ key: 'zone', operator: 'NotIn', values: ['b'] }))).toBe(true);
    expect(fits(required({ key: 'missing', operator: 'NotIn', values: ['b'] }))).toBe(true);
    expect(fits(required({ key: 'ssd', operator: 'Exists' }))).toBe(true);
    expect(fits(required({ key: 'ssd', operator: 'DoesNotExist' }))).toBe(false);
    expect(fits(required({ key: 'gen', operator: 'Gt', values: ['4'] }))).toBe(true);
    expect(fits(required({ key: 'gen', operator: 'Gt', values: ['5'] }))).toBe(false);
    expect(fits(required({ key: 'gen', operator: 'Lt', values: ['6'] }))).toBe(true);
    expect(fits(required({ key: 'zone', operator: 'Lt', values: ['6'] }))).toBe(false);
  });

  it('ORs terms, ANDs the expressions inside one, and matches metadata.name with matchFields', () => {
    const terms = (t: object[]) =>
      makePod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: t } } } });
    expect(fits(terms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, { matchExpressions: [{ key: 'gen', operator: 'Exists' }] }]))).toBe(true);
    expect(fits(terms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gen', operator: 'In', values: ['4'] }] }]))).toBe(false);
    expect(fits(terms([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]))).toBe(true);
    expect(fits(terms([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }]))).toBe(false);
    expect(fits(terms([{}]))).toBe(false);
  });

  it('narrows the search to the nodes matchFields names, and reports the others', () => {
    const c = testCluster([makeNode('n1'), makeNode('n2'), makeNode('n3')]);
    const pod = makePod('p', {
      cpu: '8',
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }] } } },
    });
    const r = c.schedule(pod);
    expect(r.kind).toBe('unschedulable');
    if (r.kind !== 'unschedulable') return;
    expect(r.statuses.get('n2')?.reasons).toEqual(['Insufficient cpu']);
    expect(r.statuses.get('n1')?.reasons).toEqual(["node(s) didn't match Pod's node affinity/selector"]);
  });

  it('scores by the summed weights of matching preferred terms', () => {
    const pod = new PodInfo(
      makePod('p', {
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
              { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
            ],
          },
        },
      }),
    );
    const nodes = [makeNode('za', { labels: { zone: 'a' } }), makeNode('ssd', { labels: { disk: 'ssd' } }), makeNode('both', { labels: { zone: 'a', disk: 'ssd' } }), makeNode('none')];
    const scores = nodes.map((n) => ({ name: n.metadata.name!, score: pl.score(new CycleState(), pod, nodeInfo(n)) }));
    pl.normalizeScore(new CycleState(), pod, scores);
    expect(scores.map((s) => s.score)).toEqual([25, 75, 100, 0]);
  });
});
