import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework.js';
import { PodInfo } from '../nodeinfo.js';
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

describe('SelectorSpread counting', () => {
  it("counts a node's live siblings in the pod's namespace, as they come and go", () => {
    const sibling = (name: string, o: Parameters<typeof makePod>[1] = {}) => makePod(name, { nodeName: 'n', owner: 'web', ...o });
    const c = testCluster([makeNode('n')], [sibling('a'), sibling('b', { deleting: true }), sibling('c', { namespace: 'other' }), makePod('d', { nodeName: 'n', owner: 'api' })]);
    const pl = c.fwk.score.find((w) => w.plugin.name === 'SelectorSpread')!.plugin;
    const count = () => {
      const state = new CycleState();
      const pod = new PodInfo(makePod('p', { owner: 'web' }));
      c.fwk.preScore.find((p) => p.name === 'SelectorSpread')!.preScore(state, pod, []);
      return pl.score(state, pod, c.cache.getNode('n')!);
    };
    expect(count()).toBe(1);
    c.cache.addPod(sibling('e'));
    expect(count()).toBe(2);
    c.cache.updatePod(sibling('a', { deleting: true }));
    expect(count()).toBe(1);
    c.cache.removePod(sibling('e'));
    expect(count()).toBe(0);
  });
});
