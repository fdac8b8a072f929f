import { describe, expect, it } from 'vitest';
import type { Pod } from '../src/api/core/v1.js';
import { CycleState } from './framework.js';
import { PodInfo } from './nodeinfo.js';
import { antiAffinity, makeNode, makePod, testCluster } from './testing/fixtures.js';

// The indexes decide which existing pods inter-pod affinity looks at: these
// check that what they leave out could never have mattered.
const zone = 'topology.kubernetes.io/zone';
const nodes = () => [
  makeNode('a1', { labels: { [zone]: 'a' } }),
  makeNode('a2', { labels: { [zone]: 'a' } }),
  makeNode('b1', { labels: { [zone]: 'b' } }),
];

/** Every node the pod passes the filters on, in node-name order. */
function feasible(c: ReturnType<typeof testCluster>, pod: Pod): string[] {
  const state = new CycleState();
  const pi = new PodInfo(pod);
  const pre = c.fwk.runPreFilter(state, pi);
  if (!pre.status.isSuccess()) return [];
  return c.cache
    .nodeList()
    .filter((n) => c.fwk.runFilterWithNominatedPods(state, pi, n, pre.skipped).isSuccess())
    .map((n) => n.name)
    .sort();
}

const antiIn = (values: string[], topologyKey = 'kubernetes.io/hostname'): Pod['spec']['affinity'] => ({
  podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey, labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values }] } }] },
});

describe('inter-pod affinity over the cache indexes', () => {
  it("keeps honouring replicas' identical anti-affinity terms as they come and go", () => {
    const guard = (name: string, node: string) => makePod(name, { nodeName: node, labels: { app: 'guard' }, affinity: antiAffinity('intruder') });
    const c = testCluster(nodes(), [guard('g1', 'a1'), guard('g2', 'b1'), guard('g3', 'b1')]);
    const intruder = makePod('i', { labels: { app: 'intruder' } });
    expect(feasible(c, intruder)).toEqual(['a2']);
    c.cache.removePod(guard('g1', 'a1'));
    expect(feasible(c, intruder)).toEqual(['a1', 'a2']);
    c.cache.removePod(guard('g2', 'b1'));
    expect(feasible(c, intruder)).toEqual(['a1', 'a2']);
    c.cache.removePod(guard('g3', 'b1'));
    expect(feasible(c, intruder)).toEqual(['a1', 'a2', 'b1']);
  });

  it('stops counting a pod for the label it no longer carries', () => {
    const web = makePod('w', { nodeName: 'a1', labels: { app: 'web' } });
    const c = testCluster(nodes(), [web]);
    const pod = makePod('p', { labels: { app: 'web' }, affinity: antiAffinity('web') });
    expect(feasible(c, pod)).toEqual(['a2', 'b1']);
    c.cache.updatePod({ ...web, metadata: { ...web.metadata, labels: { app: 'api' } } });
    expect(feasible(c, pod)).toEqual(['a1', 'a2', 'b1']);
  });

  it('matches every value of an In selector', () => {
    const c = testCluster(nodes(), [makePod('x', { nodeName: 'a1', labels: { app: 'x' } }), makePod('y', { nodeName: 'b1', labels: { app: 'y' } })]);
    expect(feasible(c, makePod('p', { labels: { app: 'p' }, affinity: antiIn(['x', 'y']) }))).toEqual(['a2']);
    expect(feasible(c, makePod('p', { labels: { app: 'p' }, affinity: antiIn(['y', 'z'], zone) }))).toEqual(['a1', 'a2']);
  });

  it('still looks at every pod for selectors that pin no label (NotIn, Exists)', () => {
    const c = testCluster(nodes(), [makePod('x', { nodeName: 'a1', labels: { app: 'x', tier: 'db' } })]);
    const notIn: Pod['spec']['affinity'] = {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: zone, labelSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] } }] },
    };
    expect(feasible(c, makePod('p', { labels: { app: 'web' }, affinity: notIn }))).toEqual(['b1']);
    const exists: Pod['spec']['affinity'] = {
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: zone, labelSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] } }] },
    };
    expect(feasible(c, makePod('q', { labels: { app: 'web' }, affinity: exists }))).toEqual(['a1', 'a2']);
  });

  it('does not match pods of another namespace that carry the label', () => {
    const c = testCluster(nodes(), [makePod('x', { nodeName: 'a1', namespace: 'other', labels: { app: 'x' } })]);
    expect(feasible(c, makePod('p', { labels: { app: 'p' }, affinity: antiAffinity('x', zone) }))).toEqual(['a1', 'a2', 'b1']);
    expect(feasible(c, makePod('p', { namespace: 'other', labels: { app: 'p' }, affinity: antiAffinity('x', zone) }))).toEqual(['b1']);
  });

  it('ignores pods left on a node that is gone, as the node list does', () => {
    const guard = makePod('g', { nodeName: 'a1', labels: { app: 'guard' }, affinity: antiAffinity('intruder', zone) });
    const web = makePod('w', { nodeName: 'a1', labels: { app: 'web' } });
    const c = testCluster(nodes(), [guard, web]);
    expect(feasible(c, makePod('i', { labels: { app: 'intruder' } }))).toEqual(['b1']);
    expect(feasible(c, makePod('p', { labels: { app: 'web' }, affinity: antiAffinity('web', zone) }))).toEqual(['b1']);
    c.cache.removeNode(nodes()[0]!);
    expect(feasible(c, makePod('i', { labels: { app: 'intruder' } }))).toEqual(['a2', 'b1']);
    expect(feasible(c, makePod('p', { labels: { app: 'web' }, affinity: antiAffinity('web', zone) }))).toEqual(['a2', 'b1']);
  });

  it("scores by existing pods' preferred terms even when the incoming pod has none", () => {
    const fan = makePod('fan', {
      nodeName: 'b1',
      labels: { app: 'fan' },
      affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: zone, labelSelector: { matchLabels: { app: 'star' } } } }] } },
    });
    const c = testCluster(nodes(), [fan, makePod('lone', { nodeName: 'a1', labels: { app: 'lone' }, affinity: antiAffinity('nobody') })]);
    for (let i = 0; i < 5; i++) {
      const r = c.schedule(makePod(`star${i}`, { labels: { app: 'star' } }));
      expect(r.kind === 'scheduled' && r.nodeName).toBe('b1');
    }
  });
});
