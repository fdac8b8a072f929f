import { describe, expect, it } from 'vitest';
import { affinity, antiAffinity, makeNode, makePod, testCluster } from '../testing/fixtures.js';

const zone = 'topology.kubernetes.io/zone';
const nodes = [
  makeNode('a1', { labels: { [zone]: 'a' } }),
  makeNode('a2', { labels: { [zone]: 'a' } }),
  makeNode('b1', { labels: { [zone]: 'b' } }),
];

function placement(r: ReturnType<ReturnType<typeof testCluster>['schedule']>): string {
  return r.kind === 'scheduled' ? r.nodeName : r.kind;
}

describe('InterPodAffinity', () => {
  it('places a pod with required affinity in the topology domain of the pods it selects', () => {
    const c = testCluster(nodes, [makePod('db', { nodeName: 'b1', labels: { app: 'db' } })]);
    expect(placement(c.schedule(makePod('web', { affinity: affinity('db', zone) })))).toBe('b1');
  });

  it('rejects nodes by affinity as unresolvable, naming the rule', () => {
    const c = testCluster(nodes, [makePod('db', { nodeName: 'b1', labels: { app: 'db' } })]);
    const r = c.schedule(makePod('web', { affinity: affinity('db', zone), nodeSelector: { [zone]: 'a' } }));
    expect(r.kind).toBe('unschedulable');
    if (r.kind !== 'unschedulable') return;
    expect(r.statuses.get('a1')?.reasons).toEqual(["node(s) didn't match pod affinity rules"]);
    expect(r.statuses.get('a1')?.code).toBe('UnschedulableAndUnresolvable');
  });

  it('lets the first pod of a group that selects itself start anywhere', () => {
    const c = testCluster(nodes);
    expect(c.schedule(makePod('first', { labels: { app: 'db' }, affinity: affinity('db', zone) })).kind).toBe('scheduled');
    expect(c.schedule(makePod('lonely', { labels: { app: 'web' }, affinity: affinity('db', zone) })).kind).toBe('unschedulable');
  });

  it('keeps a pod with required anti-affinity out of domains that hold matching pods', () => {
    const c = testCluster(nodes, [makePod('x', { nodeName: 'a1', labels: { app: 'x' } })]);
    const r = c.schedule(makePod('y', { labels: { app: 'x' }, affinity: antiAffinity('x', zone) }));
    expect(placement(r)).toBe('b1');
    const perNode = testCluster(nodes, [makePod('x', { nodeName: 'a1', labels: { app: 'x' } })]);
    const r2 = perNode.schedule(makePod('y', { labels: { app: 'x' }, affinity: antiAffinity('x'), nodeSelector: { [zone]: 'a' } }));
    expect(placement(r2)).toBe('a2');
  });

  it("honours existing pods' anti-affinity against the incoming pod", () => {
    const guard = makePod('guard', { nodeName: 'a1', labels: { app: 'guard' }, affinity: antiAffinity('intruder', zone) });
    const c = testCluster(nodes, [guard]);
    const r = c.schedule(makePod('i', { labels: { app: 'intruder' }, nodeSelector: { [zone]: 'a' } }));
    expect(r.kind).toBe('unschedulable');
    if (r.kind !== 'unschedulable') return;
    expect(r.statuses.get('a2')?.reasons).toEqual(["node(s) didn't satisfy existing pods anti-affinity rules"]);
    expect(r.statuses.get('a2')?.code).toBe('Unschedulable');
  });

  it('spreads replicas with per-node anti-affinity over every node, then stops', () => {
    const c = testCluster(nodes);
    const placed = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const pod = makePod(`r${i}`, { labels: { app: 'r' }, affinity: antiAffinity('r') });
      const r = c.schedule(pod);
      expect(r.kind).toBe('scheduled');
      if (r.kind !== 'scheduled') return;
      placed.add(r.nodeName);
      c.cache.addPod({ ...pod, spec: { ...pod.spec, nodeName: r.nodeName } });
    }
    expect(placed.size).toBe(3);
    const r = c.schedule(makePod('r3', { labels: { app: 'r' }, affinity: antiAffinity('r') }));
    expect(r.kind).toBe('unschedulable');
    if (r.kind === 'unschedulable') expect([...r.statuses.values()].map((s) => s.reasons[0])).toEqual(Array(3).fill("node(s) didn't match pod anti-affinity rules"));
  });

  it('prefers domains named by preferred affinity', () => {
    const c = testCluster(nodes, [makePod('cache', { nodeName: 'a2', labels: { app: 'cache' } })]);
    const pod = makePod('web', {
      affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'cache' } } } }] } },
    });
    expect(placement(c.schedule(pod))).toBe('a2');
  });
});
