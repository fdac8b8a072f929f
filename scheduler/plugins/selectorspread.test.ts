import { describe, expect, it } from 'vitest';
import { makeNode, makePod, testCluster } from '../testing/fixtures.js';

const zone = 'topology.kubernetes.io/zone';

describe('SelectorSpread', () => {
  it('spreads the pods of one controller over nodes and zones', () => {
    const nodes = [
      makeNode('a1', { labels: { [zone]: 'a' } }),
      makeNode('a2', { labels: { [zone]: 'a' } }),
      makeNode('b1', { labels: { [zone]: 'b' } }),
      makeNode('b2', { labels: { [zone]: 'b' } }),
    ];
    const c = testCluster(nodes);
    const perZone = new Map<string, number>();
    const perNode = new Map<string, number>();
    for (let i = 0; i < 8; i++) {
      const pod = makePod(`r${i}`, { owner: 'web', cpu: '10m' });
      const r = c.schedule(pod);
      expect(r.kind).toBe('scheduled');
      if (r.kind !== 'scheduled') return;
      c.cache.addPod({ ...pod, spec: { ...pod.spec, nodeName: r.nodeName } });
      perNode.set(r.nodeName, (perNode.get(r.nodeName) ?? 0) + 1);
      const z = r.nodeName[0]!;
      perZone.set(z, (perZone.get(z) ?? 0) + 1);
    }
    expect([...perNode.values()]).toEqual([2, 2, 2, 2]);
    expect([...perZone.values()]).toEqual([4, 4]);
  });
});
